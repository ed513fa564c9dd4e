"""Generic YAML scanner: each document recognised by its content."""

from __future__ import annotations

import time
from textwrap import dedent
from typing import List

from policylint.model import Occurrence, ScanError, ScanOptions
from policylint.scanners import scan, yamlfile


def run(text: str, dotenv: str = "") -> List[object]:
    options = ScanOptions(read_sibling={".env": dotenv}.get)
    return list(yamlfile.scan(dedent(text), "misc/stack.yaml", options))


def rows(found: List[object]) -> List[tuple]:
    assert all(isinstance(item, Occurrence) for item in found), found
    return [(o.kind, o.written, o.resolved, o.location.line, o.location.column) for o in found]  # type: ignore[union-attr]


def test_documents_dispatch_by_content() -> None:
    found = run(
        """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p, namespace: dev}
        spec:
          containers: [{name: c, image: "a:1"}]
        ---
        services:
          web:
            image: web:${TAG:-2}
        ---
        services: [not, a, mapping]
        ---
        services:
          web: "not a mapping"
        ---
        config:
          image: not-recognised:1
        ---
        just a string
        """,
        dotenv="TAG=3\n",
    )
    assert rows(found) == [
        ("kubernetes", "a:1", "a:1", 5, 34),
        ("compose", "web:${TAG:-2}", "web:3", 9, 12),
    ]
    assert found[0].context == {"object": "Pod/p", "namespace": "dev", "container": "c"}  # type: ignore[union-attr]
    assert found[1].context == {"service": "web"}  # type: ignore[union-attr]


def test_registry_entry_point_and_empty_file() -> None:
    assert list(scan("yaml", "", "empty.yaml", ScanOptions())) == []
    assert list(scan("yaml", "# only a comment\n", "c.yaml", ScanOptions())) == []
    found = list(scan("yaml", "apiVersion: v1\nkind: Pod\nspec: {containers: [{image: x}]}\n", "p.yaml", ScanOptions()))
    assert rows(found) == [("kubernetes", "x", "x", 3, 29)]


def test_syntax_error_is_one_scan_error() -> None:
    found = run("apiVersion: v1\nkind: Pod\nspec: {containers: [\n")
    assert len(found) == 1 and isinstance(found[0], ScanError)
    assert (found[0].location.path, found[0].location.line) == ("misc/stack.yaml", 4)


