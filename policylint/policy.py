"""The policy: find it, load it, validate it (with positions), compile it.

find_policy -> load_policy (yamldoc + JSON Schema + semantic checks) -> Policy.
Every error is a PolicylintError naming the file, line and column of the offending key.
"""

from __future__ import annotations

import os
import re

from policylint.errors import PolicylintError, did_you_mean
from policylint.matching import (
    PathGlob,
    Regex,
    RepositoryPattern,
    compile_now,
    compile_path_glob,
    compile_repository_pattern,
    glob_error,
)
from policylint.model import EMPTY_MAPPING, Location
from policylint.records import NamedTuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Mapping, Optional, Tuple

POLICY_NAMES = (".policylint.yaml", ".policylint.yml")
# A policy is a page of settings; these bound what a hostile one can cost (a YAML alias bomb
# counts every use of an alias, as reading it into data expands it).
MAX_POLICY_BYTES = 1024 * 1024
MAX_POLICY_VALUES = 20_000
_NULL = "tag:yaml.org,2002:null"
_PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in (
    "str", "int", "float", "bool", "null", "timestamp", "merge", "value", "seq", "map"))
SEVERITY_VALUES = ("error", "warning", "note", "off")

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
    from policylint import yamldoc

    try:
        documents = yamldoc.compose_all(text)
    except yamldoc.YamlError as error:
        raise PolicylintError(
            f"invalid YAML: {error.message}", Location(display, error.line, error.column)
        ) from None
    # an empty document (`version: 1` then a stray `---`) holds nothing: it is no second policy
    documents = [document for document in documents
                 if not (isinstance(document, yamldoc.ScalarNode) and document.tag == _NULL and not document.value)]
    if not documents:
        raise PolicylintError("policy is empty; expected a mapping with 'version: 1'", Location(display, 1, 1))
    if len(documents) > 1:
        line, column = yamldoc.node_position(documents[1])
        raise PolicylintError("policy must be a single YAML document", Location(display, line, column))
    positions: Dict[Tuple[Any, ...], Tuple[int, int, int, int]] = {}
    data = _to_data(documents[0], (), positions, display)
    _validate(data, positions, display)
    if cache:
        policy_cache.store(text, data, positions)
    return compile_policy(data, positions, source=display, base_dir=base_dir)


# --- YAML nodes to plain data, remembering where every value and key stands -------------

# Compiled (through re's cache) only when a policy is read from YAML, not from the cache.
_INT = r"\A[-+]?[0-9]+\Z"
_FLOAT = r"\A[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\Z"


def _scalar_value(node: Any) -> Any:
    """YAML 1.2 core-schema reading: only true/false are booleans; yes/no/on/off stay text."""
    text = node.value
    if node.style is not None and node.style != "":
        return text
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("", "~", "null"):
        return None
    if re.match(_INT, text) and len(text) <= 100:  # int() refuses thousands of digits
        return int(text)
    if re.match(_FLOAT, text):
        return float(text)
    return text


def _to_data(node: Any, path: Tuple[Any, ...], positions: dict, display: str, depth: int = 0) -> Any:
    from policylint import yamldoc

    line, column = yamldoc.node_position(node)
    positions.setdefault(path, (line, column, line, column))
    if depth > 50:
        raise PolicylintError("policy is nested too deeply", Location(display, line, column))
    if len(positions) > MAX_POLICY_VALUES:
        raise PolicylintError(f"policy holds more than {MAX_POLICY_VALUES} values (each use of an alias counts)",
                              Location(display, line, column))
    if node.tag not in _PLAIN_TAGS:
        raise PolicylintError(f"unsupported YAML tag {node.tag!r}: a policy holds only plain mappings, lists "
                              "and scalars", Location(display, line, column))
    if isinstance(node, yamldoc.ScalarNode):
        return _scalar_value(node)
    if isinstance(node, yamldoc.SequenceNode):
        return [
            _to_data(item, path + (index,), positions, display, depth + 1)
            for index, item in enumerate(node.value)
        ]
    result: Dict[str, Any] = {}
    written = set()
    for key_node, _ in node.value:
        if isinstance(key_node, yamldoc.ScalarNode) and key_node.value != "<<":
            if key_node.value in written:
                key_line, key_column = yamldoc.node_position(key_node)
                raise PolicylintError(f"duplicate key {key_node.value!r}", Location(display, key_line, key_column))
            written.add(key_node.value)
    for key_node, value_node in yamldoc.mapping_items(node):
        key = key_node.value
        key_line, key_column = yamldoc.node_position(key_node)
        value_line, value_column = yamldoc.node_position(value_node)
        positions[path + (key,)] = (value_line, value_column, key_line, key_column)
        result[key] = _to_data(value_node, path + (key,), positions, display, depth + 1)
    for key_node, _ in node.value:
        if not isinstance(key_node, yamldoc.ScalarNode):
            key_line, key_column = yamldoc.node_position(key_node)
            raise PolicylintError("policy keys must be plain text", Location(display, key_line, key_column))
    return result


