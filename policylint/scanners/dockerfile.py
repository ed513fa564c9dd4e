"""Dockerfile scanner: image references in `FROM`, `COPY/ADD --from`, `RUN --mount=from=`, `# syntax=`.

Reading follows BuildKit's parser. Lines split on `\\n` only, trailing `\\r` dropped; columns are 1-based
code points of the physical line. Parser directives (`syntax`, `escape`, `check`, any key case) are read
until the first other line; `escape` sets the escape/continuation character. The frontend image is found
as `DetectSyntax` does (a `#!` first line skipped, first `# syntax=` wins, its first word). A line ending
in the escape character continues; comment and blank lines inside are dropped and the pieces joined as
they are (a reference split over lines sits at its first character, with no end column). Heredoc bodies
of RUN/COPY/ADD (also under ONBUILD, not in JSON form) are skipped to their terminator.

Meaning follows dockerfile2llb. FROM is shell-expanded (quotes, escapes, `$X`, `${X...}`) with the global
ARGs: those before the first FROM, defaults expanded in order, `--build-arg` overriding declared ones;
BuildKit's automatic platform ARGs (TARGETARCH...) are declared without a value. `scratch` and earlier
stage names (case-insensitive) are not images. A variable with no value is named in `unresolved`, also
through another ARG; an empty value (`ARG V=`) is a value. A stage ARG is seen by its stage only; `ARG X`
alone takes the build arg, else the global. `COPY --from` is a stage when it is an integer or any stage's
name (BuildKit links stages once all are known); mount `from=` is matched by name only, as in BuildKit
(`from=0` is the image `0`), tmpfs mounts skipped. `ADD --from` (BuildKit rejects it) is read as COPY's.
BuildKit refuses variables in `--from`/`from=`; like the legacy builder, buildah and kaniko we expand them
with the stage's ARGs (not ENV, not a parent stage's). ONBUILD triggers belong to another build: skipped.

A ScanError only where references cannot be known: FROM without argument, an unterminated heredoc (it
swallows the rest), a repeated directive, a bad `escape`. Whatever else BuildKit refuses (unknown
instructions or flags, no FROM, an empty file) is read leniently: this lints references, it does not
validate Dockerfiles. It never raises, and bounds what variables may add (`ARG A=$A$A` repeated).
"""

from __future__ import annotations

import re

from policylint.model import Location, Occurrence, ScanError, ScanOptions
from policylint.records import NamedTuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, FrozenSet, Iterator, List, Optional, Sequence, Tuple, Union

    Result = Union[Occurrence, ScanError]
    Var = Tuple[Optional[str], Tuple[str, ...]]  # value (None: no value) and the unresolved names behind it
    Scope = Dict[str, Var]


# Go's unicode.IsSpace; Python's str.isspace() also takes \x1c-\x1f, which Go does not.
_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))
_TOKEN_RE = re.compile(r"[^\t\v\f\r ]+")  # BuildKit splits instructions on [\t\v\f\r ]+
# Compiled on first use (through re's cache): a file may have no directive and no heredoc.
_DIRECTIVE = r"([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*"  # Go's \s is [\t\n\f\r ]
_HEREDOC = r"[0-9]*<<(-?)([^<]*)\Z"
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_DIRECTIVES = ("syntax", "escape", "check")
_PLATFORM_ARGS = ("BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT",
                  "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT")