def test_alias_bomb_finishes_fast() -> None:
    lines = ["apiVersion: v1", "kind: Pod", "a0: &a0 [{containers: [{image: 'x:1'}]}]"]
    for level in range(1, 60):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    started = time.perf_counter()
    found = run("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 2
    assert rows(found) == [("kubernetes", "x:1", "x:1", 3, 33)]


def test_hostile_scalars_never_raise() -> None:
    texts = [
        "apiVersion: v1\nkind: Pod\nspec: {containers: [{image: !!binary aGVsbG8=}]}\n",
        "apiVersion: v1\nkind: Pod\nspec: {containers: [{image: !!python/object:os.system x}]}\n",
        "apiVersion: v1\nkind: Pod\nspec: {containers: [{? [a]: b, image: ~}]}\n",
        "apiVersion: v1\nkind: Pod\nspec: {containers: [{image: &x [*x]}]}\n",
        "services: {a: {image: '\\x85'}}\n",
        'apiVersion: v1\nkind: Pod\nx: "\\u0000"\n',
        "apiVersion: [1]\nkind: {a: b}\n",
        "\ufeffapiVersion: v1\n",
    ]
    for text in texts:
        for item in yamlfile.scan(text, "h.yaml", ScanOptions()):
            assert isinstance(item, (Occurrence, ScanError))


def test_long_merge_chains_stay_linear() -> None:
    count = 3000
    chain = ["x-s0: &s0 {image: 'a:1', k0: 0}"]
    chain += [f"x-s{i}: &s{i} {{<<: *s{i - 1}, k{i}: {i}}}" for i in range(1, count)]
    compose_text = "\n".join(chain + ["services:"] + [f"  svc{i}: *s{i}" for i in range(count)]) + "\n"
    pods = ["apiVersion: v1", "kind: Pod", *chain]
    pods.append("spec: {containers: [" + ", ".join(f"*s{i}" for i in range(count)) + "]}")
    started = time.perf_counter()
    found = run(compose_text) + run("\n".join(pods) + "\n")
    assert time.perf_counter() - started < 3
    assert rows(found) == [("compose", "a:1", "a:1", 1, 20), ("kubernetes", "a:1", "a:1", 3, 20)]


HELM_TEMPLATE = """\
apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      containers:
        - image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          {{- with .Values.resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
"""


def test_unrendered_template_is_not_scanned_rather_than_a_parse_error():
    from policylint.model import NotScanned, ScanOptions
    from policylint.scanners import scan

    (item,) = list(scan("yaml", HELM_TEMPLATE, "chart/templates/deployment.yaml", ScanOptions()))
    assert isinstance(item, NotScanned) and "helm template" in item.reason


def test_broken_yaml_without_template_markers_is_still_a_parse_error():
    from policylint.model import ScanError, ScanOptions
    from policylint.scanners import scan

    broken = HELM_TEMPLATE.replace("{{", "((").replace("}}", "))")
    (item,) = list(scan("yaml", broken, "k8s/deployment.yaml", ScanOptions()))
    assert isinstance(item, ScanError) and item.location.line == 9


def test_a_file_named_compose_is_never_excused_as_a_template():
    from policylint.model import ScanError, ScanOptions
    from policylint.scanners import scan

    text = "services:\n  web:\n    image: {{ image }}\n    {{- if x }}\n"
    (item,) = list(scan("compose", text, "compose.yaml", ScanOptions()))
    assert isinstance(item, ScanError)


def test_compose_found_by_content_reads_its_inline_dockerfile_in_place() -> None:
    found = run(
        """\
        services:
          app:
            build:
              dockerfile_inline: |
                FROM alpine:3.20
        """
    )
    assert rows(found) == [("compose", "alpine:3.20", "alpine:3.20", 5, 14)]


def test_values_file_with_a_services_map_is_helm_values_not_compose() -> None:
    """An umbrella chart's override file: `services: {frontend: {image: {...}}}` is values."""
    options = ScanOptions()
    text = dedent(
        """\
        services:
          frontend:
            image: {repository: ghcr.io/acme/frontend, tag: v1.2.0}
          db:
            image: "postgres:16.4"
        """
    )
    found = list(yamlfile.scan(text, "deploy/values-prod.yaml", options))
    assert rows(found) == [
        ("helm", "ghcr.io/acme/frontend:v1.2.0", "ghcr.io/acme/frontend:v1.2.0", 3, 25),
        ("helm", "postgres:16.4", "postgres:16.4", 5, 13),
    ]
    as_compose = list(yamlfile.scan(text, "deploy/stack.yaml", options))  # same text, another name
    # as compose, the image map is a value compose refuses; the string image is read
    assert [type(o).__name__ for o in as_compose] == ["ScanError", "Occurrence"]
    assert as_compose[1].kind == "compose"  # type: ignore[union-attr]


def test_duplicate_keys_are_reported_only_in_documents_policylint_reads() -> None:
    """A duplicate key in a CI config or test fixture has no bearing on any image; in a manifest,
    a compose file or Helm values it decides which value a tool takes, so it is a finding."""
    text = dedent(
        """\
        test_name: fixture
        stages: [a]
        stages: [b]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
          - {name: a, image: nginx:1.27, name: b}
        ---
        services:
          web: {image: redis:7, image: redis:8}
        """
    )
    found = list(yamlfile.scan(text, "misc/stack.yaml", ScanOptions(read_sibling={}.get)))
    errors = [(item.message.split(" (")[0], item.location.line) for item in found if isinstance(item, ScanError)]
    assert errors == [("duplicate key 'name'", 10), ("duplicate key 'image'", 13)]
    assert [o.written for o in found if isinstance(o, Occurrence)] == ["nginx:1.27", "redis:8"]  # the last value
    # the same documents in a file found by its name are all read, the fixture too
    named = list(scan("compose", "stages: [a]\nstages: [b]\n", "compose.yaml", ScanOptions(read_sibling={}.get)))
    assert [type(item).__name__ for item in named] == ["ScanError"]
    values = list(yamlfile.scan("a: 1\na: 2\n", "deploy/values-prod.yaml", ScanOptions(read_sibling={}.get)))
    assert [type(item).__name__ for item in values] == ["ScanError"]


def test_a_compose_file_with_an_empty_service_is_still_compose() -> None:
    """compose-go's extends bases may leave a service empty (`nil:`); the others are read."""
    found = run(
        """\
        services:
          base:
            image: base:1
          nil:
          other:
            image: other:2
        """
    )
    assert rows(found) == [("compose", "base:1", "base:1", 3, 12), ("compose", "other:2", "other:2", 6, 12)]
    assert run("services:\n  a:\n  b:\n") == []  # nothing but empty services: no compose file
