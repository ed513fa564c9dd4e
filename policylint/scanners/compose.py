"""Docker Compose files: `services.*.image` and `build.additional_contexts` `docker-image://` values.

Interpolation follows compose: `${VAR}`, `$VAR`, `${VAR:-d}`, `${VAR-d}`, `${VAR:?e}` and `$$`,
with values from the `.env` beside the file and, only when `options.environ` is given
(`--use-env`), the process environment, which wins over `.env` as it does in compose.
`x-*` blocks are not services, but anchors defined there and merged into services are followed;
a reference reached through several aliases is reported once, at the line of its text.
"""

from __future__ import annotations

from typing import Dict, Iterator, List, Mapping, Optional, Set, Union

from policylint.model import Occurrence, ScanError, ScanOptions
from policylint.scanners._yaml_common import (
    NULL_TAG,
    Merged,
    occurrence,
    raw_children,
    scan_documents,
    string_value,
)
from policylint.variables import expand
from policylint.yamldoc import MappingNode, Node, ScalarNode, SequenceNode, get, mapping_items

KIND = "compose"
DOCKER_IMAGE = "docker-image://"

Lookup = Dict[str, str]


def scan(text: str, path: str, options: ScanOptions) -> Iterator[Union[Occurrence, ScanError]]:
    state = ComposeState(options)
    return scan_documents(text, path, lambda document: scan_document(document, path, state))


class ComposeState:
    """What the compose documents of one file share: variables (read lazily) and reported nodes."""

    def __init__(self, options: ScanOptions) -> None:
        self.options = options
        self.reported: Set[int] = set()
        self.merged = Merged()
        self.context_maps: Set[int] = set()  # additional_contexts mappings already read
        self._variables: Optional[Lookup] = None

    def lookup(self, name: str) -> Optional[str]:
        if self._variables is None:
            self._variables = load_variables(self.options)
        return self._variables.get(name)


def is_compose_document(document: Node) -> bool:
    """A top-level `services:` mapping whose values are all mappings (at least one)."""
    services = get(document, "services")
    if not isinstance(services, MappingNode) or not services.value:
        return False
    return all(isinstance(value, MappingNode) for _, value in mapping_items(services))


def scan_document(document: Node, path: str, state: ComposeState) -> Iterator[Occurrence]:
    services = get(document, "services")
    if not isinstance(services, MappingNode):
        return
    for name_node, service in mapping_items(services):
        if not isinstance(service, MappingNode):
            continue
        name = name_node.value
        image = state.merged.get(service, "image")
        build = state.merged.get(service, "build")
        if isinstance(build, ScalarNode) and build.tag == NULL_TAG:
            build = None
        if isinstance(image, ScalarNode) and id(image) not in state.reported:
            state.reported.add(id(image))
            context = {"service": name}
            if build is not None:
                context["pushed"] = "true"
            found = _interpolated(image, path, state, context, image.value, 0)
            if found is not None:
                yield found
        if isinstance(build, MappingNode):
            yield from _additional_contexts(state.merged.get(build, "additional_contexts"), path, state, name)


def _additional_contexts(node: Optional[Node], path: str, state: ComposeState, service: str) -> Iterator[Occurrence]:
    entries: List[tuple] = []  # (scalar node, text of the value, offset of the value in the scalar)
    # A mapping and what it merges in, each mapping read once per file (merge chains stay linear).
    maps = [node] if isinstance(node, MappingNode) else []
    while maps:
        current = maps.pop()
        if id(current) in state.context_maps:
            continue
        state.context_maps.add(id(current))
        for key, value in raw_children(current):
            if isinstance(value, ScalarNode) and key is not None:
                entries.append((value, value.value, 0))
            elif key is None and isinstance(value, (MappingNode, SequenceNode)):
                merged = value.value if isinstance(value, SequenceNode) else [value]
                maps.extend(item for item in reversed(merged) if isinstance(item, MappingNode))
    if isinstance(node, SequenceNode):
        for item in node.value:
            if isinstance(item, ScalarNode) and "=" in item.value:
                offset = item.value.index("=") + 1
                entries.append((item, item.value[offset:], offset))
    for scalar, value, offset in entries:
        if not value.startswith(DOCKER_IMAGE) or id(scalar) in state.reported:
            continue
        state.reported.add(id(scalar))
        reference = value[len(DOCKER_IMAGE) :]
        offset += len(DOCKER_IMAGE)
        found = _interpolated(scalar, path, state, {"service": service}, reference, offset)
        if found is not None:
            yield found


def _interpolated(
    node: ScalarNode, path: str, state: ComposeState, context: Mapping[str, str], written: str, offset: int
) -> Optional[Occurrence]:
    if string_value(node) is None or not written.strip():
        return None
    if "$" in written:
        expansion = expand(written, state.lookup, dollar_escape=True)
        resolved, unresolved = expansion.value, expansion.unresolved
    else:
        resolved, unresolved = written, ()
    whole = offset == 0 and written == node.value
    return occurrence(
        node,
        path,
        KIND,
        context,
        written=None if whole else written,
        resolved=resolved,
        unresolved=unresolved,
        offset=offset,
    )


def load_variables(options: ScanOptions) -> Lookup:
    """`.env` beside the file, overridden by the process environment when it is given."""
    try:
        text = options.read_sibling(".env")
    except (OSError, UnicodeError, ValueError):
        text = None
    environ = options.environ
    variables = parse_dotenv(text or "", environ)
    if environ is not None:
        variables.update(environ)
    return variables


def parse_dotenv(text: str, environ: Optional[Mapping[str, str]] = None) -> Lookup:
    """`KEY=VALUE` lines as compose reads them: `export`, quotes, comments and blank lines.

    Unquoted and double-quoted values may use variables defined earlier (or in the process
    environment when given); single-quoted values are literal.
    """
    values: Lookup = {}

    def lookup(name: str) -> Optional[str]:
        if environ is not None and name in environ:
            return environ[name]
        return values.get(name)

    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export ") or line.startswith("export\t"):
            line = line[len("export") :].lstrip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key or any(char.isspace() for char in key):
            continue
        values[key] = _dotenv_value(value.strip(), lookup)
    return values


def _dotenv_value(value: str, lookup) -> str:
    if value[:1] == "'":
        end = value.find("'", 1)
        return value[1:] if end == -1 else value[1:end]
    if value[:1] == '"':
        out: List[str] = []
        index = 1
        while index < len(value) and value[index] != '"':
            char = value[index]
            if char == "\\" and index + 1 < len(value):
                nxt = value[index + 1]
                out.append({"n": "\n", "t": "\t", "r": "\r"}.get(nxt, nxt))
                index += 2
                continue
            out.append(char)
            index += 1
        return expand("".join(out), lookup, dollar_escape=True).value
    for index, char in enumerate(value):  # an inline comment needs whitespace before `#`
        if char == "#" and index > 0 and value[index - 1] in " \t":
            value = value[:index].rstrip()
            break
    return expand(value, lookup, dollar_escape=True).value
