"""The only YAML entry point: libyaml composition into nodes with positions.

Nothing is ever constructed into Python objects: scalars stay as their source text
(`tag: 1.10` is the string "1.10"), tags such as `!!python/object` stay inert, and an alias
is the very node it refers to (walkers keep a visited set, so an alias bomb costs nothing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, List, Optional, Tuple

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:  # libyaml; the pure-Python loader is only a fallback for odd installs
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

__all__ = [
    "MappingNode",
    "Node",
    "ScalarNode",
    "SequenceNode",
    "YamlError",
    "compose_all",
    "mapping_items",
    "get",
    "scalar_text",
    "node_position",
    "value_position",
    "MAX_FLOW_DEPTH",
    "MAX_BLOCK_PREFIX",
]

# libyaml slows quadratically with flow nesting and its C composer overflows the stack somewhere
# between 20,000 and 50,000 levels. A cheap linear pre-scan refuses anything near that first.
MAX_FLOW_DEPTH = 1000
MAX_BLOCK_PREFIX = 2000
_DEEP_PREFIX_RE = re.compile(r"^[ \t?:-]{%d,}" % MAX_BLOCK_PREFIX, re.M)
_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class YamlError(Exception):
    """YAML that cannot be read; line and column are 1-based."""

    message: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


def _check_nesting(text: str) -> None:
    """Refuse nesting that libyaml would take minutes over or crash on, in linear time."""
    if text.count("[") + text.count("{") > MAX_FLOW_DEPTH:
        depth = 0
        for index, char in enumerate(text):
            if char in "[{":
                depth += 1
                if depth > MAX_FLOW_DEPTH:
                    line = text.count("\n", 0, index) + 1
                    column = index - (text.rfind("\n", 0, index) + 1) + 1
                    raise YamlError(
                        f"flow collections nested deeper than {MAX_FLOW_DEPTH} levels", line, column
                    )
            elif char in "]}" and depth:
                depth -= 1
    match = _DEEP_PREFIX_RE.search(text)
    if match is not None:
        line = text.count("\n", 0, match.start()) + 1
        raise YamlError(f"block collections nested deeper than {MAX_BLOCK_PREFIX} levels", line, 1)


def compose_all(text: str) -> List[Node]:
    """Compose every document of `text` into nodes; empty documents are left out.

    Raises YamlError with libyaml's own position for any syntax error.
    """
    _check_nesting(text)
    loader = _Loader(text)
    documents: List[Node] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                documents.append(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = " ".join(part for part in (error.context, error.problem) if part) or "invalid YAML"
        if mark is None:
            raise YamlError(message, 1, 1) from None
        raise YamlError(message, mark.line + 1, mark.column + 1) from None
    except yaml.YAMLError as error:  # reader errors (control characters, bad encoding)
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        column = mark.column + 1 if mark is not None else 1
        raise YamlError(str(error).splitlines()[0] if str(error) else "invalid YAML", line, column) from None
    finally:
        loader.dispose()
    return documents


def mapping_items(node: Node) -> Iterator[Tuple[ScalarNode, Node]]:
    """(key, value) pairs of a mapping with scalar keys, `<<` merges followed as YAML does.

    Explicit keys win over merged ones; each merged mapping is visited once, so a chain of
    aliases cannot blow up.
    """
    if not isinstance(node, MappingNode):
        return
    seen_keys = set()
    visited = set()
    merged: List[MappingNode] = []
    for key, value in node.value:
        if isinstance(key, ScalarNode) and key.tag == _MERGE_TAG:
            merged.extend(_merge_sources(value))
            continue
        if isinstance(key, ScalarNode):
            seen_keys.add(key.value)
            yield key, value
    for source in merged:
        if id(source) in visited:
            continue
        visited.add(id(source))
        for key, value in _direct_items_with_merges(source, visited):
            if key.value not in seen_keys:
                seen_keys.add(key.value)
                yield key, value


def _merge_sources(value: Node) -> List[MappingNode]:
    if isinstance(value, MappingNode):
        return [value]
    if isinstance(value, SequenceNode):
        return [item for item in value.value if isinstance(item, MappingNode)]
    return []


def _direct_items_with_merges(node: MappingNode, visited: set) -> Iterator[Tuple[ScalarNode, Node]]:
    nested: List[MappingNode] = []
    for key, value in node.value:
        if isinstance(key, ScalarNode) and key.tag == _MERGE_TAG:
            nested.extend(_merge_sources(value))
        elif isinstance(key, ScalarNode):
            yield key, value
    for source in nested:
        if id(source) not in visited:
            visited.add(id(source))
            yield from _direct_items_with_merges(source, visited)


def get(node: Node, key: str) -> Optional[Node]:
    """The value under `key` in a mapping (merges followed), or None."""
    for item_key, value in mapping_items(node):
        if item_key.value == key:
            return value
    return None


def scalar_text(node: Optional[Node]) -> Optional[str]:
    """The source text of a scalar node, or None for anything else (and for YAML null `~`)."""
    if isinstance(node, ScalarNode):
        return node.value
    return None


def node_position(node: Node) -> Tuple[int, int]:
    """1-based (line, column) where the node's text starts."""
    return node.start_mark.line + 1, node.start_mark.column + 1


def value_position(node: Node) -> Tuple[int, int]:
    """1-based position of a scalar's value text itself: past the opening quote when quoted."""
    line, column = node_position(node)
    if isinstance(node, ScalarNode) and node.style in ("'", '"'):
        column += 1
    return line, column
