"""Helm chart values files (`values*.yaml` beside a `Chart.yaml`).

- A string under any key ending in `image` (any case: `image`, `mlmdImage`) is a reference,
  unless the key is not `image` itself and the string is a URL or a picture's file name
  (`logoImage: https://example.com/logo.png`, `ogImage: static/og.png`).
- A mapping under such a key (or one ending in `images`) with `repository` (or `repo`, or
  `name`), `registry`, `tag`, `digest` (or prometheus-community's `sha`, the hex after
  `sha256:`) is joined into one `registry/repository:tag@digest` (`version` is the tag where
  there is no `tag`: Linkerd's `{name, version}`); a mapping of such mappings
  (`images: {a: {...}, b: {...}}`, `image: {busybox: {...}}`) gives one reference per entry.
  `written` is the join of what the mapping itself says; `resolved` adds the defaults: the
  root `global.imageRegistry` (or `global.image.registry`), else the mapping's own
  `defaultRegistry` (Kyverno), when the mapping has no registry and its repository does not
  start with a registry host; a set `global.imageRegistry` also replaces a mapping's
  `registry: docker.io`, as Bitnami's charts render it. For an empty or missing tag:
  `global.imageTag`, else the chart's `appVersion` from the `Chart.yaml` beside the file. A set
  `override` (Cilium) is the whole reference; `useDigest: false` leaves the digest out.
  Tags are taken as written (`tag: 1.10` is "1.10"). An empty repository is no reference,
  unless the file has one root `default…Repository` (Airflow's `defaultAirflowRepository`, with
  its `…Tag` and `…Digest`), which it then renders.
- ingress-nginx style: such a mapping may name its repository `image` (`image: {registry,
  image, tag, digest}`), when it has a registry, tag or digest beside it.
- An image string whose mapping keeps its tag beside it (`image` with `tag` or `imageTag`,
  `fooImage` with `fooImageTag` or `fooImageVersion`, as kserve's, Linkerd's and older stable
  charts' templates join them) is
  joined with that tag, unless it has a tag or digest of its own. NVIDIA's operators split it
  three ways: an `image:` without `/` beside a `repository:` is `repository/image`, and then
  `version:` is a tag too.
- Istio style: an `image:` string without `/` is joined with the nearest non-empty `hub`
  (looked up in the mapping that holds it, then each enclosing one, each also through its
  `global.hub`), and the nearest `tag` (and `variant`, appended as `-variant`) found the same
  way, when a hub exists: `hub/image:tag`. Without a hub the string is taken as it is.
- Anything containing `{{` is a template, not a reference, and is skipped.
"""

from __future__ import annotations

from policylint.model import CHART_APP_VERSION, Location, Occurrence, ScanError, ScanOptions
from policylint.scanners._yaml_common import (
    Merged,
    has_tag_or_digest,
    joined_with_siblings,
    may_alias,
    may_spell_image,
    occurrence,
    piece_text,
    raw_children,
    scalar_location,
    scan_documents,
    string_value,
)
from policylint.yamldoc import MappingNode, Node, ScalarNode, SequenceNode, YamlError, compose_all, get

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, Iterator, List, Optional, Set, Tuple, Union

    Piece = Tuple[Optional[str], Optional[Node]]  # (text, node that says it)
    _Entry = Tuple[Node, str, Tuple[MappingNode, ...]]

KIND = "helm"
REPOSITORY_KEYS = ("repository", "repo", "name")
DIGEST_KEYS = ("digest", "sha")


# The text pre-filter: every reference in values is found under a key that says `image` in
# some case (`image`, `dbImage`, `IMAGE`, `imageK8S`, `images`), so a mapping or list whose
# own text holds no `image` in any case, and whose key says none, is not walked. Where text can
# stand for other text the filter steps aside: an escape in a double-quoted key may spell it,
# and an `*alias` (a `<<` merge of one) brings in text from elsewhere. tests/test_parallel_identical.py
# checks the corpus gives the same references and findings with it turned off.
PREFILTER = True


def scan(text: str, path: str, options: ScanOptions) -> Iterator[Union[Occurrence, ScanError]]:
    chart = Chart(options)
    return scan_documents(text, path, lambda document: scan_document(document, path, chart, text))


