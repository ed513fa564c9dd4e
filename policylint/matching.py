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
from fnmatch import fnmatchcase

from policylint.records import NamedTuple
from policylint.reference import normalize_repository_pattern

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, Optional, Pattern

_STAR_RUN_RE = re.compile(r"\*+")


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
    crossing = sum(1 for run in _STAR_RUN_RE.findall(glob) if len(run) > 1)  # `**`, glued to a name or not
    if crossing > 2 or any(len(_STAR_RUN_RE.findall(part)) > 2 for part in parts if part != "**"):
        # matched by backtracking, `*a*a*a*b` takes hours on a long name, and so does
        # `a**/**a**/**a**/**b`, whose every `**` crosses folders
        return f"invalid glob {glob!r}: at most two '*' in one path component and two '**'"
    return None


class RepositoryPattern(NamedTuple):
    """A compiled registry/repository pattern; `text` is the entry as written in the policy.

    `path_regex` is None for a host-only entry, which matches every repository on the host.
    """

    text: str
    host_regex: Pattern[str]
    path_regex: Optional[Pattern[str]]

    def host_matches(self, host: str) -> bool:
        """Whether this pattern could match some repository on `host`."""
        return self.host_regex.match(host.lower()) is not None

    def matches(self, repository: str) -> bool:
        host, _, path = repository.partition("/")
        if not self.host_matches(host):
            return False
        return self.path_regex is None or self.path_regex.match(path) is not None


def _translate_host(host: str) -> str:
    """A host glob; an IPv6 address in brackets (`[fd00::1]:5000`, as references write it) is
    literal, not a character class."""
    close = host.find("]")
    if host.startswith("[") and close != -1 and ":" in host[1:close]:
        return re.escape(host[:close + 1]) + _translate(host[close + 1:])
    return _translate(host)


def compile_repository_pattern(entry: str) -> RepositoryPattern:
    normalized = normalize_repository_pattern(entry.strip())
    host, sep, path = normalized.partition("/")
    host_regex = re.compile(r"\A" + _translate_host(host.lower()) + r"\Z")
    if not sep:
        return RepositoryPattern(entry, host_regex, None)
    path_regex = re.compile(r"\A" + _translate(path.rstrip("/")) + r"(?:/.*)?\Z", re.S)
    return RepositoryPattern(entry, host_regex, path_regex)


def any_repository_match(patterns: Iterable[RepositoryPattern], repository: str) -> bool:
    return any(pattern.matches(repository) for pattern in patterns)


class PathGlob(NamedTuple):
    text: str
    regex: Pattern[str]

    def matches(self, relpath: str) -> bool:
        return self.regex.match(relpath) is not None


def compile_path_glob(glob: str) -> PathGlob:
    body = glob.strip()
    if body.startswith("./"):
        body = body[2:]
    anchored = "/" in body.rstrip("/")
    body = body.strip("/")
    regex = _translate(body)
    if not anchored:
        regex = "(?:.*/)?" + regex
    return PathGlob(glob, re.compile(r"\A" + regex + r"(?:/.*)?\Z", re.S))


def any_path_glob(globs: Iterable[PathGlob]) -> Optional[Pattern[str]]:
    """One expression that matches a path exactly when one of `globs` does (None for none).

    Discovery asks for every file and folder it walks; one match beats one per glob."""
    sources = [glob.regex.pattern for glob in globs]
    if not sources:
        return None
    return re.compile("|".join(f"(?:{source})" for source in sources), re.S)


def tag_matches_glob(tag: str, glob: str) -> bool:
    """Tag deny patterns: shell-style globs over the whole tag, case-sensitive."""
    return fnmatchcase(tag, glob)
