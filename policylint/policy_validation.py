"""A policy's YAML read into plain data, with the position of every key and value, and
validated: against the JSON Schema (policylint/schema/policy.schema.json), then for what a
schema cannot say (globs and patterns that compile, rule ids that exist, dates that are real).

Only a policy text that is not in the cache (policy_cache) comes here: this is where YAML and
jsonschema are imported. Every error is a PolicylintError at the offending key or value.
"""

from __future__ import annotations

import os
import re

from policylint.errors import PolicylintError, did_you_mean
from policylint.matching import compile_now, compile_path_glob, compile_repository_pattern, glob_error
from policylint.model import Location
from policylint.policy import location_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Tuple

    Positions = Dict[Tuple[Any, ...], Tuple[int, int, int, int]]

# These bound what a hostile policy can cost (a YAML alias bomb counts every use of an alias,
# as reading it into data expands it).
MAX_POLICY_VALUES = 20_000
_NULL = "tag:yaml.org,2002:null"
_PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in (
    "str", "int", "float", "bool", "null", "timestamp", "merge", "value", "seq", "map"))


def read_and_validate(text: str, display: str) -> Tuple[Dict[str, Any], Positions]:
    """The policy `text` as plain data, and where each of its values and keys is written
    (line, column, key line, key column by key path); PolicylintError on any mistake."""
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
    positions: Positions = {}
    data = _to_data(documents[0], (), positions, display)
    validate(data, positions, display)
    return data, positions


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


def validate(data: Any, positions: dict, display: str) -> None:
    """PolicylintError at the first problem (in file order) the schema or the semantic checks find."""
    import jsonschema

    if not isinstance(data, dict):
        raise PolicylintError(
            "policy must be a mapping with keys such as version, registries, tags",
            location_of(positions, (), display),
        )
    validator = jsonschema.Draft202012Validator(load_schema())
    problems = []
    for error in validator.iter_errors(data):
        message, path, on_key = _schema_message(error)
        location = location_of(positions, path, display, key=on_key)
        problems.append((location.line, location.column, message, location))
    if problems:
        problems.sort(key=lambda problem: (problem[0], problem[1], problem[2]))
        _, _, message, location = problems[0]
        raise PolicylintError(message, location)
    _check_semantics(data, positions, display)


def _check_semantics(data: dict, positions: dict, display: str) -> None:
    from policylint.rules import RULE_IDS

    def fail(message: str, path: Tuple[Any, ...], key: bool = False) -> None:
        raise PolicylintError(message, location_of(positions, path, display, key=key))

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
