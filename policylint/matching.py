"""Glob semantics for registry patterns, path globs and tag globs.

Registry patterns match a normalized repository (`domain/path`):
- an entry without `/` names a registry host and matches every repository on it;
- an entry with `/` matches that repository or anything below it at a `/` boundary
  (`ghcr.io/acme` matches `ghcr.io/acme/app`, not `ghcr.io/acmecorp/app`);
- `*` stays inside one component, `**` crosses `/`; hosts compare case-insensitively.

Path globs are relative to the folder that holds the policy; `*` and `?` stay inside one
component, `**` crosses folders, a glob without `/` matches a name at any depth (as in
.gitignore), and a glob that matches a folder matches everything below it.
"""

from __future__ import annotations

import re

from policylint.records import NamedTuple
from policylint.reference import normalize_repository_pattern

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, Optional, Pattern, Union

    Matcher = Union["Regex", "Exact", "Below"]

_WILDCARDS = ("*", "?", "[")


class Regex:
    """A regular expression compiled when it is first used.

    A policy may name dozens of patterns and a run often uses a few (a pre-commit run on one
    file, one or two). Compiling one costs about 0.3 million instructions, as much as importing
    a module; matching a short text, a few hundred.
    """

    __slots__ = ("pattern", "flags", "_compiled")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags
        self._compiled: Optional[Pattern[str]] = None

    def compiled(self) -> Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    def match(self, text: str) -> Optional[re.Match[str]]:
        return self.compiled().match(text)

    def fullmatch(self, text: str) -> Optional[re.Match[str]]:
        return self.compiled().fullmatch(text)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Regex) and (self.pattern, self.flags) == (other.pattern, other.flags)

    def __hash__(self) -> int:
        return hash((self.pattern, self.flags))

    def __repr__(self) -> str:
        return f"Regex({self.pattern!r})"

    def __reduce__(self) -> tuple:
        return Regex, (self.pattern, self.flags)


class Exact(str):
    """A glob without wildcards: matches the text itself."""

    __slots__ = ()

    def match(self, candidate: str) -> bool:
        return candidate == self


class Below(str):
    """A repository path without wildcards: matches that path and anything below it at a `/`."""

    __slots__ = ()

    def match(self, candidate: str) -> bool:
        return candidate == self or candidate.startswith(self + "/")


class Under(str):
    """A folder without wildcards, then `/**` (`vendor/**`): matches anything below it."""

    __slots__ = ()

    def match(self, candidate: str) -> bool:
        return candidate.startswith(self + "/")


class Component(str):
    """A name without wildcards or `/` (`node_modules`): matches a path that has it as a component."""

    __slots__ = ()

    def match(self, candidate: str) -> bool:
        return self in candidate.split("/")


def _is_literal(glob: str) -> bool:
    return not any(wildcard in glob for wildcard in _WILDCARDS)


def _translate(glob: str) -> str:
    """Glob -> regex body: `**` crosses `/`, `*` and `?` do not; `[...]` classes kept."""
    out = []
    index, length = 0, len(glob)
    while index < length:
        char = glob[index]
        if char == "*":
            if glob.startswith("**", index):
                index += 2
                if glob.startswith("/", index):
                    out.append("(?:.*/)?")
                    index += 1
                else:
                    out.append(".*")
                continue
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            first = index + 2 if glob.startswith("[!", index) or glob.startswith("[^", index) else index + 1
            if glob.startswith("]", first):  # as in fnmatch, a `]` right after `[` is in the class
                first += 1
            close = glob.find("]", first)
            if close == -1:
                out.append(re.escape(char))
            else:
                body = glob[index + 1:close]
                if body[:1] in ("!", "^"):
                    body = "^" + body[1:]
                # `[`, `&`, `~` and `|` are literal in a class: escaped, so that `[[]` or `&&`
                # never read as the set operations re warns about (a FutureWarning on stderr)
                literal = body.replace("\\", "\\\\")
                for char in "[&~|":
                    literal = literal.replace(char, "\\" + char)
                literal = literal.replace("--", "-\\-")  # nor `--` a set difference
                out.append("[" + literal + "]")
                index = close
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)


def glob_error(glob: str) -> str | None:
    """Why `glob` is not a usable glob, or None when it is fine."""
    if glob == "":
        return "a glob must not be empty"
    try:
        re.compile(_translate(glob))
    except re.error as error:
        return f"invalid glob {glob!r}: {error}"
    depth = 0
    for char in glob:
        if char == "[":
            depth += 1
        elif char == "]" and depth:
            depth -= 1
    if depth:
        return f"invalid glob {glob!r}: '[' is never closed"
    parts = glob.split("/")
    crossing = sum(1 for run in re.findall(r"\*+", glob) if len(run) > 1)  # `**`, glued to a name or not
    if crossing > 2 or any(len(re.findall(r"\*+", part)) > 2 for part in parts if part != "**"):
        # matched by backtracking, `*a*a*a*b` takes hours on a long name, and so does
        # `a**/**a**/**a**/**b`, whose every `**` crosses folders
        return f"invalid glob {glob!r}: at most two '*' in one path component and two '**'"
    return None


