"""`.gitignore` and `.git/info/exclude` files, compiled for discovery's walk to ask.

pathspec reads the patterns as git does; this module bounds what they may cost (patterns that
could backtrack for hours are left out, as are those past MAX_PATTERNS) and answers the common
case fast: one joined regular expression says whether any pattern matches a path at all, and a
large ignore file's plain names and simple shapes are looked up in sets. Imported only when a
walk meets an ignore file (never for files named one by one, as pre-commit names them).
"""

from __future__ import annotations

import os
import re
import stat

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, List, Optional, Pattern, Set, Tuple

_MAX_GITIGNORE = 1 << 20
_STAR_RUN = r"(?<!\\)\*+"  # not an escaped `\*`; compiled (through re's cache) where a .gitignore has a `*`


def load_gitignore(path: str) -> Optional[IgnoreFile]:
    """Compile the gitignore file at `path` (a regular file, not a link), or None when there is none."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        with open(path, "rb") as handle:
            text = handle.read(_MAX_GITIGNORE).decode("utf-8", "replace")
    except OSError:
        return None
    return IgnoreFile.from_lines([line for line in text.splitlines() if not _too_complex(line)])


def _compile_spec(lines: List[str]) -> Any:
    """pathspec's gitignore matcher for `lines`; an invalid line is skipped, as git skips it."""
    import pathspec  # imported only when a repository has ignore files: it costs 20-80 ms

    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except Exception:
        good = []
        for line in lines:
            try:
                pathspec.GitIgnoreSpec.from_lines([line])
            except Exception:
                continue
            good.append(line)
        return pathspec.GitIgnoreSpec.from_lines(good)


# An ignore file's patterns that pathspec matches one regular expression each: beyond this
# many (a generated .gitignore of 100,000 wildcard lines took minutes to load and to ask), the
# rest are left out and the files they would exclude are scanned. Plain names and the simple
# `name*` / `*.ext` shapes do not count: they are looked up in sets.
MAX_PATTERNS = 2000
# An ignore file with this many lines or more has its plain ones looked up in sets.
PLAIN_FROM = 200


class _PlainPatterns:
    """The patterns of an ignore file that need no regular expression: a plain name at any depth
    (`node_modules`, `build/` for folders only), a plain path from the ignore file's folder
    (`/dist`, `docs/site/`), and one component with a single `*` at either end (`build*`,
    `*.log`, `tmp*/`)."""

    __slots__ = ("names", "paths", "prefixes", "suffixes")

    def __init__(self) -> None:
        # each: (patterns for files and folders, patterns for folders only)
        self.names: Tuple[Set[str], Set[str]] = (set(), set())
        self.paths: Tuple[Set[str], Set[str]] = (set(), set())
        self.prefixes: Tuple[Set[str], Set[str]] = (set(), set())
        self.suffixes: Tuple[Set[str], Set[str]] = (set(), set())

    def add(self, line: str) -> bool:
        """Take `line` if it has one of the plain shapes; False leaves it to pathspec."""
        body = line.rstrip("/")
        parts = body.lstrip("/").split("/")
        # escapes, `.`/`..`, empty components and whitespace at either end (which git and
        # pathspec trim by their own rules) are left to pathspec
        if line != line.strip() or any(char in body for char in "?[\\") or line.endswith("//") \
                or any(part in ("", ".", "..") for part in parts):
            return False
        folders_only = int(line.endswith("/"))
        stars = body.count("*")
        if stars == 0:
            if "/" in body:  # anchored at the ignore file's folder
                self.paths[folders_only].add(body.lstrip("/"))
            else:
                self.names[folders_only].add(body)
            return True
        if stars == 1 and "/" not in body and len(body) > 1:
            if body.endswith("*"):
                self.prefixes[folders_only].add(body[:-1])
                return True
            if body.startswith("*"):
                self.suffixes[folders_only].add(body[1:])
                return True
        return False

    def __bool__(self) -> bool:
        return any(any(group) for group in (self.names, self.paths, self.prefixes, self.suffixes))

    def match(self, path: str) -> bool:
        """Whether some pattern matches `path` (a folder's path ends with `/`)."""
        parts = path.split("/")
        last = len(parts) - 1  # components before it are each followed by `/`: folders
        for index, part in enumerate(parts):
            if not part:
                continue
            kinds = (0, 1) if index < last else (0,)
            for kind in kinds:
                if part in self.names[kind]:
                    return True
                prefixes, suffixes = self.prefixes[kind], self.suffixes[kind]
                if prefixes and any(part[:end] in prefixes for end in range(len(part) + 1)):
                    return True
                if suffixes and any(part[start:] in suffixes for start in range(len(part))):
                    return True
        if self.paths[0] or self.paths[1]:
            prefix = ""
            for index, part in enumerate(parts):
                prefix = f"{prefix}/{part}" if index else part
                if prefix in self.paths[0] or (index < last and prefix in self.paths[1]):
                    return True
        return False


