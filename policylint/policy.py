"""The policy: find it, load it, compile it.

find_policy -> load_policy -> (policy_cache, or policy_validation: yamldoc + JSON Schema +
semantic checks) -> compile_policy -> Policy. Every error is a PolicylintError naming the
file, line and column of the offending key.
"""

from __future__ import annotations

import os

from policylint.errors import PolicylintError
from policylint.matching import (
    PathGlob,
    Regex,
    RepositoryPattern,
    compile_path_glob,
    compile_repository_pattern,
)
from policylint.model import EMPTY_MAPPING, Location
from policylint.records import NamedTuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Mapping, Optional, Tuple

POLICY_NAMES = (".policylint.yaml", ".policylint.yml")
# A policy is a page of settings: this bounds what a hostile one can cost to read.
MAX_POLICY_BYTES = 1024 * 1024

# The built-in policy, identical to policies/default.yaml (a test keeps them equal). Kept as
# data so that a run with no policy file imports neither YAML nor jsonschema for it.
DEFAULT_POLICY_DATA: Dict[str, Any] = {
    "version": 1,
    "tags": {"require": True, "deny": ["latest"]},
    "digests": {"require": False},
    "fully_qualified": False,
}


class Environment(NamedTuple):
    name: str
    paths: Tuple[PathGlob, ...]
    namespaces: Tuple[str, ...]
    images: Optional[Tuple[RepositoryPattern, ...]]
    tag_pattern: Optional[Regex]  # compiled when first used
    digests_required: bool
    location: Optional[Location] = None
    pattern_location: Optional[Location] = None  # of tags.pattern

    def governs(self, repository: str) -> bool:
        """Whether this environment's rules apply to `repository` (its `images:` scope)."""
        return self.images is None or any(p.matches(repository) for p in self.images)


# A tags.pattern is the policy author's regular expression, and one with a repeat inside a
# repeat (`v(\d+\.?)+`) backtracks exponentially on a tag it almost matches: a 40-digit tag
# would take years. Matching one pattern may take this long in all, over every tag of the run
# (in each process); past it the match is stopped (where the platform has SIGALRM: Python's
# regex engine checks for signals) and the policy is refused, naming the pattern.
PATTERN_SECONDS = 2.0
_spent: Dict[str, float] = {}  # pattern -> seconds its long matches took so far


def reset_pattern_budget() -> None:
    """Give every tags.pattern its whole time again (at the start of a run)."""
    _spent.clear()


def tag_matches(environment: Environment, tag: str) -> bool:
    """Whether `tag` fully matches the environment's `tags.pattern` (which it must have)."""
    pattern = environment.tag_pattern
    assert pattern is not None
    if len(tag) < 16:  # too short to backtrack for long
        return pattern.fullmatch(tag) is not None
    import signal
    import time

    def refuse(*_: Any) -> None:
        raise PolicylintError(
            f"tags.pattern {pattern.pattern} of environment {environment.name} took over "
            f"{PATTERN_SECONDS:g} s to match tags such as {tag!r}: it backtracks catastrophically (a "
            r"repeat inside a repeat, such as (\d+\.?)+); rewrite it, e.g. v\d+(\.\d+)*",
            environment.pattern_location or environment.location)

    left = PATTERN_SECONDS - _spent.get(pattern.pattern, 0.0)
    if left <= 0:
        refuse()
    try:
        previous = signal.signal(signal.SIGALRM, refuse)
    except (AttributeError, ValueError):  # no SIGALRM (Windows), or not the main thread
        return pattern.fullmatch(tag) is not None
    started = time.perf_counter()
    try:
        signal.setitimer(signal.ITIMER_REAL, left)
        return pattern.fullmatch(tag) is not None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)  # None: set outside Python
        _spent[pattern.pattern] = _spent.get(pattern.pattern, 0.0) + time.perf_counter() - started


class PolicyException(NamedTuple):
    images: Optional[Tuple[RepositoryPattern, ...]]
    rules: Optional[Tuple[str, ...]]
    paths: Optional[Tuple[PathGlob, ...]]
    reason: str
    expires: Optional[str]  # YYYY-MM-DD, a real date: compared with today's as text
    location: Optional[Location] = None


class Policy(NamedTuple):
    """A validated, compiled policy. `base_dir` is the folder path globs are relative to."""

    source: Optional[str] = None
    base_dir: Optional[str] = None
    allow: Optional[Tuple[RepositoryPattern, ...]] = None
    deny: Tuple[RepositoryPattern, ...] = ()
    tags_required: bool = True
    tags_deny: Tuple[str, ...] = ("latest",)
    digests_required: bool = False
    fully_qualified: bool = False
    inline_waivers: bool = True
    environments: Tuple[Environment, ...] = ()
    exceptions: Tuple[PolicyException, ...] = ()
    ignore: Tuple[PathGlob, ...] = ()
    severity: Mapping[str, str] = EMPTY_MAPPING

    def environment_named(self, name: str) -> Optional[Environment]:
        for environment in self.environments:
            if environment.name == name:
                return environment
        return None

    def exceptions_in_force(self, today: str) -> List[PolicyException]:
        """The exceptions that still waive findings on `today` (YYYY-MM-DD)."""
        return [item for item in self.exceptions if item.expires is None or item.expires >= today]

    def expired_exceptions(self, today: str) -> List[PolicyException]:
        """The exceptions whose `expires` date has passed: each is an exception-expired finding."""
        return [item for item in self.exceptions if item.expires is not None and item.expires < today]


