"""Kubernetes manifests: container images anywhere in a document that has `apiVersion` and `kind`.

`containers`, `initContainers` and `ephemeralContainers` lists are found at any depth, so a Pod,
a Deployment, a CronJob's `jobTemplate.spec.template`, the items of a `List` and custom
resources that embed a pod spec (Argo Rollouts, KServe, Kubeflow...) all work the same way;
image volumes (`volumes[].image.reference`) are references too. Annotations, labels, ConfigMap
and Secret data, `args`, `command` and `env` are never walked into. A mapping nested in the
document that has `apiVersion`, `kind` and `metadata` itself (a `List` item) becomes the object
named in the context, with its own namespace.

Custom resources (an API group with a `.` that is not one of Kubernetes' own `*.k8s.io` groups)
often name images outside a pod spec (`Prometheus.spec.image`, `SparkApplication.spec.image`, Tekton
`steps`, Zalando `sidecars`), so in them every `image:` string is a reference. Objects of the
groups whose `image` fields are patterns, repository names or machine images, not references
(Kyverno, Gatekeeper, Flux image automation, Kargo, Cluster API infrastructure providers), are
not scanned at all. A value holding `{{` (Argo Workflows parameters, unrendered templates) or
`$(` (Tekton parameters), or starting with `ko://` (an import path `ko` builds and replaces), is
not a reference. A value holding `$VAR` or `${VAR}` is an envsubst template: the variable is
reported as unresolved (`${VAR:-default}` takes the default), not the text as an invalid
reference. In an OpenShift Template, `${NAME}` takes the default `value` of the template's
parameter `NAME`. Helm values inside a Flux HelmRelease or an Argo CD Application are read by
the Helm values walk (see HELM_VALUES).
"""

from __future__ import annotations

import re

from policylint.model import Occurrence, ScanError, ScanOptions
from policylint.scanners import kustomize
from policylint.scanners._yaml_common import (
    MERGE_TAG,
    Merged,
    clean_context,
    joined_with_siblings,
    may_alias,
    may_spell_image,
    not_a_string_error,
    occurrence,
    piece_text,
    scan_documents,
    string_value,
)
from policylint.scanners.helm import scan_embedded_values
from policylint.variables import expand
from policylint.yamldoc import MappingNode, Node, ScalarNode, SequenceNode, parses, unusual_breaks

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, FrozenSet, Iterator, List, Mapping, Optional, Set, Tuple, Union

    Context = Dict[str, str]
    Header = Tuple[str, str]  # an object's `apiVersion` and `kind`, looked up once per object

KIND = "kubernetes"
CONTAINER_LISTS = frozenset({"containers", "initContainers", "ephemeralContainers"})
NOT_IMAGES = frozenset({"annotations", "labels", "args", "command", "env", "managedFields"})
OBJECT_DATA = frozenset({"data", "binaryData", "stringData"})
_BUILTIN = (
    ("admissionregistration", "apiextensions", "apiregistration", "authentication", "authorization")
    + ("certificates", "coordination", "discovery", "events", "flowcontrol.apiserver", "internal.apiserver")
    + ("networking", "node", "rbac.authorization", "resource", "scheduling", "storage", "storagemigration")
)
BUILTIN_GROUPS = frozenset(f"{name}.k8s.io" for name in _BUILTIN)
# Objects that carry Helm values for a chart they install: the values are read as a values
# file is (image maps joined), not as a manifest. (group, kind) -> where the values are.
HELM_VALUES = {
    ("helm.toolkit.fluxcd.io", "HelmRelease"): (("spec", "values"),),
    ("argoproj.io", "Application"): (("spec", "source", "helm", "valuesObject"),
                                     ("spec", "sources", "*", "helm", "valuesObject")),
}
# Custom resources whose operator pulls `image:version` when `image` has no tag of its own
# (argocd-operator's CombineImageTag: `image: quay.io/argoproj/argocd` + `version: v2.14.20`).
# Not a general rule: prometheus-operator and ECK use such an `image` as written.
VERSION_IS_TAG = frozenset({("argoproj.io", "ArgoCD")})
# Where those charts are installed, which selects environments: Flux's `targetNamespace` (else
# the HelmRelease's own namespace); Argo CD's destination (the Application itself lives in the
# control plane's namespace, `argocd`, which says nothing of where the workloads run).
INSTALL_NAMESPACE = {
    ("helm.toolkit.fluxcd.io", "HelmRelease"): (("spec", "targetNamespace"), True),
    ("argoproj.io", "Application"): (("spec", "destination", "namespace"), False),
}
# Kyverno and Gatekeeper hold patterns, Flux image automation and Kargo repositories to watch,
# Cluster API infrastructure providers machine images (GCE, Glance, AMI names), not containers.
NOT_REFERENCE_GROUPS = ("kyverno.io", "gatekeeper.sh", "image.toolkit.fluxcd.io", "kargo.akuity.io",
                        "infrastructure.cluster.x-k8s.io")