# Those BuildKit always sets to a non-empty value (a variant may be empty): `${TARGETARCH:+-x86_64}`
# is `-x86_64` on every platform, though TARGETARCH's own value depends on the build.
_VARIANT_ARGS = frozenset({"BUILDVARIANT", "TARGETVARIANT"})
_PLATFORM_ARG_SET = frozenset(_PLATFORM_ARGS)
_MENTIONED = r"\$\{?([A-Za-z_][A-Za-z0-9_]*)"  # the names a word's `$X`, `${X...` read (compiled on first use)
_HEREDOC_COMMANDS = ("run", "copy", "add")
_READ = frozenset({"from", "arg", "copy", "add", "onbuild"})  # instructions whose text is read (and RUN)
_MAX_SUBSTITUTED = 4096  # characters variables may add to one word (a reference is at most ~600)
_MAX_NAMES = 16  # unresolved names kept for one value
# Stage names that the platform-ARG shapes of one file (`bin-$TARGETOS`) are compared with, in
# all. A real file compares a few shapes with a few stages (each distinct shape is compared once);
# 10,000 distinct shapes against 10,000 stages took 30 s. Past this (about half a second) a new
# shape is taken to name no stage, so its line is reported as a reference with unresolved variables.
_MAX_STAGE_COMPARISONS = 2_000_000
_TEMPLATE = "{{"  # an unrendered Jinja or Go template action: not Dockerfile text yet
_PLATFORM_MARK = "\x00"  # stands for a platform ARG's value when matching stage names


class _Instr(NamedTuple):
    """One logical instruction: its continuation pieces joined, and where each piece came from."""

    cmd: str  # keyword, lower case
    text: str  # the joined line
    rest: int  # offset just past the keyword
    starts: List[int]  # offset in `text` where each physical piece begins
    rows: List[int]  # its 1-based line number
    cols: List[int]  # its 0-based column in that line

    def position(self, offset: int) -> Tuple[int, int]:
        """(line, column) of `offset`, in the last piece that starts at or before it."""
        # A binary search written out: the bisect module loads a C extension, 1% of a one-file run.
        starts = self.starts
        low, high = 0, len(starts)
        while high - low > 1:
            middle = (low + high) // 2
            if starts[middle] <= offset:
                low = middle
            else:
                high = middle
        return self.rows[low], self.cols[low] + offset - starts[low] + 1


class _Flag(NamedTuple):
    name: str
    value: Optional[str]  # None for a bare `--name`
    offsets: List[int]  # where each character of `value` is in the instruction text
    start: int = 0  # where the flag's word starts in the instruction text


def scan(text: str, path: str, options: ScanOptions) -> Iterator[Result]:
    """Yield every image reference of the Dockerfile `text`, and a ScanError where it is unreadable."""
    lines = text.split("\n")
    yield from _syntax(lines, path)
    items, escape = _read(lines, path)
    yield from _Scanner(path, escape, options.build_args, items, options.build_contexts).run()


def _syntax(lines: Sequence[str], path: str) -> Iterator[Occurrence]:
    """The `# syntax=` frontend image, found as BuildKit's DetectSyntax finds it."""
    seen = set()
    for row in range(1 if lines and lines[0].startswith("#!") else 0, len(lines)):
        directive = _parse_directive(lines[row][:-1] if lines[row].endswith("\r") else lines[row])
        if directive is None or directive[0] in seen:
            return
        key, value, column = directive
        seen.add(key)
        if key == "syntax":
            image = value.split(" ", 1)[0]
            location = Location(path, row + 1, column + 1, column + 1 + len(image))
            yield Occurrence(image, image, location, "dockerfile", {"stage": "", "instruction": "syntax"})
            return


def _parse_directive(line: str) -> Optional[Tuple[str, str, int]]:
    """(key, value, offset of the value) of a parser directive line, or None.

    BuildKit's `#\\s*(key)\\s*=\\s*(.+?)\\s*$` without the lazy group, which backtracks quadratically
    over a long run of spaces in Python (a value of spaces only is no directive here).
    """
    if not line.startswith("#"):
        return None
    body = line[1:].lstrip(_SPACE)
    match = re.match(_DIRECTIVE, body)
    value = body[match.end():].rstrip("\t\n\f\r ") if match else ""
    if not value or match is None or match.group(1).lower() not in _DIRECTIVES:
        return None
    return match.group(1).lower(), value, len(line) - len(body) + match.end()