class IgnoreFile:
    """One compiled ignore file.

    pathspec compiles every line into its own regular expression; they go to pathspec behind a
    single regular expression that tells at once whether any of them matches a path at all
    (almost no path matches any, and then no pattern decides). In a large ignore file (PLAIN_FROM
    lines or more: generated ones list thousands of names) the plain names and simple shapes
    (see _PlainPatterns) are looked up in sets instead. A file with a `!` negation goes to
    pathspec whole: there the last matching line wins.

    Every folder and candidate file of a repository is checked against every ignore file above it.
    """

    __slots__ = ("spec", "any_pattern", "plain")

    def __init__(self, spec: Any, plain: Optional[_PlainPatterns] = None) -> None:
        self.spec = spec
        self.any_pattern = _any_pattern_regex(spec)
        self.plain = plain if plain else None

    @classmethod
    def from_lines(cls, lines: List[str]) -> IgnoreFile:
        lines = [line for line in lines if line.strip() and not line.startswith("#")]
        if len(lines) < PLAIN_FROM or any(line.startswith("!") for line in lines):
            # an ordinary ignore file: one joined expression, searched in C, answers fastest
            return cls(_compile_spec(lines[:MAX_PATTERNS]))
        plain = _PlainPatterns()
        others = [line for line in lines if not plain.add(line)]
        return cls(_compile_spec(others[:MAX_PATTERNS]), plain)

    def include(self, path: str) -> Optional[bool]:
        """True (ignored), False (re-included by a `!` pattern) or None (no pattern matches)."""
        if self.plain is not None and self.plain.match(path):
            return True
        if self.any_pattern is not None and self.any_pattern.search(path) is None:
            return None
        return self.spec.check_file(path).include


_NAMED_GROUP = r"\(\?P<\w+>"


def _any_pattern_regex(spec: Any) -> Optional[Pattern[str]]:
    """One expression matching wherever some pattern of `spec` matches, or None to always ask
    pathspec (a pattern we cannot join safely: other flags, back-references, no expression)."""
    sources = []
    for pattern in spec.patterns:
        if pattern.include is None:  # a blank or comment line
            continue
        regex = getattr(pattern, "regex", None)
        if regex is None or regex.flags != re.UNICODE or "(?P=" in regex.pattern \
                or re.search(r"\\[1-9]", regex.pattern):
            return None
        sources.append("(?:" + re.sub(_NAMED_GROUP, "(?:", regex.pattern) + ")")
    if not sources:
        return re.compile(r"(?!)")  # no pattern: nothing matches
    try:
        return re.compile("|".join(sources))
    except re.error:
        return None


def _too_complex(line: str) -> bool:
    """A pattern whose regular expression could backtrack for hours on a hostile path name:
    more than two `*` runs in one path component (`*a*a*a*b`) or more than two `**`, whether a
    component or glued to a name (`a**/**b`). git matches such lines without backtracking; no
    real .gitignore needs them, so they are left out, and the files they would exclude are scanned."""
    if "*" not in line or line.lstrip().startswith("#"):
        return False
    parts = line.strip().split("/")
    doubles = sum(1 for run in re.findall(_STAR_RUN, line) if len(run) > 1)
    singles = max((len(re.findall(_STAR_RUN, part)) for part in parts if part != "**"), default=0)
    return doubles > 2 or singles > 2