# Values that a tool replaces before anything is pulled: unrendered templates and Argo
# parameters (`{{`), Tekton and Argo Events parameters (`$(params.image)`), and ko's import
# paths (`ko://knative.dev/serving/cmd/queue`, built and replaced by `ko resolve`).
PLACEHOLDERS = ("{{", "$(")
KO_PREFIX = "ko://"


# The text pre-filter: every reference in a manifest is the value of an `image` key (a
# container's, a custom resource's, an image volume's `image.reference`), and a collection's
# text lies between its marks. So a document whose text holds no `image` is not walked, nor,
# inside a document, a mapping or list whose own text holds none; where it cannot change what is
# found, such a document is not even composed, only checked for syntax (text_to_compose). Where
# text can stand for other text the filter steps aside: a hex escape or an escaped line break in
# a double-quoted key can spell `image` without writing it (the whole document is walked), and
# an `*alias` (or a `<<` merge of one) brings in text from elsewhere (in a file with a `*` and
# an `&`, see may_alias, subtrees are walked).
# tests/test_parallel_identical.py checks the corpus gives the same references and findings
# with it turned off.
PREFILTER = True

# A document the walk would skip whole is not even composed where that cannot change what is
# found (text_to_compose): its text is blanked out, and libyaml only checks its syntax, in C.
_DOCUMENT_START_RE = re.compile(r"---(?=[ \t\r\n]|\Z)")  # at the start of a line
# where an anchor or alias may start (after a blank, a flow indicator or `:`): an unknown alias
# or a repeated anchor is an error that only composing finds
_ANCHOR_OR_ALIAS_RE = re.compile(r"(?:\A|[\s\[{,:])[&*]")


def scan(text: str, path: str, options: ScanOptions) -> Iterator[Union[Occurrence, ScanError]]:
    state = KubeState(text, path, options)

    def scan_object(document: Node) -> Iterator[Occurrence]:
        if is_kubernetes_document(document, state.merged):
            yield from scan_document(document, path, state)

    return scan_documents(text, path, scan_object, compose_text=text_to_compose(text))


def _document_starts(text: str) -> List[int]:
    """0, where each `---` line (a document's start marker) starts, and the text's length. A
    `...` (a document's end) is not a cut: the documents on either side of it are judged as one."""
    cuts = [0]
    index = text.find("\n---")  # str.find: a `^` regular expression would try every character
    while index != -1:
        if _DOCUMENT_START_RE.match(text, index + 1):
            cuts.append(index + 1)
        index = text.find("\n---", index + 4)
    cuts.append(len(text))
    return cuts


