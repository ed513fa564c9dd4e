"""The only YAML entry point: libyaml composition into nodes with positions.

Nothing is ever constructed into Python objects: scalars stay as their source text
(`tag: 1.10` is the string "1.10"), tags such as `!!python/object` stay inert, and an alias
is the very node it refers to (walkers keep a visited set, so an alias bomb costs nothing).
"""

from __future__ import annotations

import operator
import re
from bisect import bisect_right
from itertools import accumulate

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Iterator, List, Optional, Tuple

try:  # libyaml; the pure-Python loader is only a fallback for odd installs
    from yaml import CSafeLoader as _BaseLoader
    from yaml._yaml import CParser as _CParser
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

__all__ = [
    "MappingNode",
    "Node",
    "ScalarNode",
    "SequenceNode",
    "YamlError",
    "compose_all",
    "duplicate_key",
    "mapping_items",
    "get",
    "own_value",
    "keep_last_values",
    "parses",
    "unusual_breaks",
    "scalar_text",
    "node_position",
    "text_position",
    "value_position",
    "MAX_FLOW_DEPTH",
    "MAX_BLOCK_PREFIX",
    "MAX_NODES",
]

# libyaml before 0.2.6 slows quadratically with flow nesting and its C composer overflows the
# stack somewhere between 20,000 and 50,000 levels, so a cheap linear pre-scan refuses anything
# near that first. libyaml 0.2.6 (bundled with PyYAML 6.0.4's wheels) refuses more than
# 1,000 levels itself: with it the pre-scan (a twentieth of a corpus run) only runs once libyaml
# has refused a text, to name and place the deep spot as with any other libyaml. Our limits sit
# at libyaml's depth, so deep nesting gives the same finding with every version.
MAX_FLOW_DEPTH = 1000
MAX_BLOCK_PREFIX = 1000
# A block prefix that deep at the start of a line. Searched as "a newline, then the prefix" (plus a
# match at offset 0), which the regex engine finds with a fast literal scan for "\n" instead of
# testing `^` at every character: the same first match as `(?m)^[ \t?:-]{1000,}`, 4x faster.
_DEEP_PREFIX_RE = re.compile(r"\n[ \t?:-]{" + str(MAX_BLOCK_PREFIX) + "}")
_DEEP_PREFIX_AT_START_RE = re.compile(r"[ \t?:-]{" + str(MAX_BLOCK_PREFIX) + "}")
_NOT_BRACKETS_RE = re.compile(r"[^\[\]{}]+")
_BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_MERGE_TAG = "tag:yaml.org,2002:merge"
_LINE_BREAKS_RE = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # what libyaml counts as line breaks
_NULL_TAG = "tag:yaml.org,2002:null"


def _libyaml_limits_nesting() -> bool:
    """Whether the composer is libyaml 0.2.6 or later, which refuses nesting past 1,000 levels."""
    if _BaseLoader is yaml.SafeLoader:  # pragma: no cover - the pure-Python fallback
        return False
    from yaml._yaml import get_version

    return bool(get_version() >= (0, 2, 6))


_NESTING_LIMITED_BY_LIBYAML = _libyaml_limits_nesting()

# libyaml calls back into PyYAML's pure-Python resolver for every node, and for a plain scalar
# that resolver tries a list of regular expressions: a fifth of the time of composing a typical
# manifest. The answer depends only on the scalar's text (SafeLoader has no path resolvers), so
# short plain scalars (`name`, `image`, `true`, `80`) are answered from a table. Values longer
# than _RESOLVED_MAX_LENGTH are never kept and the table is emptied when it holds
# _RESOLVED_MAX_ENTRIES, so its memory stays small and flat whatever is scanned.
_RESOLVED_MAX_LENGTH = 128
_RESOLVED_MAX_ENTRIES = 20_000
_resolved_plain: Dict[str, str] = {}

# Nodes one text may compose into. Each costs about 400 bytes, so this bounds memory at about
# 200 MB (and time at a few seconds) where 30 MB of `[a,a,a,...` would take gigabytes and a
# minute; a real 500 KB manifest bundle composes into about 11,000 nodes.
MAX_NODES = 500_000


# The composer makes about one node per character at most (`{a,b,c}`: a key and a null value
# for every two; tests try the densest forms and random texts, and fail above two), so a text
# of fewer than MAX_NODES / 4 characters cannot reach MAX_NODES and is composed without
# counting: counting costs a sixth of composing.
_NODES_PER_CHAR_BOUND = 4