class RepositoryPattern(NamedTuple):
    """A registry/repository pattern ready to match; `text` is the entry as written in the policy.

    `path` is None for a host-only entry, which matches every repository on the host. A host or
    path without wildcards (most entries) is compared as text, the others as a `Regex`.
    """

    text: str
    host: Matcher
    path: Optional[Matcher]

    def host_matches(self, host: str) -> bool:
        """Whether this pattern could match some repository on `host`."""
        return bool(self.host.match(host.lower()))

    def matches(self, repository: str) -> bool:
        host, _, path = repository.partition("/")
        if not self.host_matches(host):
            return False
        return self.path is None or bool(self.path.match(path))


def _ipv6_end(host: str) -> int:
    """Where an IPv6 address in brackets that starts `host` ends (`[fd00::1]:5000`, as
    references write it: literal, not a character class), else 0."""
    close = host.find("]")
    return close + 1 if host.startswith("[") and close != -1 and ":" in host[1:close] else 0


def _host_matcher(host: str) -> Matcher:
    literal = _ipv6_end(host)
    if _is_literal(host[literal:]):
        return Exact(host)
    return Regex(r"\A" + re.escape(host[:literal]) + _translate(host[literal:]) + r"\Z")


def compile_repository_pattern(entry: str) -> RepositoryPattern:
    """The matcher of a policy's registry entry; its regular expressions are compiled when first
    used (`compile_now` compiles them at once, to check them)."""
    normalized = normalize_repository_pattern(entry.strip())
    host, sep, path = normalized.partition("/")
    host_matcher = _host_matcher(host.lower())
    if not sep:
        return RepositoryPattern(entry, host_matcher, None)
    path = path.rstrip("/")
    if _is_literal(path):
        return RepositoryPattern(entry, host_matcher, Below(path))
    return RepositoryPattern(entry, host_matcher, Regex(r"\A" + _translate(path) + r"(?:/.*)?\Z", re.S))


def compile_now(pattern: object) -> None:
    """Compile every `Regex` of a RepositoryPattern or PathGlob now: re.error and the like are
    raised here, where a policy is validated, instead of at its first match."""
    for part in pattern if isinstance(pattern, tuple) else (pattern,):
        if isinstance(part, Regex):
            part.compiled()


def any_repository_match(patterns: Iterable[RepositoryPattern], repository: str) -> bool:
    return any(pattern.matches(repository) for pattern in patterns)


class PathGlob(NamedTuple):
    """A path glob ready to match. Most globs (`vendor/**`, `deploy/prod`, `node_modules`) have
    no wildcard but a final `/**`: `plain` then gives the answers of `regex`, compared as text,
    and the expression is never compiled on the way (a one-file check compiled two)."""

    text: str
    regex: Regex
    plain: Optional[Union[Below, Under, Component]] = None

    def matches(self, relpath: str) -> bool:
        if self.plain is not None:
            return self.plain.match(relpath)
        return self.regex.match(relpath) is not None


class AnyPlainGlob(tuple):
    """Plain path globs (see PathGlob) as one matcher: `match(path)` is true when one matches."""

    __slots__ = ()

    def match(self, relpath: str) -> bool:
        return any(plain.match(relpath) for plain in self)


def compile_path_glob(glob: str) -> PathGlob:
    body = glob.strip()
    if body.startswith("./"):
        body = body[2:]
    anchored = "/" in body.rstrip("/")
    body = body.strip("/")
    regex = _translate(body)
    if not anchored:
        regex = "(?:.*/)?" + regex
    return PathGlob(glob, Regex(r"\A" + regex + r"(?:/.*)?\Z", re.S), _plain_path_matcher(body, anchored))


def _plain_path_matcher(body: str, anchored: bool) -> Optional[Union[Below, Under, Component]]:
    """The text comparison that answers as the glob's expression does, where there is one."""
    if body and _is_literal(body):
        return Below(body) if anchored else Component(body)  # `\A(?:.*/)?name(?:/.*)?\Z`: a component
    folder = body[:-3]
    if body.endswith("/**") and folder and _is_literal(folder):
        return Under(folder)  # `\Afolder/.*(?:/.*)?\Z`
    return None


def any_path_glob(globs: Iterable[PathGlob]) -> Optional[Union[Pattern[str], AnyPlainGlob]]:
    """One matcher for a path exactly when one of `globs` matches it (None for none): the plain
    globs compared as text, else one expression (discovery asks for every file and folder it
    walks; one match beats one per glob)."""
    globs = list(globs)
    if not globs:
        return None
    if all(glob.plain is not None for glob in globs):
        return AnyPlainGlob(glob.plain for glob in globs)
    return re.compile("|".join(f"(?:{glob.regex.pattern})" for glob in globs), re.S)


def tag_matches_glob(tag: str, glob: str) -> bool:
    """Tag deny patterns: shell-style globs over the whole tag, case-sensitive."""
    if _is_literal(glob):
        return tag == glob
    from fnmatch import fnmatchcase  # imported only for a glob: a one-file check needs it rarely

    return fnmatchcase(tag, glob)