def _read(lines: Sequence[str], path: str) -> Tuple[List[Union[_Instr, ScanError]], str]:
    """Split the file into instructions, as BuildKit's parser.Parse does; return them and the escape."""
    items: List[Union[_Instr, ScanError]] = []
    escape, seen, directives = "\\", set(), True
    i = 0
    while i < len(lines):
        raw = lines[i].rstrip("\r")
        stripped = raw.lstrip(_SPACE)
        i += 1
        if directives:
            directives, escape, error = _directive(stripped, seen, escape)
            if error:
                items.append(ScanError(error, Location(path, i, len(raw) - len(stripped) + 1)))
        if stripped.startswith("#"):
            continue
        piece, more = _trim_continuation(stripped, escape)
        if more or piece:
            start_row = i
            i, instr = _instruction(lines, i, piece, more, len(raw) - len(stripped), escape)
            items.extend([instr] if instr else [])
            for name, chomp in _heredocs(instr) if instr else ():
                i, found = _skip_heredoc(lines, i, name, chomp)
                if not found:
                    items.append(ScanError(f"unterminated heredoc <<{name}", Location(path, start_row, 1)))
                    return items, escape
    return items, escape


def _instruction(lines: Sequence[str], i: int, piece: str, more: bool, lead: int,
                 escape: str) -> Tuple[int, Optional[_Instr]]:
    """Join the first piece (line `i`, `lead` columns in) with its continuation lines.

    An instruction the scanner never reads (ENV, LABEL, CMD..., a RUN without flags or heredoc)
    is only skipped to its last line and gives None: most lines of a Dockerfile are RUN lines.
    """
    keyword = _TOKEN_RE.search(piece)
    if keyword is not None and (keyword.end() < len(piece) or not more):  # not `FR\` + `OM x`
        cmd = keyword.group().lower()
        if cmd == "run":
            arguments = piece[keyword.end():].lstrip(_SPACE)
            skipped = arguments and not arguments.startswith("--") and "<" not in piece
        else:
            skipped = cmd not in _READ
        if skipped:
            end = _skip_continuation(lines, i, more, escape, cmd == "run")
            if end is not None:
                return end, None
    pieces, starts, rows, cols = [piece], [0], [i], [lead]
    length = len(piece)
    while more and i < len(lines):
        raw = lines[i].rstrip("\r")
        i += 1
        content = raw.lstrip(_SPACE)
        if content and not content.startswith("#"):  # BuildKit drops comment and blank lines here
            piece, more = _trim_continuation(raw, escape)
            pieces.append(piece)
            starts.append(length)
            rows.append(i)
            cols.append(0)
            length += len(piece)
    text = "".join(pieces)
    keyword = _TOKEN_RE.search(text)
    if keyword is None:
        return i, None
    return i, _Instr(keyword.group().lower(), text, keyword.end(), starts, rows, cols)


def _directive(line: str, seen: set, escape: str) -> Tuple[bool, str, Optional[str]]:
    """Read a possible parser directive: (still reading directives, escape, error message)."""
    directive = _parse_directive(line)
    if directive is None:
        return False, escape, None
    key, value, _ = directive
    if key in seen:
        return True, escape, f"only one {key} parser directive can be used"
    seen.add(key)
    if key == "escape" and value not in ("\\", "`"):
        return True, escape, f"invalid escape token '{value}' does not match ` or \\"
    return True, value if key == "escape" else escape, None