_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


class _TooManyNodes(Exception):
    """Raised from inside the composer once a text has used up its MAX_NODES."""


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader with a memoized resolver; the tags it gives are exactly SafeLoader's."""

    if _BaseLoader is not yaml.SafeLoader:
        def __init__(self, stream: str) -> None:
            # Only the parser's own state: the constructor's and the path resolver's are never
            # used (nothing is constructed; there are no path resolvers). Setting them gave the
            # instance a `__dict__` that the composer's three lookups per node then searched
            # first: a fortieth of a corpus run.
            _CParser.__init__(self, stream)

    _resolve = _BaseLoader.resolve
    # The composer calls these two around every node; they only track the path for path
    # resolvers, which SafeLoader has none of, and return at once. As Python methods they still
    # cost a frame per node (a tenth of composing); these C builtins take the same arguments,
    # do nothing with them and allocate nothing.
    descend_resolver = staticmethod(operator.is_)  # (parent, index) -> bool, ignored
    ascend_resolver = staticmethod(tuple)  # () -> the empty tuple, ignored

    # Called for every node without an explicit tag, so every lookup is bound in advance.
    def resolve(self, kind, value, implicit, _known=_resolved_plain.get):  # type: ignore[no-untyped-def]
        if kind is ScalarNode:
            if not implicit[0]:  # quoted, block or tagged `!`: never an implicit type
                return _STR_TAG
            tag = _known(value)
            if tag is None:
                tag = self._resolve(kind, value, implicit)
                if len(value) <= _RESOLVED_MAX_LENGTH:
                    if len(_resolved_plain) >= _RESOLVED_MAX_ENTRIES:
                        _resolved_plain.clear()
                    _resolved_plain[value] = tag
            return tag
        if kind is MappingNode:
            return _MAP_TAG
        if kind is SequenceNode:
            return _SEQ_TAG
        return self._resolve(kind, value, implicit)  # pragma: no cover - no other node kinds


class _CountingLoader(_Loader):
    """The loader for long texts: refuses a text past its MAX_NODES as it composes."""

    # Set per text by compose_all. A slot, not an instance attribute: an instance without a
    # `__dict__` spares the composer's three lookups per node (resolve, descend_resolver,
    # ascend_resolver) a look into it.
    __slots__ = ("nodes_left",)

    def resolve(self, kind, value, implicit):  # type: ignore[no-untyped-def]
        self.nodes_left -= 1  # the composer asks once for every node without an explicit tag
        if self.nodes_left < 0:
            raise _TooManyNodes
        return _Loader.resolve(self, kind, value, implicit)


if _BaseLoader.yaml_path_resolvers:  # pragma: no cover - someone added path resolvers globally
    # the answers would depend on the path
    _Loader = _CountingLoader = _BaseLoader  # type: ignore[misc]  # noqa: F811


