"""Property-based fuzzing of every scanner and of the whole file pipeline: arbitrary text, and
text assembled from YAML- and Dockerfile-ish fragments, yields only Occurrence and ScanError
items with sane locations, never an exception. Bounded: at most 200 examples per property."""

from __future__ import annotations

import re
import time
from typing import Optional

from hostile_support import KINDS, YAML_KINDS, check_locations
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policylint import engine, scanners
from policylint.model import NotScanned, Occurrence, ScanError, ScanOptions, SourceFile
from policylint.policy import default_policy
from policylint.scanners.compose import parse_dotenv
from policylint.variables import MAX_SUBSTITUTED, expand

SETTINGS = settings(max_examples=200, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FEW = settings(max_examples=60, deadline=None, database=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# libyaml ends a line at CR LF, CR, LF, NEL, LS and PS; a Dockerfile only at LF (BuildKit).
_YAML_BREAKS = re.compile("\r\n|[\r\n\x85\u2028\u2029]")

YAML_FRAGMENTS = [
    "services:", "  web:", "    image: ", "image: ", "- image: ", "nginx", "nginx:1.27", "'nginx'", '"ng\\x69nx"',
    "apiVersion: v1", "apiVersion: apps/v1", "apiVersion: x.example.com/v1", "kind: Pod", "kind: List",
    "metadata: {name: p, namespace: prod}", "spec:", "  containers:", "  initContainers:", "    - name: c",
    "      image: ", "template:", "items:", "volumes: [{name: v, image: {reference: r:1}}]",
    "images:", "  - name: nginx", "    newName: ", "    newTag: ", "    digest: sha256:", "registry: ",
    "repository: ", "tag: ", "hub: ", "global: {imageRegistry: r.io, hub: h}", "build: .",
    "additional_contexts: [a=docker-image://alpine]", "x-base: &base", "&a ", "*a", "<<: *a", "<<: [*a, *b]",
    "&b {image: x}", "- ", "? ", ": ", "[", "]", "{", "}", ",", "\n", "\n", "\n", "  ", "    ", "\t", "#", "# c",
    "---", "...", "!!python/object/apply:os.system ['true']", "!!str ", "!Ref ", "!<tag:x>", "|", ">-", "~",
    "null", "12", "1.10", "true", "${TAG}", "${TAG:-1}", "$$", "{{ .Values.x }}", "\\", "\r\n", "\r",
    "\x00", "\ufeff", "\x85", "\u2028", "\u202e", "%YAML 1.1", "%TAG ! tag:x,2000:", "'", '"', "key",
]
DOCKER_FRAGMENTS = [
    "FROM ", "from ", "ARG ", "ARG X=", "ARG X", "COPY --from=", "ADD --from=", "RUN --mount=type=bind,from=",
    "RUN --mount=type=tmpfs,from=", "RUN ", " AS ", " as ", "nginx", "nginx:1.27", "scratch", "base", "0",
    "$X", "${X}", "${X:-alpine}", "${X:+y}", "${", "}", "$", "\\", "`", "\n", "\n", "\n", " ", "\t", "\r",
    "# syntax=", "# escape=`", "# escape=\\", "# check=skip=all", "#!", "<<EOF", "<<-EOF", "EOF", "\tEOF",
    '"', "'", "[", "]", '["a", "b"]', "--platform=$BUILDPLATFORM ", "ONBUILD ", "--", "-", "=", ",", "@sha256:",
    "\x00", "\ufeff", "\u00a0", "\u2028", "# policylint: ignore=tag-missing -- ok", "# policylint: ignore=",
]


def yaml_ish() -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(YAML_FRAGMENTS), max_size=60).map("".join)


def docker_ish() -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(DOCKER_FRAGMENTS), max_size=60).map("".join)


def line_count(kind: str, text: str) -> int:
    if kind == "dockerfile":
        return len(text.split("\n"))
    return len(_YAML_BREAKS.split(text))