def _skip_continuation(lines: Sequence[str], i: int, more: bool, escape: str, heredocs: bool) -> Optional[int]:
    """Where an instruction that continues onto line `i` (if `more`) ends, as `_instruction`
    reads it; None when `heredocs` asks to stop at a line holding `<` (a `<<` may also be split
    over two lines; the caller then reads the instruction)."""
    count = len(lines)
    while more and i < count:
        raw = lines[i]
        i += 1
        content = raw.lstrip(_SPACE)
        if content and content[0] != "#":  # comment and blank lines neither end nor continue it
            if heredocs and "<" in raw:
                return None
            # _trim_continuation's test, written out: calling it per line took back 40% of
            # what skipping saves (measured in instructions over the corpus Dockerfiles)
            trimmed = raw.rstrip("\r").rstrip(" \t")
            more = trimmed[-1:] == escape and trimmed[-2:-1] != escape
    return i


def _trim_continuation(line: str, escape: str) -> Tuple[str, bool]:
    """BuildKit's `([^E])E[ \\t]*$|^E[ \\t]*$`: an escape ending the line, unless itself escaped."""
    trimmed = line.rstrip(" \t")
    if trimmed.endswith(escape) and (len(trimmed) == 1 or trimmed[-2] != escape):
        return trimmed[:-1], True
    return line, False


def _heredocs(instr: _Instr) -> List[Tuple[str, bool]]:
    """(terminator, chomp) of each heredoc the instruction opens, in order."""
    if "<<" not in instr.text:
        return []
    cmd, pos = instr.cmd, instr.rest
    if cmd == "onbuild":
        sub = _TOKEN_RE.search(instr.text, pos)
        if sub is None:
            return []
        cmd, pos = sub.group().lower(), sub.end()
    if cmd not in _HEREDOC_COMMANDS or _is_json(instr.text[_flags(instr.text, pos)[1]:]):
        return []
    found = []
    for word in _words(instr.text, 0, "\\", strict=True):
        match = re.match(_HEREDOC, word)
        if match and match.group(2):
            found.append((_shell_word(match.group(2), "\\", None)[0], match.group(1) == "-"))
    return found


def _is_index(text: str) -> bool:
    """Whether `COPY --from=text` names a stage by number, as Go's strconv.Atoi reads one
    (`[+-]?[0-9]+`)."""
    digits = text[1:] if text[:1] in ("+", "-") else text
    return digits != "" and not digits.strip("0123456789")


def _skip_heredoc(lines: Sequence[str], i: int, name: str, chomp: bool) -> Tuple[int, bool]:
    while i < len(lines):
        line = lines[i].rstrip("\r")
        i += 1
        if (line.lstrip("\t") if chomp else line) == name:
            return i, True
    return i, False


def _is_json(args: str) -> bool:
    """True for the JSON (exec) form `["a", "b"]`, which holds no heredoc."""
    args = args.strip(_SPACE)
    if not args.startswith("["):
        return False
    import json  # only for an instruction with `<<` in the exec form's place: rare

    try:
        value = json.loads(args)
    except (ValueError, RecursionError):
        return False
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _flags(text: str, pos: int) -> Tuple[List[_Flag], int]:
    """BuildKit's extractBuilderFlags: the leading `--name=value` words, and where the arguments start."""
    flags: List[_Flag] = []
    count = len(text)
    while True:
        while pos < count and text[pos] in _SPACE:
            pos += 1
        if not text.startswith("--", pos):
            return flags, pos
        start = pos
        chars: List[str] = []
        offsets: List[int] = []
        quote = None
        while pos < count and (quote or text[pos] not in _SPACE):
            char = text[pos]
            if quote is None and char in "'\"" or char == quote:
                quote = None if quote else char
            elif char == "\\" and pos + 1 == count:
                quote = None
            else:
                pos += char == "\\"
                chars.append(text[pos])
                offsets.append(pos)
            pos += 1
        word = "".join(chars)
        if word == "--":
            return flags, pos
        name, equals, value = word[2:].partition("=")
        flags.append(_Flag(name, value if equals else None, offsets[len(name) + 3:], start))


