"""Shell-style variable expansion shared by the Dockerfile and compose scanners.

`expand(text, lookup)` substitutes `$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME-word}`,
`${NAME:+word}`, `${NAME+word}`, `${NAME:?msg}` and `${NAME?msg}` (words may nest further
expansions). With `patterns=True` it also takes BuildKit's pattern forms: `${NAME#glob}` and
`${NAME##glob}` remove the shortest and longest matching prefix, `${NAME%glob}` and
`${NAME%%glob}` the shortest and longest matching suffix, `${NAME/glob/text}` replaces the first
match and `${NAME//glob/text}` every match; a glob has `*` (any text), `?` (one character) and
`\\` escapes. `lookup(name)` returns the value or None when the variable is not set. Names
that had no value where one was needed are returned so the caller can report them; the
expansion itself never fails (a form it cannot read is kept as written). `process_word` reads a
whole Dockerfile word as BuildKit's shell lexer does: its quotes and escapes, those inside
`${...}`, and variables set though their value is unknown (BuildKit's platform ARGs).
"""

from __future__ import annotations

from policylint.records import NamedTuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Dict, FrozenSet, List, Optional, Set, Tuple

    Lookup = Callable[[str], Optional[str]]


_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_NAME_CHARS = _NAME_START | frozenset("0123456789")
# A Dockerfile also reads a shell's positional (`$1`, `$10`) and special parameters (`$@`, `$#`,
# `$$`...) as names; none is ever set there (no --build-arg can set them), so BuildKit expands
# them to nothing, and so does this module: known to be empty, not unresolved.
_DIGITS = frozenset("0123456789")
_SPECIAL = frozenset("@*#?-$!0")
# `${A:-${B:-...}}` nests one recursion level per `${`; deeper than this is kept literally, so a
# hostile text cannot exhaust Python's recursion limit (no real file nests more than a few).
_MAX_DEPTH = 64
# Characters that variables may add to one expanded text; an image reference is at most ~600.
MAX_SUBSTITUTED = 4096
# `${NAME/glob/text}` tries the glob at every place in the value: (value length + 1) times the
# glob's length at most, about 4 ms; real ones (`${VERSION//./-}`) take a few hundred steps.
# Beyond it the form is kept as written, like any other this module cannot read.
_MAX_REPLACE_STEPS = 20_000


class Expansion(NamedTuple):
    value: str
    unresolved: Tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.unresolved)


def has_variables(text: str) -> bool:
    return "$" in text


def expand(
    text: str,
    lookup: Lookup,
    *,
    escape: Optional[str] = None,
    dollar_escape: bool = False,
    patterns: bool = False,
) -> Expansion:
    """Expand variables in `text`.

    `escape` is the character that makes the next one literal (`\\` in a Dockerfile, or the
    `# escape=` directive's character); `dollar_escape` makes `$$` a literal `$` (compose);
    `patterns` reads BuildKit's `#`, `%` and `/` forms (Dockerfiles; compose has none).
    Variables add at most MAX_SUBSTITUTED characters in all, so values that feed each other
    (`.env` lines `B=$A$A`, `C=$B$B`...) cannot grow without bound.
    """
    unresolved: List[str] = []
    budget = [MAX_SUBSTITUTED]

    def bounded(name: str) -> Optional[str]:
        value = lookup(name)
        if value is not None and len(value) > budget[0]:
            value = value[: budget[0]]
        if value is not None:
            budget[0] -= len(value)
        return value

    syntax = _Syntax(escape, dollar_escape, patterns, set(), _budget(len(text)))
    try:
        value, _ = _expand(text, 0, bounded, syntax, unresolved, stop=None)
    except _TooComplex:
        return Expansion(text, ())
    return Expansion(value, tuple(dict.fromkeys(unresolved)))