class YamlError(Exception):
    """YAML that cannot be read; line and column are 1-based."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message, line, column)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


def _check_nesting(text: str) -> None:
    """Refuse nesting that libyaml would take minutes over or crash on, in linear time."""
    if text.count("[") + text.count("{") > MAX_FLOW_DEPTH and _flow_depth(text) > MAX_FLOW_DEPTH:
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
    match = _DEEP_PREFIX_AT_START_RE.match(text)
    start = 0
    if match is None:
        match = _DEEP_PREFIX_RE.search(text)
        start = match.start() + 1 if match is not None else 0
    if match is not None:
        line = text.count("\n", 0, start) + 1
        raise YamlError(f"block collections nested deeper than {MAX_BLOCK_PREFIX} levels", line, 1)


def _flow_depth(text: str) -> int:
    """The deepest bracket nesting of `text` (closers never take it below 0), over the brackets
    alone: most text between them is dropped in C before anything else sees it."""
    brackets = _NOT_BRACKETS_RE.sub("", text)
    # The running sum of +1/-1 per bracket, computed in C; while it never goes below 0 (no
    # stray closer) its maximum is the depth. Otherwise the loop below floors it at 0.
    sums = list(accumulate(map(_BRACKET_STEP.__getitem__, brackets)))
    if not sums:
        return 0
    if min(sums) >= 0:
        return max(sums)
    depth = deepest = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif depth:
            depth -= 1
    return deepest


def compose_all(text: str) -> List[Node]:
    """Compose every document of `text` into nodes; empty documents are left out.

    Raises YamlError with libyaml's own position for any syntax error.
    """
    if not _NESTING_LIMITED_BY_LIBYAML:
        _check_nesting(text)
    if len(text) * _NODES_PER_CHAR_BOUND < MAX_NODES:
        loader = _Loader(text)
    else:
        loader = _CountingLoader(text)
        loader.nodes_left = MAX_NODES - text.count("!")  # a node with an explicit `!tag` is not resolved
    documents: List[Node] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                documents.append(node)
    except _TooManyNodes:
        raise YamlError(f"more than {MAX_NODES} YAML nodes, more than policylint reads in one file", 1, 1) from None
    except yaml.MarkedYAMLError as error:
        if _NESTING_LIMITED_BY_LIBYAML and "maximum nesting depth" in (error.problem or ""):
            try:
                _check_nesting(text)  # our own finding for the deep spot, as the pre-scan gives
            except YamlError as deep:
                raise deep from None
        mark = error.problem_mark or error.context_mark
        message = " ".join(part for part in (error.context, error.problem) if part) or "invalid YAML"
        if mark is None:
            raise YamlError(message, 1, 1) from None
        if unusual_breaks(text) and mark.index >= 0:  # see _renumber
            index = min(mark.index, len(text) - 1 if text.endswith("\n") else len(text))  # not past the last line
            before = text[:index]
            raise YamlError(message, before.count("\n") + 1, index - before.rfind("\n")) from None
        raise YamlError(message, *_inside_text(text, mark.line + 1, mark.column + 1)) from None
    except yaml.YAMLError as error:  # reader errors (control characters, bad encoding)
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        column = mark.column + 1 if mark is not None else 1
        position = getattr(error, "position", None)
        if mark is None and isinstance(position, int):
            line, column = _reader_position(text, position)
        raise YamlError(str(error).splitlines()[0] if str(error) else "invalid YAML", line, column) from None
    finally:
        loader.dispose()
    if unusual_breaks(text):
        _renumber(documents, text)
    return documents


def parses(text: str) -> bool:
    """Whether libyaml reads `text` without a syntax error, checked in C without making a node
    (a sixth of the cost of composing). False where that cannot be told so cheaply (no libyaml,
    or a libyaml that does not limit nesting); anchors and aliases are not checked."""
    if _BaseLoader is yaml.SafeLoader or not _NESTING_LIMITED_BY_LIBYAML:  # pragma: no cover - odd builds
        return False
    parser = _CParser(text)
    try:
        parser.raw_parse()
    except (yaml.YAMLError, ValueError, MemoryError):
        return False
    finally:
        parser.dispose()
    return True


def unusual_breaks(text: str) -> bool:
    """Whether `text` holds a character libyaml counts as a line break and editors do not."""
    return not text.isascii() and ("\u2028" in text or "\u2029" in text or "\x85" in text)


def _renumber(documents: List[Node], text: str) -> None:
    """Give every node the line and column an editor shows. libyaml also counts NEL, U+2028 and
    U+2029 as line breaks (YAML 1.1), so after one of them, in a quoted annotation say, its lines
    were one ahead of the file's, and `policylint fix` would have rewritten the wrong line. A
    mark's character index is right: line and column are counted again from it at `\n`."""
    starts = [0]
    index = text.find("\n")
    while index != -1:
        starts.append(index + 1)
        index = text.find("\n", index + 1)
    marks: Dict[int, Any] = {}

    def renumbered(mark: Any) -> Any:
        if mark.index not in marks:
            line = bisect_right(starts, mark.index) - 1
            marks[mark.index] = type(mark)(mark.name, mark.index, line, mark.index - starts[line], None, None)
        return marks[mark.index]

    def renumber(node: Node) -> None:
        node.start_mark, node.end_mark = renumbered(node.start_mark), renumbered(node.end_mark)

    for document in documents:
        if not isinstance(document, (MappingNode, SequenceNode)):
            renumber(document)
            continue
        for collection in _each_collection(document):  # a scalar reached twice gets the same marks
            renumber(collection)
            children = [child for pair in collection.value for child in pair] \
                if isinstance(collection, MappingNode) else collection.value
            for child in children:
                if isinstance(child, ScalarNode):
                    renumber(child)