def find_policy(start_dir: str) -> Optional[str]:
    """`.policylint.yaml`/`.yml` in `start_dir` or the nearest parent up to the git root."""
    directory = os.path.abspath(start_dir)
    while True:
        for name in POLICY_NAMES:
            candidate = os.path.join(directory, name)
            if os.path.lexists(candidate):  # a folder or a broken link by that name is an error, not "no policy"
                return candidate
        if os.path.exists(os.path.join(directory, ".git")):
            return None
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def default_policy() -> Policy:
    return compile_policy(DEFAULT_POLICY_DATA, {}, source=None, base_dir=None)


def load_policy(path: str, display: Optional[str] = None) -> Policy:
    """Read, validate and compile the policy file at `path`; PolicylintError on any mistake."""
    display = display or path
    raw = _read_policy(path, display)
    if raw.startswith(b"\xef\xbb\xbf"):  # a BOM, dropped as "utf-8-sig" would (without loading that codec)
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise PolicylintError(
            "policy is not UTF-8 text", Location(display, line, 1)
        ) from None
    return parse_policy(text, display, base_dir=os.path.dirname(os.path.abspath(path)), cache=True)


def _read_policy(path: str, display: str) -> bytes:
    """The bytes of a regular file of at most MAX_POLICY_BYTES (a FIFO is never waited on)."""
    from policylint.fileio import UnusableFile, read_regular_file

    try:
        return read_regular_file(path, MAX_POLICY_BYTES)
    except UnusableFile as problem:
        why = {"directory": "is a directory, not a file", "not-regular": "is not a regular file",
               "too-large": f"is larger than the {MAX_POLICY_BYTES} byte limit for a policy"}[problem.reason]
        raise PolicylintError(f"policy {display} {why}") from None
    except OSError as error:
        raise PolicylintError(f"cannot read policy {display}: {error.strerror or error}") from None


def parse_policy(text: str, display: str, base_dir: Optional[str], cache: bool = False) -> Policy:
    """Validate and compile policy `text`. With `cache`, a text that passed before is taken from
    the user's cache (policy_cache), which spares importing YAML and jsonschema."""
    if cache:
        from policylint import policy_cache

        cached = policy_cache.lookup(text)  # this very text passed validation before
        if cached is not None:
            return compile_policy(cached[0], cached[1], source=display, base_dir=base_dir)
    from policylint import policy_validation

    data, positions = policy_validation.read_and_validate(text, display)
    if cache:
        policy_cache.store(text, data, positions)
    return compile_policy(data, positions, source=display, base_dir=base_dir)


def location_of(positions: dict, path: Tuple[Any, ...], display: str, key: bool = False) -> Location:
    """Where the value (or with `key`, the key) at `path` is written, or its nearest parent."""
    while path and path not in positions:
        path = path[:-1]
    line, column, key_line, key_column = positions.get(path, (1, 1, 1, 1))
    if key:
        return Location(display, key_line, key_column)
    return Location(display, line, column)


# --- compilation ----------------------------------------------------------------------------


def compile_policy(data: Mapping[str, Any], positions: dict, source: Optional[str],
                   base_dir: Optional[str]) -> Policy:
    def where(path: Tuple[Any, ...]) -> Optional[Location]:
        if source is None:
            return None
        return location_of(positions, path, source)

    def patterns(values: Optional[List[str]]) -> Optional[Tuple[RepositoryPattern, ...]]:
        if values is None:
            return None
        return tuple(compile_repository_pattern(value) for value in values)

    def path_globs(values: Optional[List[str]]) -> Optional[Tuple[PathGlob, ...]]:
        if values is None:
            return None
        return tuple(compile_path_glob(value) for value in values)

    registries = data.get("registries", {})
    tags = data.get("tags", {})
    environments = []
    for name, env in data.get("environments", {}).items():
        pattern = env.get("tags", {}).get("pattern")
        environments.append(Environment(
            name=name,
            paths=path_globs(env["match"].get("paths", [])) or (),
            namespaces=tuple(env["match"].get("namespaces", [])),
            images=patterns(env.get("images")),
            tag_pattern=Regex(pattern) if pattern is not None else None,
            digests_required=bool(env.get("digests", {}).get("require", False)),
            location=where(("environments", name)),
            pattern_location=where(("environments", name, "tags", "pattern")) if pattern is not None else None,
        ))
    exceptions = []
    for index, item in enumerate(data.get("exceptions", [])):
        expires = item.get("expires")
        exceptions.append(PolicyException(
            images=patterns(item.get("images")),
            rules=tuple(item["rules"]) if "rules" in item else None,
            paths=path_globs(item.get("paths")),
            reason=item["reason"],
            expires=expires or None,
            location=where(("exceptions", index)),
        ))
    return Policy(
        source=source,
        base_dir=base_dir,
        allow=patterns(registries.get("allow")),
        deny=patterns(registries.get("deny")) or (),
        tags_required=bool(tags.get("require", True)),
        tags_deny=tuple(tags.get("deny", ["latest"])),
        digests_required=bool(data.get("digests", {}).get("require", False)),
        fully_qualified=bool(data.get("fully_qualified", False)),
        inline_waivers=bool(data.get("inline_waivers", True)),
        environments=tuple(environments),
        exceptions=tuple(exceptions),
        ignore=path_globs(data.get("ignore", [])) or (),
        severity=dict(data.get("severity", {})),
    )