def scan_is_sane(kind: str, text: str, sibling: Optional[str] = None) -> None:
    options = ScanOptions(read_sibling=lambda name: sibling)
    started = time.monotonic()
    found = list(scanners.scan(kind, text, "file", options))
    assert time.monotonic() - started < 10
    for item in found:
        assert isinstance(item, (Occurrence, ScanError, NotScanned)), item
        if isinstance(item, Occurrence):
            assert isinstance(item.written, str) and isinstance(item.resolved, str)
            assert item.kind in ("dockerfile", "compose", "kubernetes", "helm", "kustomize")
    limit = line_count(kind, text)
    for item in found:
        if isinstance(item, NotScanned):  # an unrendered template is declined whole, with no position
            assert found == [item] and "{{" in text
            continue
        locations = [item.location, *(item.parts.values() if isinstance(item, Occurrence) else ())]
        for location in locations:
            assert 1 <= location.line <= limit, (item, limit)
            assert location.column >= 1, item
            if location.end_column is not None:
                assert location.end_column > location.column, item
    if kind == "dockerfile":
        check_locations(found, text)


@SETTINGS
@given(kind=st.sampled_from(KINDS), text=st.text(max_size=400))
def test_arbitrary_text_in_every_scanner(kind: str, text: str) -> None:
    scan_is_sane(kind, text)


@SETTINGS
@given(kind=st.sampled_from(YAML_KINDS), text=yaml_ish())
def test_yaml_fragments_in_every_yaml_scanner(kind: str, text: str) -> None:
    scan_is_sane(kind, text)


@SETTINGS
@given(text=docker_ish(), build_args=st.dictionaries(st.sampled_from(["X", "BASE", "TARGETARCH"]),
                                                      st.text(max_size=20), max_size=3))
def test_dockerfile_fragments(text: str, build_args: dict) -> None:
    found = list(scanners.scan("dockerfile", text, "file", ScanOptions(build_args=build_args)))
    check_locations(found, text)


@FEW
@given(kind=st.sampled_from(KINDS), text=st.one_of(yaml_ish(), docker_ish(), st.text(max_size=200)))
def test_fragments_of_the_other_language(kind: str, text: str) -> None:
    scan_is_sane(kind, text)


@FEW
@given(text=yaml_ish(), dotenv=st.lists(st.sampled_from(
    ["A=", "B=$A$A", "C=${B}${B}", "export D=", "'", '"', "#", "\n", "${A:-x}", "$$", "nginx", " ", "=", "\\"]),
    max_size=40).map("".join))
def test_compose_with_a_hostile_env_file(text: str, dotenv: str) -> None:
    scan_is_sane("compose", "services:\n  web:\n    image: ${C}${B}\n" + text, sibling=dotenv)


def test_env_file_doubling_is_bounded() -> None:
    """`.env` lines that double the one before: 2**40 characters if expanded without bound."""
    lines = ["V0=" + "x" * 64] + [f"V{i}=${{V{i - 1}}}${{V{i - 1}}}" for i in range(1, 41)]
    started = time.monotonic()
    values = parse_dotenv("\n".join(lines))
    assert time.monotonic() - started < 5
    assert len(values["V40"]) <= MAX_SUBSTITUTED
    found = list(scanners.scan("compose", "services:\n  a: {image: '${V40}${V40}${V40}'}\n", "compose.yaml",
                               ScanOptions(read_sibling=lambda name: "\n".join(lines))))
    assert len(found) == 1 and len(found[0].resolved) <= MAX_SUBSTITUTED  # type: ignore[union-attr]


def test_expansion_of_many_references_is_bounded() -> None:
    value = "y" * 1000
    expansion = expand("${A}" * 100_000, lambda name: value)
    assert len(expansion.value) <= MAX_SUBSTITUTED


@FEW
@given(kind=st.sampled_from(KINDS), data=st.binary(max_size=600))
def test_arbitrary_bytes_through_the_engine(kind: str, data: bytes) -> None:
    source = SourceFile(path="file", kind=kind, data=data)
    report = engine.check_source(source, engine.EngineOptions(policy=default_policy()))
    for finding in report.findings:
        assert finding.location.line >= 1 and finding.location.column >= 1
