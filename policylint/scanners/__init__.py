"""Scanners turn the text of one file into image references with locations.

Each module exposes `scan(text, path, options) -> Iterator[Occurrence | ScanError]` and knows
nothing of policies or rules. Modules are imported on first use, so a run over Dockerfiles
never imports the YAML machinery.
"""

from __future__ import annotations

import sys

from policylint.model import Occurrence, ScanError, ScanOptions

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Dict, Iterator, Union

# kind chosen by discovery -> module that scans it. "yaml" is any other YAML file, whose
# documents are recognised by content (Kubernetes objects, compose files).
SCANNERS = {
    "dockerfile": "policylint.scanners.dockerfile",
    "compose": "policylint.scanners.compose",
    "kubernetes": "policylint.scanners.kubernetes",
    "helm": "policylint.scanners.helm",
    "kustomize": "policylint.scanners.kustomize",
    "yaml": "policylint.scanners.yamlfile",
}


def scan(kind: str, text: str, path: str, options: ScanOptions) -> Iterator[Union[Occurrence, ScanError]]:
    """Run the scanner for `kind` over `text` (the file at display path `path`)."""
    return load(kind).scan(text, path, options)


def load(kind: str) -> ModuleType:
    """The scanner module for `kind`, imported on first use, once."""
    module = _loaded.get(kind)
    if module is None:
        name = SCANNERS[kind]
        __import__(name)  # importlib.import_module would import importlib (and warnings) first
        module = _loaded[kind] = sys.modules[name]
    return module


_loaded: Dict[str, ModuleType] = {}