def process_word(
    word: str, lookup: Optional[Lookup], *, escape: str,
    set_unknown: FrozenSet[str] = frozenset(), set_maybe_empty: FrozenSet[str] = frozenset(),
    unresolved: Optional[List[str]] = None,
) -> Expansion:
    """A Dockerfile word as BuildKit's ProcessWord reads it: quotes and escapes removed, variables
    expanded, pattern forms included. Outside quotes the escape character makes the next one
    literal; `'...'` is literal; `"..."` expands `$` and drops an escape only before `"`, `$` or
    the escape character; quotes inside `${...}` are read the same way (`${X:-"a b"}` is `a b`).
    A `${` ends at the first `}` that no quote, escape or nested `${` holds (`${X//a}b/c}` reads
    its pattern up to the `/`). `lookup` None keeps every `$` as written (a heredoc's name).

    `set_unknown` names variables that are set and not empty though their value is unknown here
    (BuildKit's TARGETARCH...): `${X:+word}` is `word`, `${X:-word}` is X's value, so
    unresolved. `set_maybe_empty` names variables set to what may be empty (TARGETVARIANT):
    `${X+word}` is `word`, the `:` forms are unresolved. `lookup` is not bounded here: the caller
    bounds what it returns, and may add names to `unresolved`, where the names without a value
    are appended in the order they are met (the result names them once each). A quote never
    closed (BuildKit refuses the word) is read to the end."""
    if unresolved is None:
        unresolved = []
    syntax = _Syntax(escape, False, True, set(), _budget(len(word)), True, set_unknown, set_maybe_empty)
    out: List[str] = []
    pos, length = 0, len(word)
    try:
        while pos < length:
            char = word[pos]
            if char == escape:
                out.append(word[pos + 1:pos + 2])  # at the very end: nothing
                pos += 2
            elif char == "'" or char == '"':
                piece, pos = _quoted(word, pos, lookup, syntax, unresolved, 0, to_end=True)  # never None with to_end
                out.append(piece)
            elif char == "$" and lookup is not None:
                piece, pos = _expand_dollar(word, pos, lookup, syntax, unresolved)
                out.append(piece)
            else:
                out.append(char)
                pos += 1
    except _TooComplex:
        return Expansion(word, ())
    return Expansion("".join(out), tuple(dict.fromkeys(unresolved)))


class _Syntax(NamedTuple):
    """How one text is read, and what its reading has learnt so far."""

    escape: Optional[str]
    dollar_escape: bool
    patterns: bool
    # Where a quote inside `${...}`, or a `${`, was found never to close (the quote's position,
    # the `${`'s negated). That depends on the text, not on the values (except past _MAX_DEPTH
    # nested levels, where any reading will do), and asking again from each enclosing `${` made
    # nested unclosed ones exponential (`${A:-${A}` thirty times took minutes).
    unclosed: Set[int]
    # Characters the reading may still look at, counted across every nested `${`: each one that
    # never closes reads to the end of the text, so a hostile text could take quadratic time.
    steps: List[int]
    quotes: bool = False
    set_unknown: FrozenSet[str] = frozenset()
    set_maybe_empty: FrozenSet[str] = frozenset()


class _TooComplex(Exception):
    """A text whose reading ran out of steps: it is kept as written."""


def _budget(length: int) -> List[int]:
    # far beyond any real text's needs (nested defaults read each character a few times)
    return [64 * length + 10_000]


def _spend(steps: List[int], count: int) -> None:
    steps[0] -= count
    if steps[0] < 0:
        raise _TooComplex


