"""The YAML scanners over the shared corpus of real-world files (skipped when it is absent)."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from policylint.model import Occurrence, ScanError, ScanOptions
from policylint.scanners import scan

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
KINDS = {"compose": "compose", "kubernetes": "kubernetes", "helm-values": "helm", "kustomize": "kustomize"}

# A line that plainly holds a literal, complete image reference: no variables, templates or
# placeholders, and not a repository prefix ending in `/`.
LITERAL_IMAGE = re.compile(r"""^\s*-?\s*image:\s*["']?[a-z0-9][^\s"'{}$<]*[A-Za-z0-9_]["']?\s*$""", re.M)
# A helm values image mapping with a literal repository.
LITERAL_REPOSITORY = re.compile(r"""^\s*repository:\s*["']?[a-z0-9][^\s"'{}$<]*[A-Za-z0-9_]["']?\s*$""", re.M)

INVALID_YAML = "GoogleContainerTools__kaniko/examples/pod-blobstorage.yaml"
# Listed as invalid in the corpus README because PyYAML's pure-Python scanner rejects the tab
# after `type: LoadBalancer`; YAML allows trailing tabs and libyaml (and so policylint) reads it.
TRAILING_TAB = "GoogleCloudPlatform__kubernetes-engine-samples/ai-ml/vllm-tpu/vllm-llama3-70b.yaml"

# Real manifests with a duplicate key (kubectl's strict validation reports them): one parse-error each.
DUPLICATE_KEYS = {
    "kubernetes__examples/_archived/openshift-origin/etcd-controller.yaml",
    "kubernetes__examples/_archived/openshift-origin/etcd-discovery-controller.yaml",
    "kubernetes__examples/_archived/openshift-origin/openshift-controller.yaml",
    "GoogleCloudPlatform__kubernetes-engine-samples/streaming/kafka-confluent/manifests/05-replicator/"
    "my-target-cluster.yaml",
    "GoogleCloudPlatform__kubernetes-engine-samples/streaming/kafka-confluent/manifests/05-replicator/replicator.yaml",
    "GoogleCloudPlatform__kubernetes-engine-samples/streaming/kafka-confluent/manifests/06-confluent-platform/"
    "platform.yaml",
}

Result = Tuple[str, str, str, List[object]]  # (corpus kind, relative path, text, scan results)


def _sibling_reader(folder: Path):
    def read_sibling(name: str) -> Optional[str]:
        candidate = folder / name
        return candidate.read_text(encoding="utf-8", errors="replace") if candidate.is_file() else None

    return read_sibling


@pytest.fixture(scope="module")
def corpus() -> Dict[str, Result]:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        pytest.skip("shared corpus not present")
    results: Dict[str, Result] = {}
    with manifest.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["kind"] not in KINDS:
                continue
            relative = f"{row['repo'].replace('/', '__')}/{row['path']}"
            file = CORPUS / relative
            text = file.read_bytes().decode("utf-8", errors="replace").lstrip("\ufeff")
            options = ScanOptions(read_sibling=_sibling_reader(file.parent))
            results[relative] = (
                row["kind"],
                relative,
                text,
                list(scan(KINDS[row["kind"]], text, relative, options)),
            )
    return results


def test_every_file_scans(corpus: Dict[str, Result]) -> None:
    assert len(corpus) > 1500
    errors = {
        path for path, (_, _, _, found) in corpus.items() if any(isinstance(x, ScanError) for x in found)
    }
    assert errors == {INVALID_YAML} | DUPLICATE_KEYS
    for path in DUPLICATE_KEYS:
        duplicates = [x for x in corpus[path][3] if isinstance(x, ScanError)]
        assert len(duplicates) == 1 and duplicates[0].message.startswith("duplicate key"), path


def test_invalid_yaml_has_a_position(corpus: Dict[str, Result]) -> None:
    found = corpus[INVALID_YAML][3]
    assert len(found) == 1 and isinstance(found[0], ScanError)
    assert (found[0].location.line, found[0].location.column) == (13, 2)
    assert found[0].location.path == INVALID_YAML


def test_trailing_tab_is_valid_yaml(corpus: Dict[str, Result]) -> None:
    found = corpus[TRAILING_TAB][3]
    assert found and all(isinstance(x, Occurrence) for x in found)


def test_literal_images_are_found(corpus: Dict[str, Result]) -> None:
    missing = []
    for path, (kind, _, text, found) in corpus.items():
        if path == INVALID_YAML or path in DUPLICATE_KEYS:
            continue
        literal = LITERAL_IMAGE.search(text)
        if kind == "helm-values":
            literal = literal or LITERAL_REPOSITORY.search(text)
        if literal and not any(isinstance(x, Occurrence) for x in found):
            missing.append(path)
    assert missing == []


def test_kustomize_overrides_are_found(corpus: Dict[str, Result]) -> None:
    missing = [
        path
        for path, (kind, _, text, found) in corpus.items()
        if kind == "kustomize" and re.search(r"^\s*(newName|newTag|digest):", text, re.M) and not found
    ]
    assert missing == []


def test_occurrences_are_well_formed(corpus: Dict[str, Result]) -> None:
    counts: Counter = Counter()
    for path, (kind, _, text, found) in corpus.items():
        lines = text.splitlines()
        for item in found:
            if not isinstance(item, Occurrence):
                continue
            counts[kind] += 1
            location = item.location
            assert location.path == path
            assert 1 <= location.line <= len(lines)
            assert item.kind == KINDS[kind]
            assert item.written and (item.resolved or item.unresolved)
            if location.end_column is not None and "\\" not in lines[location.line - 1]:
                # a reference on one line sits exactly where the location says
                start, end = location.column - 1, location.end_column - 1
                assert lines[location.line - 1][start:end] == item.written, (path, item)
    assert counts["kubernetes"] > 2000 and counts["compose"] > 700
    assert counts["helm-values"] > 150 and counts["kustomize"] > 80
