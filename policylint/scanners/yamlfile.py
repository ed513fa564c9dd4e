"""A YAML file not recognised by its name: each document is recognised by its content.

A mapping with `apiVersion` and `kind` is a Kubernetes object, a top-level `services:` mapping
of mappings is a compose file; any other document holds no references, except in a file named
like Helm values (`values*.yaml`) without a `Chart.yaml` beside it, such as the values override
a GitOps repository keeps for a chart it does not vendor: its documents are read as Helm values.
The file is composed once and its occurrences carry the kind of the document they come from.
A file that does not parse and holds `{{` is an unrendered template (Helm's `templates/`): it
is counted as skipped, with the advice to check the rendered output, not as a parse-error. A
duplicate key is reported only in a document policylint reads (a manifest, a compose file,
Helm values), not in a CI config or test fixture that happens to be YAML.
"""

from __future__ import annotations

import re

from policylint.model import Occurrence, ScanError, ScanOptions
from policylint.scanners import compose as compose_scanner
from policylint.scanners import helm, kubernetes
from policylint.scanners._yaml_common import scan_documents
from policylint.yamldoc import Node

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator, List, Union

_VALUES_NAME_RE = re.compile(r"(?:\A|/)values[^/]*\.ya?ml\Z", re.IGNORECASE)


def scan(text: str, path: str, options: ScanOptions) -> Iterator[Union[Occurrence, ScanError]]:
    kube_state = kubernetes.KubeState(text, path, options)
    compose_state = compose_scanner.ComposeState(options, text)
    values_file = _VALUES_NAME_RE.search(path) is not None
    chart = helm.Chart(options) if values_file else None

    def scan_by_content(document: Node) -> Iterator[Occurrence]:
        if kubernetes.is_kubernetes_document(document, kube_state.merged):
            yield from kubernetes.scan_document(document, path, kube_state)
        elif chart is not None:  # a values file: umbrella charts have `services:` maps too
            yield from helm.scan_document(document, path, chart, text)
        elif compose_scanner.is_compose_document(document):
            yield from compose_scanner.scan_document(document, path, compose_state)

    def reads(document: Node) -> bool:
        return (chart is not None or kubernetes.is_kubernetes_document(document, kube_state.merged)
                or compose_scanner.is_compose_document(document))

    def prepare(documents: List[Node]) -> None:
        if chart is None:
            # the `services:` test first: it settles a manifest's documents with one lookup
            compose_state.prepare([document for document in documents
                                   if compose_scanner.is_compose_document(document)
                                   and not kubernetes.is_kubernetes_document(document, kube_state.merged)])

    # a values file is read by the Helm walk, whose references need not say `image` in lower case
    compose_text = kubernetes.text_to_compose(text) if chart is None else None
    return scan_documents(text, path, scan_by_content, reads, prepare, compose_text)
