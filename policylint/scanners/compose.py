"""Docker Compose files: `services.*.image`, `build.additional_contexts` `docker-image://` values
and the base images of a `build.dockerfile_inline` Dockerfile.

Interpolation follows compose: `${VAR}`, `$VAR`, `${VAR:-d}`, `${VAR-d}`, `${VAR:?e}` and `$$`,
with values from the `.env` beside the file and, only when `options.environ` is given
(`--use-env`), the process environment, which wins over `.env` as it does in compose.
`x-*` blocks are not services, but anchors defined there and merged into services are followed;
a reference reached through several aliases is reported once, at the line of its text.
A value holding `{{` is filled in by a template (Ansible, Jinja) before compose sees the
file: it is not a reference.
"""

from __future__ import annotations

import functools
import os

from policylint.model import Location, Occurrence, ScanError, ScanOptions
from policylint.scanners._yaml_common import (
    NULL_TAG,
    STR_TAG,
    Merged,
    not_a_string_error,
    occurrence,
    raw_children,
    scalar_location,
    scan_documents,
    string_value,
)
from policylint.variables import expand
from policylint.yamldoc import (
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    YamlError,
    compose_all,
    get,
    mapping_items,
    node_position,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, FrozenSet, Iterator, List, Mapping, Optional, Set, Tuple, Union

    Lookup = Dict[str, str]

KIND = "compose"
DOCKER_IMAGE = "docker-image://"
PROJECT_NAME = "COMPOSE_PROJECT_NAME"
_PROJECT_NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")


def scan(text: str, path: str, options: ScanOptions) -> Iterator[Union[Occurrence, ScanError]]:
    state = ComposeState(options, text)
    return scan_documents(text, path, lambda document: scan_document(document, path, state),
                          prepare=state.prepare)


class ComposeState:
    """What the compose documents of one file share: variables (read lazily) and reported nodes."""

    def __init__(self, options: ScanOptions, text: str) -> None:
        self.options = options
        self.text = text
        self.reported: Set[int] = set()
        self.merged = Merged()
        self.context_maps: Set[int] = set()  # additional_contexts mappings already read
        self._variables: Optional[Lookup] = None
        self.project_name: Optional[str] = None  # the file's top-level `name:`

    def prepare(self, documents: List[Node]) -> None:
        """What needs every compose document of the file: the project's `name:`, and which
        images a later document overrides."""
        for document in documents:
            name = string_value(get(document, "name"))
            if name is not None and "$" not in name:
                self.project_name = name
        self._skip_overridden(documents)

    def _skip_overridden(self, documents: List[Node]) -> None:
        """compose-go merges the documents of one file in order: a service's `image` in a later
        document replaces (or `!reset` removes) the one before, which is then never pulled."""
        named: Set[str] = set()
        for document in reversed(documents if len(documents) > 1 else ()):
            services = get(document, "services")
            if not isinstance(services, MappingNode):
                continue
            for name_node, service in mapping_items(services):
                image = self.merged.get(service, "image") if isinstance(service, MappingNode) else None
                if image is None:
                    continue
                if name_node.value in named:
                    self.reported.add(id(image))
                named.add(name_node.value)

    def lookup(self, name: str) -> Optional[str]:
        if self._variables is None:
            self._variables = load_variables(self.options)
        value = self._variables.get(name)
        if value is None and name == PROJECT_NAME:
            return self._project_name()
        return value

    def _project_name(self) -> Optional[str]:
        """compose sets COMPOSE_PROJECT_NAME for interpolation: the file's `name:`, else its
        folder's name made lowercase letters, digits, `-` and `_` (compose-go's normalization)."""
        if self.project_name is not None:
            return self.project_name
        folder = self.options.folder
        if folder is None:
            return None
        name = "".join(char for char in os.path.basename(folder).lower() if char in _PROJECT_NAME_CHARACTERS)
        return name.lstrip("-_") or None


def is_compose_document(document: Node) -> bool:
    """A top-level `services:` mapping whose values are mappings (at least one) or empty
    (`web:`, as an `extends` base may leave a service; compose-go accepts it)."""
    services = get(document, "services")
    if not isinstance(services, MappingNode) or not services.value:
        return False
    values = [value for _, value in mapping_items(services)]
    return any(isinstance(value, MappingNode) for value in values) and all(
        isinstance(value, MappingNode) or (isinstance(value, ScalarNode) and value.tag == NULL_TAG) for value in values)


def scan_document(document: Node, path: str, state: ComposeState) -> Iterator[Union[Occurrence, ScanError]]:
    services = get(document, "services")
    pairs = mapping_items(services) if isinstance(services, MappingNode) else _version_one_services(document)
    if pairs and not isinstance(services, MappingNode):
        line, column = node_position(pairs[0][0])
        yield ScanError("services at the top level, without `services:` (Compose file format v1): docker compose "
                        "v2 refuses this file; move them under `services:`", Location(path, line, column))
    for name_node, service in pairs:
        if not isinstance(service, MappingNode):
            continue
        name = name_node.value
        image_node = state.merged.get(service, "image")  # the document's own node: its id is stable
        image = _merge_tagged(image_node)
        build = _merge_tagged(state.merged.get(service, "build"))
        if isinstance(build, ScalarNode) and build.tag == NULL_TAG:
            build = None
        refused = not_a_string_error(image, path, "docker compose", dates=True)
        if refused is not None and id(image_node) not in state.reported:
            state.reported.add(id(image_node))
            yield refused
        elif isinstance(image, ScalarNode) and id(image_node) not in state.reported:
            state.reported.add(id(image_node))
            context = {"service": name}
            if build is not None:
                context["pushed"] = "true"
            found = _interpolated(image, path, state, context, image.value, 0)
            if found is not None:
                yield found
        if isinstance(build, MappingNode):
            yield from _additional_contexts(state.merged.get(build, "additional_contexts"), path, state, name)
            inline = state.merged.get(build, "dockerfile_inline")
            if isinstance(inline, ScalarNode) and string_value(inline) and id(inline) not in state.reported:
                state.reported.add(id(inline))
                yield from _inline_dockerfile(inline, build, path, state, name)


# Top-level keys of the Compose specification that are not services.
_TOP_LEVEL_KEYS = frozenset({"version", "name", "include", "services", "networks", "volumes", "configs", "secrets",
                             "models"})


def _version_one_services(document: Node) -> List[Tuple[ScalarNode, Node]]:
    """A Compose file format v1 keeps its services at the top level: mappings with an `image`
    or `build` under keys the Compose specification does not define (nor `x-` extensions)."""
    if not isinstance(document, MappingNode):
        return []
    return [(key, value) for key, value in mapping_items(document)
            if isinstance(value, MappingNode) and key.value not in _TOP_LEVEL_KEYS and not key.value.startswith("x-")
            and (get(value, "image") is not None or get(value, "build") is not None)]


def _merge_tagged(node: Optional[Node]) -> Optional[Node]:
    """A value with compose's merge tags read as compose reads it: `!reset` drops it, and
    `!override nginx:1.27` is the text `nginx:1.27` (a new node: remember the original's id)."""
    if node is None or node.tag == "!reset":
        return None
    if node.tag == "!override" and isinstance(node, ScalarNode):  # placed past the tag, as any tagged value
        return ScalarNode(STR_TAG, node.value, node.start_mark, node.end_mark, node.style)
    return node


def _inline_dockerfile(node: ScalarNode, build: MappingNode, path: str, state: ComposeState,
                       service: str) -> Iterator[Occurrence]:
    """The images a `dockerfile_inline` Dockerfile builds from (`FROM`, `COPY --from`...), read by
    the Dockerfile scanner after compose's interpolation, with the service's `build.args`."""
    from policylint.scanners import dockerfile

    written = node.value
    text, missing = written, ()
    if "$" in written:
        expansion = expand(written, state.lookup, dollar_escape=True)
        text, missing = expansion.value, expansion.unresolved
    # A literal block (`|`) keeps its lines: a reference sits at its own line, and at its own
    # column where interpolation left that line as written (else at the line's start). Any other
    # style (quoted with `\n`, folded), or values that brought in lines: at the value.
    lines, written_lines = text.split("\n"), written.split("\n")
    same_lines = len(lines) == len(written_lines)
    indent = _block_indent(state.text, node) if node.style == "|" and same_lines else None
    options = ScanOptions(build_args=_build_args(state.merged.get(build, "args"), state))

    def missing_in(row: int) -> Tuple[str, ...]:
        """The compose variables without a value that line `row` of the text uses."""
        line = written_lines[row - 1] if same_lines and row <= len(written_lines) else ""
        return tuple(name for name in missing if f"${name}" in line or f"${{{name}" in line)

    def image_as_written(row: int) -> Tuple[str, int]:
        """The image word of a `FROM` line (or of its continuation line) as the compose file
        writes it, flags skipped, and its 1-based column in the line ("" and 1 if none)."""
        line, start = written_lines[row - 1], 0
        for number, word in enumerate(line.split()):
            start = line.index(word, start)
            if not word.startswith("--") and not (number == 0 and word.upper() == "FROM"):
                return word, start + 1
            start += len(word)
        return "", 1

    for found in dockerfile.scan(text, path, options):
        row = found.location.line
        names = missing_in(row)
        changed = not same_lines or lines[row - 1] != written_lines[row - 1]
        column = found.location.column  # in the compose file's line, once it is known
        if isinstance(found, ScanError):
            if not (names and found.message.startswith("FROM requires")):
                continue  # lenient, as for Dockerfiles: only the references matter here
            # compose emptied the line's image (`FROM ${BASE}`, BASE unset): say which variable
            written_image, column = image_as_written(row)
            found = Occurrence(written_image, "", found.location, KIND, {"instruction": "FROM"}, names)
        elif changed and found.context.get("instruction") == "FROM":
            # the image as the compose file writes it (`${REG}/app:1.0`), where it stands there
            written_image, column = image_as_written(row) if same_lines else ("", 1)
            found = found._replace(written=written_image or found.written,
                                   unresolved=tuple(dict.fromkeys(found.unresolved + names)))
        elif changed:  # `COPY --from=`: where interpolation changed nothing before it, at its column
            if column > _common_prefix(lines[row - 1], written_lines[row - 1]) + 1:
                column = 1
            found = found._replace(unresolved=tuple(dict.fromkeys(found.unresolved + names)))
        if indent is None:
            where = scalar_location(path, node)
        elif changed:  # its end is not known
            where = Location(path, node.start_mark.line + 1 + row, indent + column)
        else:
            end = found.location.end_column
            where = Location(path, node.start_mark.line + 1 + row, indent + column,
                             None if end is None else indent + end)
        context = {"service": service, "instruction": found.context.get("instruction", "FROM")}
        yield found._replace(location=where, kind=KIND, context=context)


def _common_prefix(first: str, second: str) -> int:
    """How many leading characters two texts share."""
    for index, (a, b) in enumerate(zip(first, second)):
        if a != b:
            return index
    return min(len(first), len(second))


def _block_indent(text: str, node: ScalarNode) -> Optional[int]:
    """The indentation of a literal block scalar's content, from its first non-blank line."""
    lines = text[node.start_mark.index:node.end_mark.index].split("\n")[1:]
    for line in lines:
        if line.strip():
            return len(line) - len(line.lstrip(" "))
    return None


def builds(text: str, options: ScanOptions) -> List[Tuple[str, Dict[str, str], FrozenSet[str]]]:
    """(Dockerfile path, build args, named build contexts) of each service of a compose file in
    `options.folder` that builds from a Dockerfile on disk: `docker compose build` passes those
    args and contexts to that Dockerfile. Nothing for a file that does not parse (its own scan
    reports that), a remote context (a git URL) or an inline Dockerfile."""
    if options.folder is None:
        return []
    try:
        documents = compose_all(text)
    except (YamlError, ValueError, RecursionError):
        return []
    state = ComposeState(options, text)
    state.prepare(documents)
    found: List[Tuple[str, Dict[str, str], FrozenSet[str]]] = []
    for document in documents:
        services = get(document, "services")
        if not isinstance(services, MappingNode):
            continue
        for _, service in mapping_items(services):
            build = _merge_tagged(state.merged.get(service, "build")) if isinstance(service, MappingNode) else None
            context, dockerfile = (build, None) if isinstance(build, ScalarNode) else (
                state.merged.get(build, "context"), state.merged.get(build, "dockerfile"))
            if not isinstance(build, (ScalarNode, MappingNode)) or state.merged.get(build, "dockerfile_inline"):
                continue
            context_text = expand(string_value(context) or ".", state.lookup, dollar_escape=True).value
            if "://" in context_text or context_text.startswith("git@"):
                continue
            name = expand(string_value(dockerfile) or "Dockerfile", state.lookup, dollar_escape=True).value
            path = os.path.normpath(os.path.join(options.folder, context_text, name))
            args = _build_args(state.merged.get(build, "args"), state) if isinstance(build, MappingNode) else {}
            contexts = _context_names(state.merged.get(build, "additional_contexts"))
            found.append((path, args, contexts))
    return found


def _context_names(node: Optional[Node]) -> FrozenSet[str]:
    """The names of `build.additional_contexts` (mapping or `name=value` list)."""
    if isinstance(node, MappingNode):
        return frozenset(key for key, _ in raw_children(node) if key is not None)
    if isinstance(node, SequenceNode):
        return frozenset(item.value.partition("=")[0] for item in node.value
                         if isinstance(item, ScalarNode) and "=" in item.value)
    return frozenset()


def _build_args(node: Optional[Node], state: ComposeState) -> Dict[str, str]:
    """`build.args` as a mapping (`KEY: value`) or a list (`KEY=value`), interpolated; an
    argument without a value takes the variable of that name, as compose does."""
    pairs: List[tuple] = []
    if isinstance(node, MappingNode):
        pairs = [(key, string_value(value) if isinstance(value, ScalarNode) else None)
                 for key, value in raw_children(node) if key is not None]
    elif isinstance(node, SequenceNode):
        for item in node.value:
            if isinstance(item, ScalarNode):
                key, equals, value = item.value.partition("=")
                pairs.append((key, value if equals else None))
    args: Dict[str, str] = {}
    for key, value in pairs:
        value = state.lookup(key) if value is None else expand(value, state.lookup, dollar_escape=True).value
        if value is not None:
            args[key] = value
    return args


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
    if string_value(node) is None or not written.strip() or "{{" in written:
        return None  # `{{ image }}`: a template (Ansible, Jinja) fills it in before compose runs
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
    if environ is None:
        return _parsed_dotenv(text or "")  # shared by the compose files of a folder: read only
    variables = parse_dotenv(text or "", environ)
    variables.update(environ)
    return variables


@functools.lru_cache(maxsize=4)  # the compose files of one folder come one after another
def _parsed_dotenv(text: str) -> Lookup:
    """parse_dotenv without the process environment, once per `.env` text (a 1 MiB `.env`
    beside 81 compose files was parsed 81 times)."""
    return parse_dotenv(text)


# A `.env` of 1 MiB (the most read) whose lines each repeat a 4,000-character variable expanded
# to 400 MB; past this many characters of values built from variables, the rest stay unset.
_EXPANDED_CHARACTERS = 4 << 20


def parse_dotenv(text: str, environ: Optional[Mapping[str, str]] = None) -> Lookup:
    """`KEY=VALUE` lines as compose reads them: `export`, quotes, comments and blank lines, and
    the YAML style `KEY: VALUE` compose-go also accepts (the key ends at the first `=` or `:`).

    Unquoted and double-quoted values may use variables defined earlier (or in the process
    environment when given); single-quoted values are literal. Values built from variables are
    kept up to _EXPANDED_CHARACTERS in all, so a hostile file cannot take gigabytes.
    """
    values: Lookup = {}
    budget = _EXPANDED_CHARACTERS  # what values built from other variables may add up to

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
        cut = min((index for index in (line.find("="), line.find(":")) if index != -1), default=-1)
        key, sep, value = (line[:cut], line[cut], line[cut + 1:]) if cut != -1 else (line, "", "")
        key = key.strip()
        if not sep or not key or any(char.isspace() for char in key):
            continue
        value = value.strip()
        if "$" not in value:
            values[key] = _dotenv_value(value, lookup)
            continue
        expanded = _dotenv_value(value, lookup)
        budget -= len(expanded)
        if budget >= 0:
            values[key] = expanded
        else:  # values that repeat a long one (`B1=$A`, `B2=$A`... for a megabyte): left unset
            values.pop(key, None)
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