def _expand(
    text: str,
    pos: int,
    lookup: Lookup,
    syntax: _Syntax,
    unresolved: List[str],
    stop: Optional[str],
    depth: int = 0,
    raw: bool = False,
) -> Tuple[str, int]:
    """Expand from `pos` until the end or an unescaped, unnested `stop` character.

    With an `escape` character (a Dockerfile's), it makes the next character literal, as in
    BuildKit: at the top and in a `${X:-word}` the escape goes, in a `raw` glob or replacement
    text it stays (the glob reads `\\*`), and either way an escaped `stop` does not stop."""
    out: List[str] = []
    length = len(text)
    escape = syntax.escape
    opened = 0  # compose balances braces in a default (`${JSON:-{"a":1}}`); BuildKit does not
    first = pos
    while pos < length:
        char = text[pos]
        if stop is not None and char == stop:
            if not opened:
                _spend(syntax.steps, pos - first)
                return "".join(out), pos
            opened -= 1
        elif char == "{" and stop == "}" and syntax.dollar_escape:
            opened += 1
        if syntax.quotes and stop is not None and (char == "'" or char == '"'):
            quoted = _quoted(text, pos, lookup, syntax, unresolved, depth)
            if quoted is not None:  # else never closed: BuildKit refuses the word, read literally here
                out.append(quoted[0])
                pos = quoted[1]
                continue
        if escape is not None and char == escape and pos + 1 < length and (stop is not None or text[pos + 1] == "$"):
            out.append(text[pos:pos + 2] if raw else text[pos + 1])
            pos += 2
            continue
        if char != "$":
            out.append(char)
            pos += 1
            continue
        if syntax.dollar_escape and pos + 1 < length and text[pos + 1] == "$":
            out.append("$")
            pos += 2
            continue
        piece, pos = _expand_dollar(text, pos, lookup, syntax, unresolved, depth)
        out.append(piece)
    _spend(syntax.steps, pos - first)
    return "".join(out), pos


def _expand_dollar(
    text: str,
    pos: int,
    lookup: Lookup,
    syntax: _Syntax,
    unresolved: List[str],
    depth: int = 0,
) -> Tuple[str, int]:
    """Expand the `$...` starting at text[pos] == '$'."""
    length = len(text)
    nxt = pos + 1
    if nxt >= length:
        return "$", nxt
    if text[nxt] in _NAME_START:
        end = nxt
        while end < length and text[end] in _NAME_CHARS:
            end += 1
        name = text[nxt:end]
        value = lookup(name)
        if value is None:
            unresolved.append(name)
            return "", end
        return value, end
    if syntax.patterns and (text[nxt] in _DIGITS or text[nxt] in _SPECIAL):
        return "", _parameter_end(text, nxt)
    if text[nxt] != "{":
        return "$", nxt
    # ${...}
    start = nxt + 1
    end = start
    if syntax.patterns and start < length and text[start] in _SPECIAL and text[start] != "0":
        end = start + 1  # `${@}`, `${#:-d}`: one character, as BuildKit reads a special parameter
    while end < length and text[end] in _NAME_CHARS:
        end += 1
    name = text[start:end]
    if not name or end >= length:
        # Not a valid expansion (`${}`, `${` at the end, `${1x`...): keep it literally.
        return _literal_brace(text, pos)
    char = text[end]
    if syntax.patterns and (name[0] in _DIGITS or name in _SPECIAL):
        lookup = _never_set  # `${1}`, `${@:-d}`: a parameter no Dockerfile sets
    if char == "}":
        value = lookup(name)
        if value is None:
            if lookup is not _never_set:
                unresolved.append(name)
            return "", end + 1
        return value, end + 1
    if depth >= _MAX_DEPTH or -1 - pos in syntax.unclosed:
        return _literal_brace(text, pos)
    if syntax.patterns and char in "#%/":
        return _expand_pattern(text, pos, name, end, lookup, syntax, unresolved, depth)
    colon = char == ":"
    op_pos = end + 1 if colon else end
    if op_pos >= length or text[op_pos] not in "-+?":
        return _literal_brace(text, pos)
    operator = text[op_pos]
    inner_unresolved: List[str] = []
    word, close = _expand(text, op_pos + 1, lookup, syntax, inner_unresolved, stop="}", depth=depth + 1)
    if close >= length:
        return _never_closes(text, pos, syntax)
    value = lookup(name)
    unknown = value is None and (name in syntax.set_unknown or name in syntax.set_maybe_empty)
    if unknown and colon and name in syntax.set_maybe_empty:  # whether it is empty is unknown too
        unresolved.append(name)
        return "", close + 1
    usable = unknown or (value is not None and (not colon or value != ""))  # set (and not empty)
    if operator == "+":
        if usable:
            unresolved.extend(inner_unresolved)
            return word, close + 1
        return "", close + 1
    if unknown:  # `${TARGETARCH:-amd64}` is the platform's architecture, whatever the default
        unresolved.append(name)
        return "", close + 1
    if operator == "-":
        if usable:
            return value or "", close + 1
        unresolved.extend(inner_unresolved)
        return word, close + 1
    # '?': an error when unset (or empty with ':')
    if usable:
        return value or "", close + 1
    unresolved.append(name)
    return "", close + 1