def _words(text: str, pos: int, escape: str, strict: bool = False) -> List[str]:
    """BuildKit's parseWords: whitespace-separated words, quotes and escapes kept. With `strict`, an
    unmatched quote gives no words, as the shell lexer that finds heredocs fails on it."""
    words: List[str] = []
    chars: List[str] = []
    quote, blank_ok, in_word = None, False, False
    count = len(text)
    while pos < count:
        char = text[pos]
        if quote is None and char in _SPACE:
            if in_word and (chars or blank_ok):
                words.append("".join(chars))
            chars, blank_ok, in_word = [], False, False
        elif char == escape and quote != "'" and pos + 1 == count:
            quote = None
        else:
            in_word = True
            if quote is None and char in "'\"":
                quote, blank_ok = char, True
            elif char == quote:
                quote = None
            elif char == escape and quote != "'":
                chars.append(char)
                pos += 1
                char = text[pos]
            chars.append(char)
        pos += 1
    if in_word and (chars or blank_ok):
        words.append("".join(chars))
    return [] if strict and quote else words


def _shell_word(word: str, escape: str, scope: Optional[Scope]) -> Var:
    """BuildKit's ProcessWord: quotes and escapes removed, variables expanded from `scope` (None: kept)."""
    if "$" not in word and "'" not in word and '"' not in word and escape not in word:
        return word, ()
    from policylint.variables import process_word  # only for words with quotes, escapes or variables

    if scope is None:
        return process_word(word, None, escape=escape).value, ()
    taint: List[str] = []  # names with no value, also those behind the ARGs used, in order
    budget = [_MAX_SUBSTITUTED]

    def lookup(name: str) -> Optional[str]:
        value, names = scope.get(name, (None, ()))
        taint.extend(names)
        if value is not None:  # bounded, so `ARG A=$A$A` repeated cannot grow without end
            value = value[: budget[0]]
            budget[0] -= len(value)
        return value

    platform = frozenset()
    if "$" in word:
        # the platform ARGs declared here with no value given: set by BuildKit, value unknown
        platform = frozenset(name for name in _PLATFORM_ARGS if name in scope and scope[name][0] is None)
    expansion = process_word(word, lookup, escape=escape, set_unknown=platform - _VARIANT_ARGS,
                             set_maybe_empty=platform & _VARIANT_ARGS, unresolved=taint)
    return expansion.value, expansion.unresolved[:_MAX_NAMES]


def _csv_fields(value: str, offsets: List[int]) -> Iterator[Tuple[str, List[int]]]:
    """The comma-separated fields of a `--mount` value (Go's encoding/csv, leniently), with offsets."""
    chars: List[str] = []
    offs: List[int] = []
    quoted, at_start, i = False, True, 0
    while i < len(value):
        char = value[i]
        if char == '"' and (quoted or at_start) and not (quoted and value[i + 1 : i + 2] == '"'):
            quoted, at_start = not quoted, False
        elif char == "," and not quoted:
            yield "".join(chars), offs
            chars, offs, at_start = [], [], True
        else:
            i += quoted and char == '"'
            chars.append(value[i])
            offs.append(offsets[i])
            at_start = False
        i += 1
    yield "".join(chars), offs


def _from_parts(instr: _Instr) -> Tuple[List[Tuple[int, int]], Optional[str], List[_Flag]]:
    """The FROM argument spans, the stage name (`AS name`), if any, and the flags."""
    end = len(instr.text.rstrip(_SPACE))  # BuildKit trims Unicode spaces, then splits on ASCII ones
    flags, pos = _flags(instr.text, instr.rest)
    tokens = [match.span() for match in _TOKEN_RE.finditer(instr.text, pos, end)]
    words = [instr.text[start:end] for start, end in tokens]
    # casefold, as Go's strings.EqualFold: `aſ` (long s) is `AS` to BuildKit
    name = words[2] if len(words) == 3 and words[1].casefold() == "as" else None
    if name is None and _TEMPLATE in instr.text:
        name = _template_stage_name(words)
    return tokens, name, flags


