"""Pieces shared by the YAML scanners: composing once, reading scalars, placing occurrences.

Walkers never expand aliases: an alias is the very node it names, so every walker keeps a set
of node ids it has visited and a set of scalar ids it has reported, which makes a reference
reached through several aliases appear once, at the line where its text is.
"""

from __future__ import annotations

import re

from policylint.model import Location, NotScanned, Occurrence, ScanError
from policylint.yamldoc import (
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    YamlError,
    compose_all,
    duplicate_key,
    keep_last_values,
    node_position,
    own_value,
    text_position,
    value_position,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Dict, Iterator, List, Mapping, Optional, Set, Tuple, Union

STR_TAG = "tag:yaml.org,2002:str"
NULL_TAG = "tag:yaml.org,2002:null"
MERGE_TAG = "tag:yaml.org,2002:merge"


def compose(text: str, path: str) -> Union[List[Node], ScanError]:
    """Every document of `text`, or the one ScanError that stops the scan of the file."""
    try:
        return compose_all(text)
    except YamlError as error:
        return ScanError(error.message, Location(path, error.line, error.column))
    except (RecursionError, MemoryError, ValueError) as error:  # pragma: no cover - defensive
        return ScanError(f"cannot read YAML: {type(error).__name__}", Location(path, 1, 1))


TEMPLATE_REASON = (
    "an unrendered template ({{ }} or {% %}), not YAML: check the rendered output, "
    "e.g. helm template . | policylint - --stdin-filename rendered.yaml"
)


NAMED_TEMPLATE_ADVICE = (
    "this is an unrendered template ({{ }} or {% %}): check its rendered output, or list it under "
    "the policy's ignore"
)

_TEMPLATE_ACTION_RE = re.compile(r"\{\{[^\n]*?\}\}|\{%[^\n]*?%\}")


# What can spell `image` without writing it: a hex escape or an escaped line break (`ima\`,
# then `ge` on the next line) in a double-quoted scalar.
_SPELLING_ESCAPE_RE = re.compile(r"\\[xuU\r\n]")


def may_spell_image(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` holds an escape that could spell `image` (in any case) in a
    double-quoted scalar (`"\\x69mage"`, or `"ima\\` with `ge"` on the next line): the other
    escapes make no letter. The walks' text pre-filters step aside where it does."""
    return text.find("\\", start, end) != -1 and _SPELLING_ESCAPE_RE.search(text, start, end) is not None


def may_alias(text: str) -> bool:
    """Whether a document of `text` may hold an `*alias`, through which one node is reached
    twice and text from elsewhere comes in: only with a `*` and an `&anchor` for it to name
    (an alias to no anchor does not compose). Comments and globs often hold a `*`; few
    files hold both."""
    return "*" in text and "&" in text


def looks_like_template(text: str) -> bool:
    """Text with a Go or Jinja template action (`{{ ... }}`, or a Jinja statement `{% ... %}`,
    on one line) and no undecodable bytes."""
    return ("{{" in text or "{%" in text) and "\ufffd" not in text and _TEMPLATE_ACTION_RE.search(text) is not None


def _breaks_at_template(text: str, error: ScanError) -> bool:
    """Whether the YAML error is on a line holding a template action, or just after one (libyaml
    often stops at the token after what broke the structure)."""
    line = error.location.line
    lines = text.split("\n", line)[max(0, line - 2):line]
    return any(_TEMPLATE_ACTION_RE.search(text_line) for text_line in lines)


def scan_documents(
    text: str,
    path: str,
    scan_document: Callable[[Node], Iterator[Occurrence]],
    reads: Optional[Callable[[Node], bool]] = None,
    prepare: Optional[Callable[[List[Node]], None]] = None,
    compose_text: Optional[str] = None,
) -> Iterator[Union[Occurrence, ScanError, NotScanned]]:
    """Compose `text` once and scan each document; a YAML error is the file's only result.

    A document with a duplicate key also yields one ScanError at the repeated key: which value
    wins differs between tools, so the file must be fixed. Its references are still reported
    (the last value of a repeated key is read, as Helm and other lenient loaders take it), so
    a stray duplicate elsewhere in a manifest does not hide the images beside it.

    `reads` is given for a file found by content alone, and tells whether policylint reads a
    document (as a manifest, ...). Such a file that does not parse is a parse-error, since it
    may be a manifest, unless it holds `{{ }}`: then it is an unrendered template (Helm's
    `templates/`), skipped with advice. A named file (compose, kustomization, values) is always
    reported; when its error is on or just after a line holding a template action, the message
    says it is a template and how to lint it. A duplicate key there is reported only in a document
    policylint reads: in a CI config or a test fixture it has no bearing on any image.
    `prepare` sees every document before the first is scanned. `compose_text`, when given, is
    composed instead of `text`: the same text with documents the scan would skip blanked out
    (kubernetes.text_to_compose); if it does not compose, `text` is composed.
    """
    global _source_text
    _source_text = text  # where location() finds what stands before a value (an anchor, a tag)
    documents = compose(text if compose_text is None else compose_text, path)
    if isinstance(documents, ScanError) and compose_text is not None and compose_text is not text:
        documents = compose(text, path)  # its own error, where it is
    if isinstance(documents, ScanError):
        # A Helm or other Go template is YAML only once rendered; a file found by content alone
        # that does not parse and holds `{{` is such a template, not a broken manifest. A named
        # one (a cookiecutter `docker-compose.yml`) is still reported, as every file that should
        # be scanned and cannot be parsed is, with the way out when template text broke it.
        template = looks_like_template(text)
        if template and reads is not None:
            yield NotScanned(TEMPLATE_REASON)
        elif template and _breaks_at_template(text, documents):
            yield documents._replace(message=f"{documents.message}: {NAMED_TEMPLATE_ADVICE}")
        else:
            yield documents
        return
    if prepare is not None:
        prepare(documents)
    aliases = may_alias(text)
    lines: Optional[List[str]] = None  # split once a reference spans lines or sits in a block
    for document in documents:
        duplicate = duplicate_key(document, aliases)
        if duplicate is not None:
            keep_last_values(document)  # lookups then find the value a lenient tool keeps
        if duplicate is not None and (reads is None or reads(document)):
            key, first = duplicate
            shown = key.value if len(key.value) <= 60 else key.value[:57] + "..."
            line, column = node_position(key)
            yield ScanError(f"duplicate key {shown!r} (first defined at line {first.start_mark.line + 1})",
                            Location(path, line, column))
        for item in scan_document(document):
            if item.__class__ is Occurrence and item.location.end_column is None:  # type: ignore[union-attr]
                if lines is None:
                    lines = text.split("\n")
                item = _past_block_header(item, lines)  # type: ignore[arg-type]
            yield item


def _past_block_header(found: Occurrence, lines: List[str]) -> Occurrence:
    """An occurrence placed on a block scalar's header (`image: >-`) moved to where its text
    is: the first line of the block's content."""
    where = found.location
    if where.line > len(lines) or lines[where.line - 1][where.column - 1:where.column] not in ("|", ">"):
        return found
    for row in range(where.line, len(lines)):
        content = lines[row].rstrip("\r")
        if content.strip():
            column = len(content) - len(content.lstrip(" ")) + 1
            return found._replace(location=where._replace(line=row + 1, column=column))
    return found


_SCANNED_KEYS = 32  # a mapping with more keys is indexed on its first lookup


class Merged:
    """`get(node, key)` with `<<` merges followed as YAML does, memoized for one file.

    `yamldoc.get` walks a mapping's whole merge closure on every call, so a file with a chain
    of thousands of merges would cost quadratic time; here each mapping's own keys are indexed
    once and each (mapping, key) answer is remembered, so the cost stays linear.
    """

    def __init__(self) -> None:
        self._own: Dict[int, Tuple[Dict[str, Node], List[MappingNode]]] = {}
        self._memo: Dict[Tuple[int, str], Optional[Node]] = {}
        self._keep: List[Node] = []  # ids are only stable while their nodes are alive

    def _index(self, node: MappingNode) -> Tuple[Dict[str, Node], List[MappingNode]]:
        entry = self._own.get(id(node))
        if entry is None:
            keys: Dict[str, Node] = {}
            sources: List[MappingNode] = []
            for key, value in node.value:
                if not isinstance(key, ScalarNode):
                    continue
                if key.tag == MERGE_TAG:
                    if isinstance(value, MappingNode):
                        sources.append(value)
                    elif isinstance(value, SequenceNode):
                        sources.extend(item for item in value.value if isinstance(item, MappingNode))
                elif key.value not in keys:
                    keys[key.value] = value
            entry = (keys, sources)
            self._own[id(node)] = entry
            self._keep.append(node)
        return entry

    def get(self, node: Optional[Node], key: str) -> Optional[Node]:
        """The value under `key`: the mapping's own, else the first merge source's (depth first)."""
        if not isinstance(node, MappingNode):
            return None
        if id(node) not in self._own and len(node.value) <= _SCANNED_KEYS:
            # Most mappings are small and merge nothing in: their own first `key` is the answer,
            # found by one look at the key texts without indexing the mapping. A `<<` merge key,
            # which may bring the key in, takes the full lookup below, and so does a large
            # mapping, indexed once (8,000 top-level keys, each asked for `global`, was quadratic).
            value, merges = own_value(node, key)
            if value is not None or not merges:
                return value
        own, _ = self._index(node)
        if key in own:
            return own[key]
        if (id(node), key) in self._memo:
            return self._memo[(id(node), key)]
        path: List[MappingNode] = [node]
        positions: List[int] = [0]
        on_path: Set[int] = {id(node)}
        found: Optional[Node] = None
        while path:
            current = path[-1]
            sources = self._index(current)[1]
            position = positions[-1]
            if found is not None or position >= len(sources):
                self._memo[(id(current), key)] = found
                path.pop()
                positions.pop()
                on_path.discard(id(current))
                continue
            positions[-1] = position + 1
            source = sources[position]
            if id(source) in on_path:
                continue
            own = self._index(source)[0]
            if key in own:
                found = own[key]
            elif (id(source), key) in self._memo:
                found = self._memo[(id(source), key)]
            else:
                path.append(source)
                positions.append(0)
                on_path.add(id(source))
        return found


def string_value(node: Optional[Node]) -> Optional[str]:
    """The text of a string scalar that is not empty; None for numbers, booleans, null, collections."""
    if not isinstance(node, ScalarNode) or node.tag != STR_TAG:
        return None
    if not node.value.strip():
        return None
    return node.value


# Unquoted values that the YAML loaders of compose (go-yaml v3) and Kubernetes (go-yaml v2)
# both read as something other than text. PyYAML's YAML 1.1 resolver sees more than they do
# (`yes`, `1_000`, `1:30`, which they keep as strings), so those are left alone.
_NOT_TEXT = {
    "tag:yaml.org,2002:int": "an integer",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "a boolean",
}
_DATE_TAG = "tag:yaml.org,2002:timestamp"


def _template_action(node: Node) -> bool:
    """`{{ .Values.image }}` left unquoted in a template that still parses as YAML: a flow
    mapping whose one key is a flow mapping. A template fills it in; it is not a mapping."""
    if not (isinstance(node, MappingNode) and node.flow_style and len(node.value) == 1):
        return False
    key = node.value[0][0]
    return isinstance(key, MappingNode) and bool(key.flow_style)


def not_a_string_error(node: Optional[Node], path: str, tool: str, dates: bool = False,
                       field: str = "image") -> Optional[ScanError]:
    """A parse-error for an `image` (or other `field`) value `tool` refuses because it is not a string
    (`image: 12345`, `image: true`, `image: [nginx]`; `dates`: also `image: 2024-01-01`, which
    compose reads as a time); None for a string, null or absent value."""
    if isinstance(node, ScalarNode):
        what = "a date" if dates and node.tag == _DATE_TAG else _NOT_TEXT.get(node.tag)
        text = node.value
        if what is None or "_" in text or (":" in text and what != "a date") or (
                what == "a boolean" and text.lower() not in ("true", "false")):
            return None
        advice = f'; quote it: "{text}"'
    elif isinstance(node, (MappingNode, SequenceNode)) and not _template_action(node):
        what, advice = ("a mapping" if isinstance(node, MappingNode) else "a list"), ""
    else:
        return None
    line, column = node_position(node)
    return ScanError(f"{field} must be a string, not {what}: {tool} refuses this file{advice}",
                     Location(path, line, column))


def piece_text(node: Optional[Node]) -> Optional[str]:
    """The source text of any scalar that is not null or blank (`tag: 1.10` is "1.10")."""
    if not isinstance(node, ScalarNode) or node.tag == NULL_TAG:
        return None
    text = node.value.strip()
    return text or None


def raw_children(node: Node) -> List[Tuple[Optional[str], Node]]:
    """(key text, child) pairs of a mapping or sequence, merge sources included as-is.

    Generic descent uses this rather than `mapping_items`: every node is reached once through
    the visited set, and a chain of `<<` merges cannot make the walk quadratic.
    """
    if isinstance(node, MappingNode):
        pairs: List[Tuple[Optional[str], Node]] = []
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.tag != MERGE_TAG:
                pairs.append((key.value, value))
            else:
                pairs.append((None, value))
        return pairs
    if isinstance(node, SequenceNode):
        return [(None, item) for item in node.value]
    return []


# The text of the file being scanned (set by scan_documents): libyaml starts a node at the
# anchor or tag written before its value, which only the text shows.
_source_text = ""


def _value_position(node: Node) -> Tuple[int, int]:
    start = node.start_mark.index
    if start < len(_source_text) and _source_text[start] in "&!":
        return text_position(node, _source_text)
    return value_position(node)


def location(path: str, node: Node, offset: int = 0, length: Optional[int] = None) -> Location:
    """Where a scalar's text starts (past an anchor, a tag and an opening quote), `offset`
    characters further in.

    `end_column` is set when the scalar sits on one line; `length` is the reference's length
    when it is only part of the scalar (`docker-image://...`).
    """
    line, column = _value_position(node)
    column += offset
    end: Optional[int] = None
    one_line = isinstance(node, ScalarNode) and node.start_mark.line == node.end_mark.line
    if one_line and node.style in (None, "", "'", '"'):
        if length is not None:
            end = column + length
        elif node.style in ("'", '"'):
            end = node.end_mark.column  # 0-based column of the closing quote == 1-based end
        else:
            end = node.end_mark.column + 1
    return Location(path, line, column, end)


def scalar_location(path: str, node: Node) -> Location:
    """A location without end column, for the pieces of a mapping-built reference."""
    line, column = _value_position(node)
    return Location(path, line, column)


def has_tag_or_digest(reference: str) -> bool:
    """Whether an image text carries a tag (a `:` after its last `/`) or a digest."""
    return "@" in reference or ":" in reference.rsplit("/", 1)[-1]


def joined_with_siblings(
    node: ScalarNode,
    holder: MappingNode,
    get: Callable[[Optional[Node], str], Optional[Node]],
    path: str,
    kind: str,
    context: Mapping[str, str],
    tag_keys: Tuple[str, ...],
    prefixed: bool = True,
    prefix_needed: bool = False,
) -> Optional[Occurrence]:
    """An image string joined with what its mapping keeps beside it, or None if nothing is.

    NVIDIA's operators write `repository: nvcr.io/nvidia`, `image: driver`, `version: 550.54`:
    an image without `/` beside a `repository` is `repository/image` (when `prefixed`), and
    then `version` is a tag too. An image without a tag or digest takes the first non-empty of
    `tag_keys` (Helm charts' `image` + `tag`). `prefix_needed`: join only where a repository is."""
    text = node.value
    repository = get(holder, "repository") if prefixed and "/" not in text else None
    prefix = piece_text(repository)
    if prefix_needed and not prefix:
        return None
    tag_node = None
    if not has_tag_or_digest(text):
        keys = tag_keys + (("version",) if prefix else ())
        tag_node = next((found for found in map(lambda key: get(holder, key), keys) if piece_text(found)), None)
    tag = piece_text(tag_node)
    if not (prefix or tag) or "{{" in f"{prefix}{tag}":
        return None
    joined = (f"{prefix.rstrip('/')}/{text}" if prefix else text) + (f":{tag}" if tag else "")
    where = scalar_location(path, node)
    parts = {"repository": where}
    if prefix and repository is not None:
        parts["registry"] = scalar_location(path, repository)
    if tag and tag_node is not None:
        parts["tag"] = scalar_location(path, tag_node)
    return Occurrence(joined, joined, where, kind, dict(context), parts=parts)


def occurrence(
    node: ScalarNode,
    path: str,
    kind: str,
    context: Mapping[str, str],
    *,
    written: Optional[str] = None,
    resolved: Optional[str] = None,
    unresolved: Tuple[str, ...] = (),
    offset: int = 0,
) -> Occurrence:
    """An occurrence whose text is (part of) one scalar."""
    text = node.value if written is None else written
    length = len(text) if offset or written is not None else None
    return Occurrence(
        written=text,
        resolved=text if resolved is None else resolved,
        location=location(path, node, offset, length),
        kind=kind,
        context=dict(context),
        unresolved=unresolved,
    )


def clean_context(context: Dict[str, Optional[str]]) -> Dict[str, str]:
    """Context without the entries that have no value."""
    return {key: value for key, value in context.items() if value}