def text_to_compose(text: str) -> str:
    """`text` with every document that holds no `image` blanked out (its `---` kept, the rest made
    as many spaces and line breaks), when that changes nothing the scan finds (see PREFILTER).

    Every node composed from it has the line, column and index it has in `text`. A document is
    kept as written if it may hold an image anyway (an escape spelling `image`), if composing it
    could fail where parsing does not (an anchor or alias), if another document may need it (a
    top-level compose `services:`), or if blanking could move a line (a lone CR); `text` is kept
    whole where a directive (`%TAG`) may apply across documents, where NEL, U+2028 or U+2029
    count as line breaks, or where a blanked document does not parse: composing `text` then
    reports the error as ever. Duplicate keys are not looked for in a blanked document.
    """
    if not PREFILTER:
        return text
    cuts = _document_starts(text)
    carriage_returns = "\r" in text
    runs: List[List[int]] = []  # [start, end] of each run of neighbouring blanked documents
    for start, end in zip(cuts, cuts[1:]):
        # the searches for a literal first: a regular expression without one tries every character
        if (text.find("image", start, end) != -1 or text.find("services", start, end) != -1
                or may_spell_image(text, start, end)
                or ((text.find("&", start, end) != -1 or text.find("*", start, end) != -1)
                    and _ANCHOR_OR_ALIAS_RE.search(text, start, end))
                or (carriage_returns and text.count("\r", start, end) != text.count("\r\n", start, end))):
            continue
        if runs and runs[-1][1] == start:
            runs[-1][1] = end
        else:
            runs.append([start, end])
    if not runs or text.startswith("%") or "\n%" in text:
        return text
    if unusual_breaks(text):
        return text
    if not all(parses(text[start:end]) for start, end in runs):
        return text
    pieces: List[str] = []
    kept = 0
    for start, end in runs:
        if _DOCUMENT_START_RE.match(text, start):
            # The marker stays: the document before ends where it did (a `|+` block scalar
            # there would take in blank lines after it), and one empty document takes the run's place.
            start += 3
        pieces.append(text[kept:start])
        # As many characters and line breaks as the run had, so every later node keeps its
        # index and line (a column only counts from its own line's start): spaces, then the breaks.
        breaks = text.count("\n", start, end)
        pieces.append(" " * (end - start - breaks) + "\n" * breaks)
        kept = end
    pieces.append(text[kept:])
    return "".join(pieces)


class KubeState:
    """What the documents of one file share: scalars already reported and the merge lookup."""

    def __init__(self, text: str, path: str = "", options: Optional[ScanOptions] = None) -> None:
        # an OpenShift Template's parameter defaults, for the document being walked
        self.parameters: Dict[str, str] = {}
        # whether the custom resource being walked joins `image` with its sibling `version`
        self.version_is_tag = False
        self.path = path
        self.options = options
        self._kustomization: Optional[Tuple[FrozenSet[str], Optional[str], Mapping[str, str]]] = None
        self.reported: Set[int] = set()
        self.merged = Merged()
        self.text = text
        self.aliases = may_alias(text)  # without an `*alias` no node can be reached twice

    def kustomized(self, image: str) -> bool:
        """Whether a kustomization of the run lists the file as a resource and decides the whole
        reference of a container's `image` (an `images:` entry with that name and a newTag or
        digest). `kubectl apply -k` then deploys that entry's reference, judged where it is written."""
        return _image_name(image) in self._listing_kustomization()[0]

    def renamed(self, image: str) -> Optional[str]:
        """The reference `kubectl apply -k` deploys for a container's `image` that the kustomization
        listing the file renames (an entry with only newName): newName, then the
        tag and digest written here. None when no such entry names it."""
        name = _image_name(image)
        new_name = self._listing_kustomization()[2].get(name)
        return None if new_name is None else new_name + image[len(name):]

    def kustomized_namespace(self) -> Optional[str]:
        """The `namespace:` the kustomization that lists the file gives every object
        (kustomize sets it over the objects' own)."""
        return self._listing_kustomization()[1]

    def _listing_kustomization(self) -> Tuple[FrozenSet[str], Optional[str], Mapping[str, str]]:
        if self._kustomization is None:
            self._kustomization = _kustomization_for(self.options)
        return self._kustomization

    def text_filter(self, document: Node) -> str:
        """How much of the document the pre-filter lets the walk skip (see PREFILTER): "all",
        "subtrees" (those whose text holds no `image`) or "none"."""
        if not PREFILTER:
            return "none"
        start, end = document.start_mark.index, document.end_mark.index
        if may_spell_image(self.text, start, end):
            return "none"
        if self.text.find("image", start, end) == -1:
            return "all"
        return "none" if self.aliases else "subtrees"