def _template_stage_name(words: List[str]) -> Optional[str]:
    """The stage a line of a Jinja or Go template names: `FROM {{ base }} AS builder` is three
    words only once rendered, but its last two already say `AS builder`."""
    if len(words) > 3 and words[-2].casefold() == "as" and "{" not in words[-1] and "}" not in words[-1]:
        return words[-1]
    return None


def _bare_platform(flags: List[_Flag]) -> bool:
    return any(flag.name == "platform" and flag.value is None for flag in flags)


_STAGE_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyz")
_STAGE_NAME_CHARS = _STAGE_NAME_START | frozenset("0123456789-_.")


def _from_error(text: str, tokens: List[Tuple[int, int]], name: Optional[str],
                flags: List[_Flag]) -> Optional[Tuple[str, int]]:
    """Why Docker refuses this FROM (BuildKit's parseFrom, in its order), and where; None when
    it accepts it. `FROM` without arguments is reported by the caller."""
    if name is None and len(tokens) != 1:
        start = tokens[3 if len(tokens) > 3 else 1][0]
        hint = ""
        if text.startswith("#", start):
            hint = " (a comment must start its own line)"
        elif _bare_platform(flags):
            hint = " (a flag's value follows '=': --platform=linux/amd64)"
        return f"FROM requires either one or three arguments{hint}", start
    lowered = name.lower() if name else ""
    if name and "$" not in name and (lowered[0] not in _STAGE_NAME_START
                                     or not _STAGE_NAME_CHARS.issuperset(lowered)):
        # a name with a variable: buildah expands it; left alone rather than called an error
        return (f"invalid name for build stage: {name!r}, name can't start with a number or contain symbols",
                tokens[2][0])
    for flag in flags:
        if flag.name != "platform":
            return f"unknown flag: --{flag.name}", flag.start
        if flag.value is None:
            return "missing a value on flag: --platform", flag.start
    return None


def _fits(pieces: List[str], name: str) -> bool:
    """Whether `name` is `pieces` joined by platform values (each one or more characters other
    than `/`, `:`, `@`). One pass over the name per value, not a regex: `${TARGETOS}` twenty
    times in a row made the equivalent pattern backtrack for minutes against a long stage name."""
    if not name.startswith(pieces[0]):
        return False
    size = len(name)
    reached = [False] * (size + 1)  # where the text matched so far may end
    reached[len(pieces[0])] = True
    for piece in pieces[1:]:
        following = [False] * (size + 1)
        latest = forbidden = -1  # the last reached start, the last character no value may hold
        for end in range(1, size + 1):
            if reached[end - 1]:
                latest = end - 1
            if name[end - 1] in "/:@":
                forbidden = end - 1
            # a value fits name[latest:end] when no forbidden character is in it
            if latest > forbidden and end + len(piece) <= size and name.startswith(piece, end):
                following[end + len(piece)] = True
        reached = following
    return reached[size]