def _inside_text(text: str, line: int, column: int) -> Tuple[int, int]:
    """libyaml puts an error at the end of a text without a final line break on the line after
    it, which no editor or annotation can show: such a position becomes the end of the last line."""
    lines = _LINE_BREAKS_RE.split(text)
    if line <= len(lines):
        return line, column
    return len(lines), len(lines[-1]) + 1


def _reader_position(text: str, position: int) -> Tuple[int, int]:
    """1-based (line, column) of a reader error's position: a UTF-8 byte offset for libyaml,
    a character index for the pure-Python reader."""
    if _BaseLoader is not yaml.SafeLoader:
        position = len(text.encode("utf-8", "surrogatepass")[:position].decode("utf-8", "ignore"))
    before = text[:position]
    line = before.count("\n") + 1
    return line, position - (before.rfind("\n") + 1) + 1


def mapping_items(node: Node) -> Iterator[Tuple[ScalarNode, Node]]:
    """(key, value) pairs of a mapping with scalar keys, `<<` merges followed as YAML does.

    Explicit keys win over merged ones; each merged mapping is visited once, so a chain of
    aliases cannot blow up.
    """
    if not isinstance(node, MappingNode):
        return
    seen_keys = set()
    visited = set()
    # Merge sources depth-first, in order (a source's own keys before the ones it merges in),
    # with an explicit stack: a chain of thousands of `<<` merges must not exhaust recursion.
    stack: List[MappingNode] = [node]
    while stack:
        current = stack.pop()
        if id(current) in visited:
            continue
        visited.add(id(current))
        merged: List[MappingNode] = []
        for key, value in current.value:
            if isinstance(key, ScalarNode) and key.tag == _MERGE_TAG:
                merged.extend(_merge_sources(value))
            elif isinstance(key, ScalarNode) and key.value not in seen_keys:
                seen_keys.add(key.value)
                yield key, value
        stack.extend(source for source in reversed(merged) if id(source) not in visited)


def _merge_sources(value: Node) -> List[MappingNode]:
    if isinstance(value, MappingNode):
        return [value]
    if isinstance(value, SequenceNode):
        return [item for item in value.value if isinstance(item, MappingNode)]
    return []


def get(node: Node, key: str) -> Optional[Node]:
    """The value under `key` in a mapping (merges followed), or None."""
    if not isinstance(node, MappingNode):
        return None
    own, merges = own_value(node, key)
    if own is None and merges:
        for item_key, value in mapping_items(node):
            if item_key.value == key:
                return value
    return own


def own_value(node: MappingNode, key: str) -> Tuple[Optional[Node], bool]:
    """The value of the mapping's own first `key` (None when it has none), and, when it has
    none, whether a `<<` merge key may bring it in. Own keys come first, as in mapping_items."""
    merges = False
    for item_key, value in node.value:  # a collection as a key has a list as its value
        if item_key.tag == _MERGE_TAG:
            merges = True
        elif item_key.value == key:
            return value, merges
    return None, merges


def scalar_text(node: Optional[Node]) -> Optional[str]:
    """The source text of a scalar node, or None for anything else (and for YAML null `~`)."""
    if isinstance(node, ScalarNode) and node.tag != _NULL_TAG:
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


def text_position(node: Node, text: str) -> Tuple[int, int]:
    """value_position, past an anchor or tag written before the value (`image: &web nginx`,
    `image: !override "x"`, where libyaml's node starts), found in `text`, the node's source."""
    start = node.start_mark.index
    if not (isinstance(node, ScalarNode) and 0 <= start < len(text) and text[start] in "&!"):
        return value_position(node)
    index, size = start, len(text)
    while index < size and text[index] in "&!":  # each anchor or tag, then the blanks after it
        while index < size and text[index] not in " \t\r\n":
            index += 1
        while index < size and text[index] in " \t\r\n":
            index += 1
    if node.style in ("'", '"') and text.startswith(node.style, index):
        index += 1
    skipped = text[start:index]
    breaks = skipped.count("\n")
    if not breaks:
        return node.start_mark.line + 1, node.start_mark.column + 1 + len(skipped)
    return node.start_mark.line + 1 + breaks, len(skipped) - skipped.rfind("\n")