# --- validation -----------------------------------------------------------------------------


def load_schema() -> dict:
    import json

    schema_path = os.path.join(os.path.dirname(__file__), "schema", "policy.schema.json")
    with open(schema_path, encoding="utf-8") as handle:
        return json.load(handle)


def _location(positions: dict, path: Tuple[Any, ...], display: str, key: bool = False) -> Location:
    while path and path not in positions:
        path = path[:-1]
    line, column, key_line, key_column = positions.get(path, (1, 1, 1, 1))
    if key:
        return Location(display, key_line, key_column)
    return Location(display, line, column)


def _describe(path: Tuple[Any, ...]) -> str:
    if not path:
        return "the policy"
    return ".".join(str(part) if not isinstance(part, int) else f"[{part}]" for part in path).replace(".[", "[")


_TYPE_NAMES = {"object": "a mapping", "array": "a list", "string": "text", "boolean": "true or false",
               "integer": "a whole number", "number": "a number", "null": "nothing"}


def _schema_message(error: Any) -> Tuple[str, Tuple[Any, ...], bool]:
    """(message, path of the offending node, whether to point at the key) for one schema error."""
    path = tuple(error.absolute_path)
    where = _describe(path)
    validator = error.validator
    if validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extras = [key for key in error.instance if key not in error.schema.get("properties", {})]
        key = sorted(extras)[0] if extras else "?"
        return (f"unknown key {key!r} in {where}{did_you_mean(key, allowed)}; expected one of: {', '.join(allowed)}",
                path + (key,), True)
    if validator == "type":
        expected = error.validator_value
        names = [expected] if isinstance(expected, str) else list(expected)
        wanted = " or ".join(_TYPE_NAMES.get(name, name) for name in names)
        return f"{where} must be {wanted}, not {_show(error.instance)}", path, False
    if validator == "enum":
        choices = ", ".join(str(choice) for choice in error.validator_value)
        return f"{where} must be one of {choices}, not {_show(error.instance)}", path, False
    if validator == "const":
        return f"{where} must be {error.validator_value!r}, not {_show(error.instance)}", path, False
    if validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        return f"{where} is missing the required key {missing!r}", path, False
    if validator == "anyOf" and path and path[0] == "exceptions":
        return f"{where} must name at least one of images, paths or rules", path, False
    if validator == "minLength":
        return f"{where} must not be empty", path, False
    if validator == "minProperties":
        return f"{where} must not be empty", path, False
    if validator == "pattern" and path and path[-1] == "expires":
        return f"{where} must be a date written YYYY-MM-DD, not {_show(error.instance)}", path, False
    if validator == "pattern" and len(path) == 2 and path[0] == "environments":
        return (f"environment name {path[-1]!r} must start with a letter or digit and use only "
                "letters, digits, '_', '.' and '-'", path, True)
    return f"{where}: {error.message}", path, False


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    shown = repr(value)
    return shown if len(shown) <= 80 else shown[:76] + "...'"