def _image_name(image: str) -> str:
    """The image name without tag and digest, as kustomize's `images:` entries name it."""
    name = image.partition("@")[0]
    if ":" in name.rpartition("/")[2]:
        name = name.rpartition(":")[0]
    return name


def is_kubernetes_document(document: Node, merged: Optional[Merged] = None) -> bool:
    """A mapping with `apiVersion` and `kind` strings (`merged`: the file's lookup, if any)."""
    return isinstance(document, MappingNode) and _header(document, merged or Merged()) is not None


def _header(node: MappingNode, merged: Merged) -> Optional[Header]:
    """(apiVersion, kind) of a mapping that has both as strings, else None."""
    api_version = string_value(merged.get(node, "apiVersion"))
    if api_version is None:
        return None
    kind = string_value(merged.get(node, "kind"))
    return None if kind is None else (api_version, kind)


def _embedded_header(node: MappingNode, merged: Merged) -> Optional[Header]:
    """The header of an object embedded in a document (a `List` item: it has metadata too);
    None for any other mapping below the document."""
    header = _header(node, merged)
    return header if header is not None and isinstance(merged.get(node, "metadata"), MappingNode) else None


def _api_kind(header: Header) -> str:
    """ "builtin", "custom" (its `image:` strings anywhere are references) or "ignored"."""
    group = header[0].rpartition("/")[0]
    if "." not in group or group in BUILTIN_GROUPS:
        return "builtin"
    if any(group == name or group.endswith("." + name) for name in NOT_REFERENCE_GROUPS):
        return "ignored"
    return "custom"


def _group_and_kind(header: Header) -> Tuple[str, str]:
    return header[0].rpartition("/")[0], header[1]


def _object_context(node: Node, kind: str, merged: Merged) -> Context:
    metadata = merged.get(node, "metadata")
    name = string_value(merged.get(metadata, "name")) or string_value(merged.get(metadata, "generateName"))
    namespace = string_value(merged.get(metadata, "namespace"))
    return clean_context({"object": f"{kind}/{name}" if name else kind, "namespace": namespace})