def scan_document(document: Node, path: str, chart: Chart, text: Optional[str] = None) -> Iterator[Occurrence]:
    """The references of one values document (`text`: the file's, for the pre-filter)."""
    return _Walk(document, path, chart, text).run()


def scan_embedded_values(values: Node, path: str, key_path: str, context: Dict[str, str],
                         text: Optional[str] = None) -> Iterator[Occurrence]:
    """The references of values written inside another object (a Flux HelmRelease's
    `spec.values`): keys are shown under `key_path`, beside the object's `context`. No chart
    is at hand, so an empty tag has no `appVersion` to fall back to."""
    for found in _Walk(values, path, Chart(ScanOptions()), text).run():
        key = found.context.get("key")
        yield found._replace(context={**context, "key": f"{key_path}.{key}" if key else key_path})


class Chart:
    """The chart's `appVersion`, read from the `Chart.yaml` beside the values file when needed."""

    def __init__(self, options: ScanOptions) -> None:
        self.options = options
        self._loaded = False
        self._app_version: Optional[str] = None

    @property
    def app_version(self) -> Optional[str]:
        if not self._loaded:
            self._loaded = True
            self._app_version = _read_app_version(self.options)
        return self._app_version


def _read_app_version(options: ScanOptions) -> Optional[str]:
    try:
        text = options.read_sibling("Chart.yaml")
        documents = compose_all(text) if text else []
    except (OSError, UnicodeError, ValueError, YamlError):
        return None
    node = get(documents[0], "appVersion") if documents else None
    if isinstance(node, ScalarNode) and node.tag == _FLOAT_TAG:
        return _as_helm_renders(node.value)
    return piece_text(node)


_FLOAT_TAG = "tag:yaml.org,2002:float"


# What follows `image` in a key that names an attribute of an image, not another image.
_IMAGE_ATTRIBUTES = ("pull", "registry", "repo", "tag", "name", "version", "digest", "prefix", "suffix", "secret",
                     "credential", "policy", "hash", "sha", "id", "url", "path", "file", "size", "format", "type")


def _names_a_product_image(key: Optional[str], value: Node) -> bool:
    """A key that names one image of a product after `image` (Consul's `global.imageK8S`,
    `imageConsulDataplane`, `imageEnvoy`), with a value that has a repository path or a tag; not
    an attribute of an image (`imagePullPolicy`, `imageTag`, `imageRegistry`, `imageRepository`)."""
    if not key or len(key) < 6 or not key.startswith("image") or not (key[5].isupper() or key[5].isdigit()):
        return False
    text = value.value if isinstance(value, ScalarNode) else ""
    return ("/" in text or ":" in text) and not key[5:].lower().startswith(_IMAGE_ATTRIBUTES)


def _as_helm_renders(text: str) -> str:
    """An unquoted number as appVersion is a float to Helm, which renders it as Go prints a
    float64: `appVersion: 6.10` deploys the tag `6.1` (pgadmin4's chart did, rowanruseler/helm-charts
    #156), `7.0` the tag `7`. `helm lint` refuses it ("should be of type string")."""
    try:
        value = float(text.replace("_", ""))
    except ValueError:  # sexagesimal `1:30.5`, which Go's YAML does not read as a number either
        return text
    if value != value or value in (float("inf"), float("-inf")):
        return text
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


def _lowered_text(document: Node, text: Optional[str]) -> Optional[str]:
    """`text` in lower case, where the pre-filter may use it for `document` (see PREFILTER);
    None where it may not. Lower-casing keeps every index where it keeps the length (no
    character of the text lower-cases into two), and only then is the text used."""
    if not PREFILTER or text is None or may_alias(text):
        return None
    if may_spell_image(text, document.start_mark.index, document.end_mark.index):
        return None
    global _last_lowered
    if _last_lowered[0] is not text:  # a manifest's HelmReleases share their file's text
        lowered = text.lower()
        _last_lowered = (text, lowered if len(lowered) == len(text) else None)
    return _last_lowered[1]


_last_lowered: Tuple[Optional[str], Optional[str]] = (None, None)