def _quoted(
    text: str, pos: int, lookup: Optional[Lookup], syntax: _Syntax, unresolved: List[str], depth: int,
    to_end: bool = False,
) -> Optional[Tuple[str, int]]:
    """The quoted text at text[pos], as BuildKit reads it, and where it ends: `'...'` is
    literal; `"..."` expands `$` (unless `lookup` is None) and drops an escape before `"`, `$` or
    the escape character (others stay). A quote never closed gives None, or with `to_end` (a
    word's own quote: read once, from where the word's reading got to) the text to the end."""
    if not to_end and pos in syntax.unclosed:
        return None
    if text[pos] == "'":
        close = text.find("'", pos + 1)
        if close < 0:
            return (text[pos + 1:], len(text)) if to_end else None
        return text[pos + 1:close], close + 1
    out: List[str] = []
    escape = syntax.escape
    length = len(text)
    index = pos + 1
    while index < length:
        char = text[index]
        if char == '"':
            _spend(syntax.steps, index - pos)
            return "".join(out), index + 1
        if char == "$" and lookup is not None and depth < _MAX_DEPTH:
            piece, index = _expand_dollar(text, index, lookup, syntax, unresolved, depth + 1)
            out.append(piece)
        elif char == escape and index + 1 < length and text[index + 1] in ('"', "$", escape):
            out.append(text[index + 1])
            index += 2
        else:
            out.append(char)
            index += 1
    _spend(syntax.steps, index - pos)
    if to_end:
        return "".join(out), length
    syntax.unclosed.add(pos)
    return None


def _never_set(name: str) -> Optional[str]:
    return None


def _parameter_end(text: str, start: int) -> int:
    """End of the positional (every digit) or special (one character) parameter at text[start]."""
    end = start + 1
    if text[start] in _DIGITS:
        while end < len(text) and text[end] in _DIGITS:
            end += 1
    return end


def _expand_pattern(
    text: str,
    pos: int,
    name: str,
    end: int,
    lookup: Lookup,
    syntax: _Syntax,
    unresolved: List[str],
    depth: int,
) -> Tuple[str, int]:
    """`${NAME#glob}`, `${NAME##glob}`, `${NAME%glob}`, `${NAME%%glob}`, `${NAME/glob/text}` and
    `${NAME//glob/text}`, with text[end] the operator's first character. An unset variable, or a
    glob or text that names one, leaves the result unknown: its names are reported."""
    length = len(text)
    operator = text[end]
    start = end + 1
    if start < length and text[start] == operator:  # `##`, `%%`, `//`
        operator *= 2
        start += 1
    inner_unresolved: List[str] = []
    glob, close = _expand(text, start, lookup, syntax, inner_unresolved, stop="/" if operator[0] == "/" else "}",
                          depth=depth + 1, raw=True)
    replacement = ""
    if operator[0] == "/" and close < length:
        replacement, close = _expand(text, close + 1, lookup, syntax, inner_unresolved, stop="}", depth=depth + 1,
                                     raw=True)
    tokens = _glob_tokens(glob)
    if close >= length or tokens is None:  # no closing brace, or a glob BuildKit refuses
        return _never_closes(text, pos, syntax)
    value = lookup(name)
    if value is None or inner_unresolved:
        unresolved.extend(([name] if value is None else []) + inner_unresolved)
        return "", close + 1
    if operator[0] == "/":
        if (len(value) + 1) * len(tokens) > _MAX_REPLACE_STEPS:
            return _literal_brace(text, pos)
        value = _replace(tokens, value, replacement, every=operator == "//")[:MAX_SUBSTITUTED]
    else:
        if operator[0] == "%":  # a suffix of the value is a prefix of it reversed
            tokens, value = tokens[::-1], value[::-1]
        ends = _Matcher(tokens, value).ends(0)
        if ends:
            value = value[_last(ends) if len(operator) == 2 else _first(ends):]
        if operator[0] == "%":
            value = value[::-1]
    return value, close + 1