def scan_document(document: Node, path: str, state: KubeState) -> Iterator[Union[Occurrence, ScanError]]:
    """Occurrences in one document, in document order."""
    text_filter = state.text_filter(document)
    if text_filter == "all":
        return
    find = state.text.find if text_filter == "subtrees" else None
    get = state.merged.get
    document_header = _header(document, state.merged) if document.__class__ is MappingNode else None
    state.parameters = _template_parameters(document, document_header, state.merged)
    visited: Optional[Set[int]] = set() if state.aliases else None  # without aliases, no node is met twice
    values_nodes: Set[int] = set()  # Helm values inside an object, read by the Helm walk instead
    # (node, context of the enclosing object, whether it is a custom resource, what the node is:
    # "walk" | "containers" | "ephemeralContainers" | "volumes")
    stack: List[Tuple[Node, Context, bool, str]] = [(document, {}, False, "walk")]
    while stack:
        node, context, custom, role = stack.pop()
        if role != "walk":
            for item in node.value:
                found = _item_image(item, role, path, context, state)
                if found is not None:
                    yield found
            continue
        if visited is not None:
            if id(node) in visited:
                continue
            visited.add(id(node))
        if node.__class__ is SequenceNode:
            stack.extend([(item, context, custom, "walk") for item in reversed(node.value)
                          if item.__class__ is not ScalarNode])
            continue
        if node.__class__ is not MappingNode:
            continue
        skip = NOT_IMAGES
        header = document_header if node is document else _embedded_header(node, state.merged)
        if header is not None:
            api_kind = _api_kind(header)
            if api_kind == "ignored":
                continue
            context, custom = _object_context(node, header[1], state.merged), api_kind == "custom"
            state.version_is_tag = custom and _group_and_kind(header) in VERSION_IS_TAG
            if state.options is not None and state.options.kustomization is not None:
                namespace = state.kustomized_namespace()
                if namespace is not None:
                    context = {**context, "namespace": namespace}
            skip = NOT_IMAGES | OBJECT_DATA
            for values, key_path in _helm_values(node, header, state.merged) if custom else ():
                values_nodes.add(id(values))
                yield from scan_embedded_values(values, path, key_path,
                                                _install_context(node, header, context, state.merged), state.text)
        if custom:
            found = _report(get(node, "image"), path, {**context, "container": _name(node, state)}, state,
                            holder=node)
            if found is not None:
                yield found
        pending: List[Tuple[Node, Context, bool, str]] = []
        for key_node, value in node.value:
            if value.__class__ is ScalarNode:
                continue
            # a `<<` merge source and a collection used as a key are walked as children
            key = key_node.value if key_node.__class__ is ScalarNode and key_node.tag != MERGE_TAG else None
            if key in skip or (values_nodes and id(value) in values_nodes):
                continue
            if find is not None and find("image", value.start_mark.index, value.end_mark.index) == -1:
                continue
            if value.__class__ is SequenceNode and key in CONTAINER_LISTS:
                pending.append((value, context, custom, "ephemeralContainers" if key == "ephemeralContainers"
                                else "containers"))
            elif value.__class__ is SequenceNode and key == "volumes":
                pending.append((value, context, custom, "volumes"))
            else:
                pending.append((value, context, custom, "walk"))
        pending.reverse()
        stack.extend(pending)


def _item_image(item: Node, role: str, path: str, context: Context,
                state: KubeState) -> Optional[Union[Occurrence, ScanError]]:
    """The image of one item of a containers list, or of an image volume."""
    image = state.merged.get(item, "image")
    if role != "volumes":
        refused = not_a_string_error(image, path, "Kubernetes")
        if refused is not None and id(image) not in state.reported:
            state.reported.add(id(image))
            return refused
        # kustomize's `images:` rewrite containers and initContainers, not ephemeral ones (5.8)
        return _report(image, path, {**context, "container": _name(item, state)}, state,
                       kustomizable=role == "containers")
    if isinstance(image, MappingNode):
        return _report(state.merged.get(image, "reference"), path, {**context, "volume": _name(item, state)}, state)
    return None


def _name(node: Node, state: KubeState) -> Optional[str]:
    return string_value(state.merged.get(node, "name"))


def _report(
    node: Optional[Node], path: str, context: Dict[str, Optional[str]], state: KubeState,
    kustomizable: bool = False, holder: Optional[MappingNode] = None,
) -> Optional[Occurrence]:
    """The occurrence of an `image` value (`holder`: the custom resource mapping that holds it)."""
    text = string_value(node)
    if not isinstance(node, ScalarNode) or id(node) in state.reported or text is None or _placeholder(text):
        return None
    state.reported.add(id(node))
    if holder is not None and "/" not in text:  # NVIDIA's `repository` + `image` + `version`
        split = joined_with_siblings(node, holder, state.merged.get, path, KIND, clean_context(context), ("tag",),
                                     prefix_needed=True)
        if split is not None:
            return split
    if holder is not None and state.version_is_tag:  # argocd-operator's `image` + `version`
        split = joined_with_siblings(node, holder, state.merged.get, path, KIND, clean_context(context),
                                     ("version",), prefixed=False)
        if split is not None:
            return split
    if kustomizable and state.options is not None and state.options.kustomization is not None:
        if state.kustomized(text):
            return None
        renamed = state.renamed(text)
        if renamed is not None:
            return occurrence(node, path, KIND, clean_context(context), resolved=renamed)
    if "$" in text:
        # Manifests kept as envsubst templates (`image: ${IMAGE_URI}`): the variable is named as
        # unresolved rather than the text called an invalid reference; `${X:-default}` uses the default.
        expansion = expand(text, state.parameters.get)
        return occurrence(node, path, KIND, clean_context(context), resolved=expansion.value,
                          unresolved=expansion.unresolved)
    return occurrence(node, path, KIND, clean_context(context))