class _Walk:
    def __init__(self, document: Node, path: str, chart: Chart, text: Optional[str] = None) -> None:
        self.document = document
        self.path = path
        self.chart = chart
        self.lowered = _lowered_text(document, text)
        self.reported: Set[int] = set()
        self.reported_pieces: Set[tuple] = set()
        self.get = Merged().get  # merge lookups memoized: a chain of `<<` merges stays linear
        glob = self.get(document, "global")
        # `global.imageRegistry`/`imageTag` (Bitnami and most charts), or the same as a map,
        # `global.image.registry`/`tag` (SAP CAP's charts). A set `global.imageRegistry` also
        # replaces a mapping's `registry: docker.io`: Bitnami's charts write that in every image
        # and their `common.images.image` renders the global one over it. A mapping naming
        # another registry keeps it (kubeflow's charts name `quay.io` beside a global one).
        shared = self.get(glob, "image")
        self.global_registry = _piece(self.get(glob, "imageRegistry"))
        self.global_registry_wins = bool(self.global_registry[0])
        if self.global_registry[0] is None:
            self.global_registry = _piece(self.get(shared, "registry"))
        self.global_tag = _piece(self.get(glob, "imageTag"))
        if self.global_tag[0] is None:
            self.global_tag = _piece(self.get(shared, "tag"))
        self.default_image = self._default_image()

    def _default_image(self) -> Tuple[Piece, Piece, Piece]:
        """Airflow's root `defaultAirflowRepository`, `defaultAirflowTag`, `defaultAirflowDigest`:
        what its image maps with `repository: ~` render (`repository | default
        .Values.defaultAirflowRepository`). Used when the file has exactly one such repository."""
        none: Piece = (None, None)
        if not isinstance(self.document, MappingNode):
            return none, none, none
        names = [name for name, _ in raw_children(self.document)
                 if name and name.startswith("default") and name.endswith("Repository") and len(name) > 17]
        repository = _piece(self.get(self.document, names[0])) if len(names) == 1 else none
        if repository[0] is None:
            return none, none, none
        stem = names[0][: -len("Repository")]
        root = self.document
        return repository, _piece(self.get(root, stem + "Tag")), _piece(self.get(root, stem + "Digest"))

    def run(self) -> Iterator[Occurrence]:
        find = self.lowered.find if self.lowered is not None else None
        visited: Set[int] = set()
        # (node, dotted key path, enclosing mappings from the root), or an occurrence to emit
        # in document order
        stack: List[Union[Occurrence, _Entry]] = [(self.document, "", ())]
        while stack:
            entry = stack.pop()
            if isinstance(entry, Occurrence):
                yield entry
                continue
            node, key_path, ancestors = entry
            if id(node) in visited:
                continue
            visited.add(id(node))
            pending: List[Union[Occurrence, _Entry]] = []
            if node.__class__ is SequenceNode:  # a list item is a reference only as an image map
                pending = [(item, f"{key_path}[{index}]", ancestors) for index, item in enumerate(node.value)
                           if item.__class__ is not ScalarNode
                           and (find is None or find("image", item.start_mark.index, item.end_mark.index) != -1)]
            elif node.__class__ is MappingNode:
                inner = ancestors + (node,)
                for key, value in raw_children(node):
                    if value.__class__ is ScalarNode:
                        if not (key or "").lower().endswith("image") and not _names_a_product_image(key, value):
                            continue  # the common case, settled without building its key path
                    elif find is not None and find("image", value.start_mark.index, value.end_mark.index) == -1 \
                            and not (key or "").lower().endswith(("image", "images")):
                        continue  # nothing below says `image`: no reference there (see PREFILTER)
                    child_path = key_path if key is None else (f"{key_path}.{key}" if key_path else key)
                    pending.extend(self._child(key, value, child_path, inner, visited))
            stack.extend(reversed(pending))

    def _child(
        self, key: Optional[str], value: Node, key_path: str, ancestors: tuple, visited: Set[int]
    ) -> List[Union[Occurrence, _Entry]]:
        """What one mapping entry gives: occurrences, or nodes to walk into."""
        lowered = (key or "").lower()
        if isinstance(value, ScalarNode) and (lowered.endswith("image") or _names_a_product_image(key, value)):
            found = self._string(value, key or "", key_path, ancestors)
            return [found] if found is not None else []
        if lowered.endswith(("image", "images")) and isinstance(value, MappingNode):
            if self._is_image_map(value):
                candidates = [(value, key_path)]
            else:
                candidates = [(child, f"{key_path}.{name}") for name, child in raw_children(value) if name]
                candidates = [(child, path) for child, path in candidates if self._is_image_map(child)]
            built = [self._build(child, path) for child, path in candidates]
            found = [occurrence for occurrence in built if occurrence is not None]
            if found:
                visited.update(id(child) for child, _ in candidates)
                return list(found)
        if isinstance(value, (MappingNode, SequenceNode)):
            return [(value, key_path, ancestors)]
        return []

    def _build(self, node: MappingNode, key_path: str) -> Optional[Occurrence]:
        if id(node) in self.reported:
            return None
        self.reported.add(id(node))
        get = self.get
        override = get(node, "override")  # Cilium's mirror setting: the whole reference, used as written
        if isinstance(override, ScalarNode) and string_value(override) and "{{" not in override.value:
            return occurrence(override, self.path, KIND, {"key": f"{key_path}.override"})
        keys = [key for key in REPOSITORY_KEYS if get(node, key) is not None]
        if not keys and self._image_names_repository(node):
            keys = ["image"]
        holder = get(node, keys[0]) if keys else None
        repository = _piece(holder) if keys else None
        # `repository: ~` beside Airflow's root `defaultAirflowRepository`: placed where the first
        # map that leaves it empty does (the maps that take the same defaults are one reference)
        defaulted = repository is not None and repository[0] is None and self.default_image[0][0] is not None
        if defaulted:
            repository = self.default_image[0]
        if repository is None or repository[0] is None or repository[1] is None:
            return None
        registry, tag = _piece(get(node, "registry")), _piece(get(node, "tag"))
        if not tag[0]:
            version = _piece(get(node, "version"))  # Linkerd's `{name, version}`
            tag = version if version[0] else tag
        digest = (None, None)
        for key in DIGEST_KEYS:
            digest = _piece(get(node, key))
            if digest[0] is not None:
                if key == "sha" and ":" not in digest[0]:
                    digest = ("sha256:" + digest[0], digest[1])
                break
        if defaulted and not tag[0] and not digest[0]:
            tag, digest = self.default_image[1], self.default_image[2]
        if (piece_text(get(node, "useDigest")) or "").lower() == "false":  # Cilium's: written, not used
            digest = (None, None)
        texts = [piece[0] or "" for piece in (repository, registry, tag, digest)]
        if any("{{" in text for text in texts):
            return None
        used_registry = registry
        hub = self.global_registry_wins and registry[0] in DOCKER_HUB_HOSTS
        if (not registry[0] or hub) and not _has_registry(repository[0]):
            used_registry = self.global_registry
            if not used_registry[0]:  # Kyverno: `default (default .image.defaultRegistry .globalRegistry) ...`
                fallback = _piece(get(node, "defaultRegistry"))
                used_registry = fallback if fallback[0] else used_registry
        used_tag = tag
        unresolved: Tuple[str, ...] = ()
        if not tag[0] and not has_tag_or_digest(repository[0]):
            used_tag = self.global_tag if self.global_tag[0] else (self.chart.app_version, tag[1])
            if used_tag[0] is None and digest[0] is None:
                # the chart's template writes its appVersion (`tag | default .Chart.AppVersion`),
                # or its own default values decide, for an override file: not `latest`
                unresolved = (CHART_APP_VERSION,)
        # mappings that merge the same pieces in (`<<: *image`) give one reference, reported once
        deciding = tuple(id(piece[1]) for piece in (repository, used_registry, used_tag, digest))
        if deciding in self.reported_pieces:
            return None
        self.reported_pieces.add(deciding)
        written = _join(registry[0], repository[0], tag[0], digest[0])
        resolved = _join(used_registry[0], repository[0], used_tag[0], digest[0])
        parts: Dict[str, Location] = {}
        for name, piece in (("registry", used_registry), ("tag", used_tag), ("digest", digest)):
            if piece[1] is not None and (piece[0] is not None or name == "tag"):
                parts[name] = scalar_location(self.path, piece[1])
        parts["repository"] = scalar_location(self.path, repository[1])
        return Occurrence(
            written=written,
            resolved=resolved,
            location=scalar_location(self.path, holder if defaulted else repository[1]),
            kind=KIND,
            context={"key": key_path},
            unresolved=unresolved,
            parts=parts,
        )

    def _string(self, node: ScalarNode, key: str, key_path: str, ancestors: tuple) -> Optional[Occurrence]:
        text = string_value(node)
        if text is None or "{{" in text or id(node) in self.reported:
            return None
        exact = key.lower() == "image"
        if not exact and _is_picture(text):
            return None
        self.reported.add(id(node))
        hub = self._nearest(ancestors, "hub") if exact and "/" not in text else (None, None)
        if hub[0] is None or "{{" in hub[0]:
            return self._with_sibling_tag(node, key, key_path, ancestors[-1])
        tag: Piece = (None, None)
        if not has_tag_or_digest(text):
            tag = self._nearest(ancestors, "tag")
            variant = self._nearest(ancestors, "variant")[0]
            if tag[0] is not None and variant:
                tag = (f"{tag[0]}-{variant}", tag[1])
        joined = _join(hub[0], text, tag[0], None)
        if "{{" in joined:
            return None
        where = scalar_location(self.path, node)
        parts = {"registry": scalar_location(self.path, hub[1]), "repository": where}
        if tag[1] is not None:
            parts["tag"] = scalar_location(self.path, tag[1])
        return Occurrence(joined, joined, where, KIND, {"key": key_path}, parts=parts)

    def _with_sibling_tag(self, node: ScalarNode, key: str, key_path: str, holder: MappingNode) -> Optional[Occurrence]:
        """The image string, joined with what its mapping keeps beside it (`image` with `tag` or
        `imageTag`, `fooImage` with `fooImageTag`, NVIDIA's `repository` + `version`), as chart
        templates join them."""
        exact = key.lower() == "image"
        tag_keys = (f"{key}Tag", f"{key}Version", "tag") if exact else (f"{key}Tag", f"{key}Version")
        context = {"key": key_path}
        joined = joined_with_siblings(node, holder, self.get, self.path, KIND, context, tag_keys, prefixed=exact)
        return joined if joined is not None else occurrence(node, self.path, KIND, context)

    def _nearest(self, ancestors: tuple, key: str) -> Piece:
        """The nearest non-empty `key` (or `global.key`) from the innermost mapping outwards."""
        for mapping in reversed(ancestors):
            for holder in (mapping, self.get(mapping, "global")):
                piece = _piece(self.get(holder, key))
                if piece[0] is not None:
                    return piece
        return (None, None)

    def _is_image_map(self, node: Node) -> bool:
        if not isinstance(node, MappingNode):
            return False
        return any(isinstance(self.get(node, key), ScalarNode) for key in (*REPOSITORY_KEYS, "override")) \
            or self._image_names_repository(node)

    def _image_names_repository(self, node: MappingNode) -> bool:
        """An image map that names its repository `image` (ingress-nginx: `image: {registry,
        image, tag, digest}`): an `image` string beside a registry, tag or digest."""
        return isinstance(self.get(node, "image"), ScalarNode) \
            and any(self.get(node, key) is not None for key in ("registry", "tag", *DIGEST_KEYS))


def _piece(node: Optional[Node]) -> Piece:
    text = piece_text(node)
    return (text, node) if text is not None else (None, node if isinstance(node, ScalarNode) else None)


# A key like `logoImage` or `ogImage` may hold a picture for a web UI, not a container: a URL
# (no reference has `://`) or a file with a picture's extension.
_PICTURE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ico", ".bmp", ".avif")


def _is_picture(text: str) -> bool:
    return "://" in text or text.lower().endswith(_PICTURE_EXTENSIONS)


# How values files spell Docker Hub's registry in an image mapping.
DOCKER_HUB_HOSTS = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"})


def _has_registry(repository: str) -> bool:
    """Whether the first component is a registry host (as in the reference grammar)."""
    first, slash, _ = repository.partition("/")
    return bool(slash) and ("." in first or ":" in first or first == "localhost")


def _join(registry: Optional[str], repository: str, tag: Optional[str], digest: Optional[str]) -> str:
    text = f"{registry.rstrip('/')}/{repository}" if registry else repository
    if tag:
        text += f":{tag}"
    if digest:
        text += f"@{digest}"
    return text