def _validate(data: Any, positions: dict, display: str) -> None:
    import jsonschema

    if not isinstance(data, dict):
        raise PolicylintError(
            "policy must be a mapping with keys such as version, registries, tags",
            _location(positions, (), display),
        )
    validator = jsonschema.Draft202012Validator(load_schema())
    problems = []
    for error in validator.iter_errors(data):
        message, path, on_key = _schema_message(error)
        location = _location(positions, path, display, key=on_key)
        problems.append((location.line, location.column, message, location))
    if problems:
        problems.sort(key=lambda problem: (problem[0], problem[1], problem[2]))
        _, _, message, location = problems[0]
        raise PolicylintError(message, location)
    _check_semantics(data, positions, display)


def _check_semantics(data: dict, positions: dict, display: str) -> None:
    from policylint.rules import RULE_IDS

    def fail(message: str, path: Tuple[Any, ...], key: bool = False) -> None:
        raise PolicylintError(message, _location(positions, path, display, key=key))

    def check_globs(path: Tuple[Any, ...], values: List[str], compile_glob: Any = None) -> None:
        for index, value in enumerate(values):
            problem = glob_error(value)
            if problem is None and compile_glob is not None:
                try:  # as it is compiled: a registry pattern's host in lower case (`[Z-a]` becomes `[z-a]`)
                    compile_now(compile_glob(value))
                except (re.error, OverflowError, RecursionError, ValueError) as error:
                    problem = f"invalid glob {value!r}: {error}"
            if problem:
                fail(problem, path + (index,))

    for section in ("registries",):
        for key in ("allow", "deny"):
            check_globs((section, key), data.get(section, {}).get(key, []), compile_repository_pattern)
    check_globs(("tags", "deny"), data.get("tags", {}).get("deny", []))
    check_globs(("ignore",), data.get("ignore", []), compile_path_glob)
    for name, environment in data.get("environments", {}).items():
        pattern = environment.get("tags", {}).get("pattern")
        if pattern is not None:
            try:
                re.compile(pattern)
            except (re.error, OverflowError, RecursionError, ValueError) as error:  # `\d{4294967296}`, deep groups
                reason = str(error) if isinstance(error, re.error) else {
                    OverflowError: "a repeat count is too large", RecursionError: "groups are nested too deeply"
                }.get(type(error), str(error))
                fail(f"environments.{name}.tags.pattern is not a valid regular expression: {reason}",
                     ("environments", name, "tags", "pattern"))
        check_globs(("environments", name, "match", "paths"), environment["match"].get("paths", []), compile_path_glob)
        check_globs(("environments", name, "match", "namespaces"), environment["match"].get("namespaces", []))
        check_globs(("environments", name, "images"), environment.get("images", []), compile_repository_pattern)
    for index, exception in enumerate(data.get("exceptions", [])):
        for position, rule in enumerate(exception.get("rules", [])):
            if rule not in RULE_IDS:
                fail(_unknown_rule(rule), ("exceptions", index, "rules", position))
        check_globs(("exceptions", index, "paths"), exception.get("paths", []), compile_path_glob)
        check_globs(("exceptions", index, "images"), exception.get("images", []), compile_repository_pattern)
        expires = exception.get("expires")
        if expires is not None:
            import datetime

            try:
                datetime.date.fromisoformat(expires)  # the schema's pattern allows 2027-02-30
            except ValueError:
                fail(f"exceptions[{index}].expires {expires!r} is not a real date",
                     ("exceptions", index, "expires"))
    for rule in data.get("severity", {}):
        if rule not in RULE_IDS:
            fail(_unknown_rule(rule), ("severity", rule), key=True)


def _unknown_rule(rule: str) -> str:
    from policylint.rules import unknown_rule_message

    return f"{unknown_rule_message(rule)}; see 'policylint rules'"


# --- compilation ----------------------------------------------------------------------------


def compile_policy(data: Mapping[str, Any], positions: dict, source: Optional[str],
                   base_dir: Optional[str]) -> Policy:
    def where(path: Tuple[Any, ...]) -> Optional[Location]:
        if source is None:
            return None
        return _location(positions, path, source)

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