def _placeholder(text: str) -> bool:
    """A value some tool fills in before the image is pulled (see PLACEHOLDERS)."""
    return text.startswith(KO_PREFIX) or any(mark in text for mark in PLACEHOLDERS)


def _install_context(node: MappingNode, header: Header, context: Context, merged: Merged) -> Context:
    """The context of a chart's values an object installs: the namespace the chart goes to."""
    keys, own_namespace_counts = INSTALL_NAMESPACE[_group_and_kind(header)]
    target: Optional[Node] = node
    for key in keys:
        target = merged.get(target, key)
    namespace = string_value(target)
    if namespace is None:  # Flux installs into its own namespace; Argo CD's is not known
        return context if own_namespace_counts else {key: value for key, value in context.items() if key != "namespace"}
    return {**context, "namespace": namespace}


def _helm_values(node: MappingNode, header: Header, merged: Merged) -> List[Tuple[MappingNode, str]]:
    """(values mapping, its key path) of each set of Helm values the object installs a chart with."""
    places = HELM_VALUES.get(_group_and_kind(header), ())
    found: List[Tuple[MappingNode, str]] = []
    for place in places:
        reached: List[Tuple[Optional[Node], str]] = [(node, "")]
        for key in place:
            step: List[Tuple[Optional[Node], str]] = []
            for holder, where in reached:
                if key == "*":
                    items = holder.value if isinstance(holder, SequenceNode) else []
                    step.extend((item, f"{where}[{index}]") for index, item in enumerate(items))
                else:
                    step.append((merged.get(holder, key), f"{where}.{key}" if where else key))
            reached = step
        found.extend((values, where) for values, where in reached if isinstance(values, MappingNode))
    return found


_NO_KUSTOMIZATION: Tuple[FrozenSet[str], Optional[str], Mapping[str, str]] = (frozenset(), None, {})


def _kustomization_for(options: Optional[ScanOptions]) -> Tuple[FrozenSet[str], Optional[str], Mapping[str, str]]:
    """(image names whose reference it decides, namespace it sets, newName of the images it only
    renames) of the kustomization of the run that lists the file, if one does."""
    if options is None or options.kustomization is None:
        return _NO_KUSTOMIZATION
    text, listed_as = options.kustomization
    resources, retagged, namespace, renamed = kustomize.facts(text)
    return (retagged, namespace, renamed) if listed_as in resources else _NO_KUSTOMIZATION


def _template_parameters(document: Node, header: Optional[Header], merged: Merged) -> Dict[str, str]:
    """The default `value` of each parameter of an OpenShift Template (`oc process` fills in
    `${NAME}` with it); empty for any other document (`header`: the document's)."""
    if header is None or header[1] != "Template" or header[0] not in ("v1", "template.openshift.io/v1"):
        return {}
    parameters = merged.get(document, "parameters")
    found: Dict[str, str] = {}
    for item in parameters.value if isinstance(parameters, SequenceNode) else ():
        name, value = string_value(merged.get(item, "name")), piece_text(merged.get(item, "value"))
        if name is not None and value is not None:
            found.setdefault(name, value)
    return found