# A glob, read into tokens: "*" (any text), "?" (one character) or a literal one-character string.
_ANY = object()
_ONE = object()


def _glob_tokens(glob: str) -> Optional[List[object]]:
    """The glob's tokens, or None where BuildKit refuses it (`\\` before anything but `*`, `?`,
    `\\`, and the `}` and `/` that must be escaped inside `${...}`, whose escape it drops)."""
    tokens: List[object] = []
    index = 0
    while index < len(glob):
        char = glob[index]
        if char == "\\":
            index += 1
            if index >= len(glob) or glob[index] not in "*?\\}/":
                return None
            tokens.append(glob[index])
        elif char == "*":
            if not tokens or tokens[-1] is not _ANY:  # `**` is `*`
                tokens.append(_ANY)
        else:
            tokens.append(_ONE if char == "?" else char)
        index += 1
    return tokens


class _Matcher:
    """Where a glob's matches starting at a given place in one value end.

    The places a glob can have reached are the bits of one integer, so matching costs the
    glob's length times a few operations on integers as long as the value, never the
    exponential time a backtracking regular expression takes on `*a*a*a*...`."""

    def __init__(self, tokens: List[object], value: str) -> None:
        self.tokens = tokens
        self.everything = (1 << (len(value) + 1)) - 1
        self.masks: Dict[object, int] = {}  # a literal character: the places it stands at
        for token in tokens:
            if isinstance(token, str) and token not in self.masks:
                mask, index = 0, value.find(token)
                while index != -1:
                    mask |= 1 << index
                    index = value.find(token, index + 1)
                self.masks[token] = mask

    def ends(self, start: int) -> int:
        """Every end e with value[start:e] matching the whole glob, as the bits of an integer."""
        reached = 1 << start
        for token in self.tokens:
            if token is _ANY:
                reached = self.everything & ~((reached & -reached) - 1)  # the first place and all after it
            elif token is _ONE:
                reached = (reached << 1) & self.everything
            else:
                reached = (reached & self.masks[token]) << 1
            if not reached:
                break
        return reached


def _first(bits: int) -> int:
    return (bits & -bits).bit_length() - 1


def _last(bits: int) -> int:
    return bits.bit_length() - 1


def _replace(tokens: List[object], value: str, replacement: str, every: bool) -> str:
    """The leftmost longest match replaced (every one, left to right, with `every`), as BuildKit's
    regular expression does; an empty match right after a match is skipped. Stops once the
    result is longer than MAX_SUBSTITUTED, where the caller cuts it."""
    matcher = _Matcher(tokens, value)
    out: List[str] = []
    size = 0
    index = 0
    previous_end = -1
    while index <= len(value) and size <= MAX_SUBSTITUTED:
        ends = matcher.ends(index)
        if ends and not (_last(ends) == index == previous_end):
            out.append(replacement)
            size += len(replacement)
            previous_end = _last(ends)
            if not every:
                out.append(value[previous_end:])
                break
            if previous_end > index:
                index = previous_end
                continue
        if index < len(value):
            out.append(value[index])
            size += 1
        index += 1
    return "".join(out)


def _never_closes(text: str, pos: int, syntax: _Syntax) -> Tuple[str, int]:
    """The `${` at text[pos] cannot be read: remembered (see `_Syntax.unclosed`), kept literally."""
    syntax.unclosed.add(-1 - pos)
    return _literal_brace(text, pos)


def _literal_brace(text: str, pos: int) -> Tuple[str, int]:
    """Keep an unparseable `${...` as written, up to its closing brace (or the end)."""
    close = text.find("}", pos)
    end = len(text) if close == -1 else close + 1
    return text[pos:end], end