def duplicate_key(document: Node, aliases: bool = True) -> Optional[Tuple[ScalarNode, ScalarNode]]:
    """(the repeated key, the first one) of the first mapping key in `document` that repeats an
    earlier key of the same mapping, or None. `<<` merge keys may repeat.

    YAML forbids duplicate keys and compose refuses them, but libyaml keeps both and Helm takes
    the last: a reader that takes one value and a tool that takes the other would check and
    deploy different images. Each collection is visited once (aliases are not walked again);
    `aliases=False` promises that the text has no `*alias`, so no node can be reached twice.
    """
    # Every mapping of every file is checked, so the common case (scalar keys, none repeated) is
    # a set of key texts per mapping; anything else is settled by the exact walk below.
    visited = set() if aliases else None
    stack: List[Node] = [document]
    pop = stack.pop
    push = stack.append
    while stack:
        node = pop()
        if visited is not None:
            if id(node) in visited:
                continue
            visited.add(id(node))
        if node.__class__ is MappingNode:
            pairs = node.value
            count = len(pairs)
            if count == 2:  # the commonest size after one: two keys compared without a set
                first, second = pairs[0][0], pairs[1][0]
                if first.__class__ is not ScalarNode or second.__class__ is not ScalarNode \
                        or first.value == second.value:
                    return _first_duplicate_key(document)
            elif count > 2:
                try:
                    distinct = len({key.value for key, _ in pairs})
                except TypeError:  # a collection as a key: its text is a list
                    return _first_duplicate_key(document)
                if distinct != count:  # a repeated key, or only repeated `<<` merges
                    return _first_duplicate_key(document)
            elif count and pairs[0][0].__class__ is not ScalarNode:
                return _first_duplicate_key(document)  # a collection as the only key
            for _, value in pairs:
                if value.__class__ is not ScalarNode:
                    push(value)
        elif node.__class__ is SequenceNode:
            for item in node.value:
                if item.__class__ is not ScalarNode:
                    push(item)
    return None


def keep_last_values(document: Node) -> None:
    """Drop the earlier pairs of every repeated key in `document`'s mappings, in place, so that
    every lookup finds the last value, as Helm and other lenient loaders keep it (a
    `<<` merge key may repeat and stays). Only for a document `duplicate_key` found a repeat in."""
    for node in _each_collection(document):
        if node.__class__ is MappingNode:
            last: Dict[str, int] = {}
            named = 0
            for index, (key, _) in enumerate(node.value):
                if key.__class__ is ScalarNode and key.tag != _MERGE_TAG:
                    last[key.value] = index
                    named += 1
            if len(last) < named:
                node.value = [pair for index, pair in enumerate(node.value) if pair[0].__class__ is not ScalarNode
                              or pair[0].tag == _MERGE_TAG or last[pair[0].value] == index]


def _first_duplicate_key(document: Node) -> Optional[Tuple[ScalarNode, ScalarNode]]:
    found: Optional[Tuple[ScalarNode, ScalarNode]] = None
    for node in _each_collection(document):
        if node.__class__ is MappingNode:
            pairs = node.value
            keys = [key.value for key, _ in pairs if key.__class__ is ScalarNode]
            if len(set(keys)) != len(keys):  # rare: find which key (merge keys may repeat)
                first: Dict[str, ScalarNode] = {}
                for key, _ in pairs:
                    if key.__class__ is ScalarNode and key.tag != _MERGE_TAG:
                        earlier = first.setdefault(key.value, key)
                        if earlier is not key and (found is None or _before(key, found[0])):
                            found = (key, earlier)
    return found


def _each_collection(document: Node) -> Iterator[Node]:
    """Every mapping and sequence of `document` once (an alias is the node it names), keys that
    are collections too. A node's children are read once the caller is done with the node,
    which may have changed them."""
    visited = set()
    stack: List[Node] = [document]
    while stack:
        node = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if node.__class__ is MappingNode:
            yield node
            stack.extend([key for key, _ in node.value if key.__class__ is not ScalarNode])
            stack.extend([value for _, value in node.value if value.__class__ is not ScalarNode])
        elif node.__class__ is SequenceNode:
            yield node
            stack.extend([item for item in node.value if item.__class__ is not ScalarNode])


def _before(node: Node, other: Node) -> bool:
    return node.start_mark.index < other.start_mark.index