class _Scanner:
    """Walks the instructions with Docker's ARG scoping and yields the references."""

    def __init__(self, path: str, escape: str, build_args, items: List[Union[_Instr, ScanError]],
                 contexts: FrozenSet[str] = frozenset()) -> None:
        self.path, self.escape, self.build_args, self.items = path, escape, build_args, items
        self.globals: Scope = {name: (build_args.get(name), ()) for name in _PLATFORM_ARGS}
        self.stage: Optional[Scope] = None  # None until the first FROM
        self.label, self.index = "", -1
        # names that are no images: stages defined so far, and named build contexts (`FROM base`
        # with compose's `additional_contexts: {base: ...}`), which BuildKit uses instead
        self.earlier: set = {name.lower() for name in contexts}
        names = (_from_parts(item)[1] for item in items if isinstance(item, _Instr) and item.cmd == "from")
        self.stages = {name.lower() for name in names if name} | self.earlier  # COPY --from may name a later stage
        self.shapes: Dict[Tuple[Tuple[str, ...], int, int], bool] = {}  # _platform_stage's answers
        self.comparisons = 0  # stage names the shapes were compared with, see _MAX_STAGE_COMPARISONS

    def run(self) -> Iterator[Result]:
        handlers = {"from": self._from, "arg": self._arg, "copy": self._copy, "add": self._copy}
        handlers["run"] = self._run
        for item in self.items:
            if isinstance(item, ScanError):
                yield item
            elif item.cmd in handlers:
                yield from handlers[item.cmd](item)

    def _occurrence(self, instr: _Instr, span: Tuple[int, int], resolved: str,
                    unresolved: Tuple[str, ...], instruction: str) -> Occurrence:
        start, end = span
        line, column = instr.position(start)
        end_line, end_column = instr.position(end - 1)
        location = Location(self.path, line, column, end_column + 1 if end_line == line else None)
        context = {"stage": self.label, "instruction": instruction}
        return Occurrence(instr.text[start:end], resolved, location, "dockerfile", context, unresolved)

    def _from(self, instr: _Instr) -> Iterator[Result]:
        tokens, name, flags = _from_parts(instr)
        self.index += 1
        self.label, self.stage = name or str(self.index), {}
        yield from self._base_image(instr, tokens, name, flags)
        if name:  # whatever the base, later lines may name the stage
            self.earlier.add(name.lower())

    def _base_image(self, instr: _Instr, tokens: List[Tuple[int, int]], name: Optional[str],
                    flags: List[_Flag]) -> Iterator[Result]:
        if not tokens:
            line, column = instr.position(0)
            yield ScanError("FROM requires either one or three arguments", Location(self.path, line, column))
            return
        if _TEMPLATE in instr.text[tokens[0][0]:tokens[0][1]]:
            return  # `FROM {{ base }}`, `FROM python:{{ version }}`: filled in when the template is rendered
        # A line of a Jinja or Go template (`AS mnt-{{ name }}`) has its words only once rendered.
        refused = None if _TEMPLATE in instr.text else _from_error(instr.text, tokens, name, flags)
        if refused is not None:
            message, offset = refused
            line, column = instr.position(offset)
            yield ScanError(message, Location(self.path, line, column))
            if _bare_platform(flags):  # `--platform linux/amd64 alpine`: the first word is no image
                return
            # otherwise the first word is the image, as every builder reads it once the line is mended
        start, end = tokens[0]
        resolved, unresolved = _shell_word(instr.text[start:end], self.escape, self.globals)
        if _TEMPLATE in resolved:
            return  # `ARG BASE={{ base }}` then `FROM $BASE`: filled in when the template is rendered
        if unresolved and self._platform_stage(instr.text[start:end], unresolved, self.globals, self.earlier):
            pass  # `FROM binaries-$TARGETOS`: one of the stages, whichever platform is built
        elif unresolved or (resolved != "scratch" and resolved.lower() not in self.earlier):
            text = instr.text
            if end - start > 2 and text[start] in "'\"" and text[end - 1] == text[start] \
                    and text.count(text[start], start, end) == 2:
                start, end = start + 1, end - 1  # point inside a quoted image name
            yield self._occurrence(instr, (start, end), resolved, unresolved, "FROM")

    def stage_scope(self) -> Scope:
        return self.globals if self.stage is None else self.stage

    def _platform_stage(self, word: str, unresolved: Tuple[str, ...], scope: Scope, stages: set) -> bool:
        """Whether `word`, unresolved only for BuildKit's automatic platform ARGs, names one of
        `stages` whatever their values are (`binaries-$TARGETOS` with `binaries-linux`...)."""
        if not stages or not _PLATFORM_ARG_SET.issuperset(unresolved):
            return False
        # the platform ARGs, and the ARGs built from them (moby's `DELVE_SUPPORTED`, set from
        # `${TARGETPLATFORM#linux/amd64}`), stand for whatever the platform makes them; only the
        # names the word mentions are looked at (a file may declare thousands of ARGs)
        marked: Scope = {}
        for name in re.findall(_MENTIONED, word):
            value, names = scope.get(name, (None, ()))
            if name in unresolved or (names and _PLATFORM_ARG_SET.issuperset(names)):
                marked[name] = (_PLATFORM_MARK, ())
            elif name in scope:
                marked[name] = (value, names)
        pattern, still = _shell_word(word, self.escape, marked)
        if still or _PLATFORM_MARK not in pattern:
            return False
        pieces = pattern.lower().split(_PLATFORM_MARK)
        key = (tuple(pieces), id(stages), len(stages))  # stage sets only grow: their size dates them
        if key not in self.shapes:  # many FROM lines of one shape are matched against the stages once
            first, last = pieces[0], pieces[-1]
            self.comparisons += len(stages)
            self.shapes[key] = self.comparisons <= _MAX_STAGE_COMPARISONS and any(
                stage.startswith(first) and stage.endswith(last) and _fits(pieces, stage) for stage in stages)
        return self.shapes[key]

    def _arg(self, instr: _Instr) -> Iterator[Result]:
        scope = self.globals if self.stage is None else self.stage
        for word in _words(instr.text, _flags(instr.text, instr.rest)[1], self.escape):
            name, equals, default = word.partition("=")
            if name in self.build_args:
                scope[name] = (self.build_args[name], ())
            elif equals:
                scope[name] = _shell_word(default, self.escape, scope)
            elif scope.get(name, (None,))[0] is not None:
                pass  # `ARG BASE=alpine:3.20` then `ARG BASE`: declared again, the value stays (BuildKit)
            elif scope is not self.globals and self.globals.get(name, (None,))[0] is not None:
                scope[name] = self.globals[name]
            else:
                scope[name] = (None, ())
        return iter(())

    def _reference(self, instr: _Instr, flag: _Flag, instruction: str, index_ok: bool) -> Iterator[Result]:
        """A `--from` / `from=` value, unless it names a stage."""
        if not flag.value or not flag.offsets or _TEMPLATE in flag.value:
            return
        if "$" in flag.value[:-1]:
            # BuildKit refuses a variable there (buildah expands it, and so is it read below)
            line, column = instr.position(flag.offsets[0])
            what = "--from" if instruction.endswith("--from") else "a mount's from="
            yield ScanError(f"variable expansion is not supported for {what} in BuildKit: name a stage "
                            "(FROM ${IMAGE} AS base) and use that name", Location(self.path, line, column))
        scope = self.stage_scope()
        resolved, unresolved = _shell_word(flag.value, self.escape, scope)
        if not unresolved and (resolved.lower() in self.stages or index_ok and _is_index(resolved)):
            return
        if unresolved and self._platform_stage(flag.value, unresolved, scope, self.stages):
            return
        span = (flag.offsets[0], flag.offsets[-1] + 1)
        yield self._occurrence(instr, span, resolved, unresolved, instruction)

    def _copy(self, instr: _Instr) -> Iterator[Result]:
        froms = [flag for flag in _flags(instr.text, instr.rest)[0] if flag.name == "from"]
        if froms:
            yield from self._reference(instr, froms[-1], f"{instr.cmd.upper()} --from", True)

    def _run(self, instr: _Instr) -> Iterator[Result]:
        for flag in _flags(instr.text, instr.rest)[0]:
            if flag.name != "mount" or flag.value is None:
                continue
            options = {}
            for field, offsets in _csv_fields(flag.value, flag.offsets):
                key, _, value = field.partition("=")
                options[key.lower()] = _Flag(key, value, offsets[len(key) + 1:])
            mount_type = options["type"].value if "type" in options else "bind"
            if "from" in options and (mount_type or "").lower() != "tmpfs":
                yield from self._reference(instr, options["from"], "RUN --mount", False)
