"""Hostile YAML: alias bombs, deep nesting, huge scalars, duplicate keys, Python tags, tabs, NUL.

Each is either scanned correctly or one `parse-error` with a position, within bounded time and
memory. What could hang or crash the interpreter runs in a child process (`python -m policylint`)
with a timeout and an address-space cap, so a regression fails the test instead of the suite.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hostile_support import (
    YAML_KINDS,
    check_locations,
    image_document,
    make_repo,
    rows,
    run_json,
    scan,
)

from policylint.model import Occurrence, ScanError
from policylint.yamldoc import MAX_BLOCK_PREFIX, MAX_FLOW_DEPTH, MAX_NODES


def billion_laughs(levels: int = 12, width: int = 9) -> str:
    lines = ["lol0: &lol0 [" + ", ".join(['"lol"'] * width) + "]"]
    for level in range(1, levels):
        lines.append(f"lol{level}: &lol{level} [" + ", ".join([f"*lol{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def bomb_for(kind: str) -> str:
    """9**12 (about 280 billion) strings if expanded, in each kind's own shape, with one real
    reference that is reached through the bomb's aliases."""
    bomb = billion_laughs()
    if kind == "compose":
        return "x-base: &base {image: 'nginx:1.27'}\n" + bomb + "services:\n  web: *base\n  lols: {build: ., command: *lol11}\n"
    if kind in ("kubernetes", "yaml"):
        return ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n" + bomb
                + "spec:\n  containers: &c [{name: c, image: 'nginx:1.27', args: *lol11}]\n"
                + "  initContainers: *c\n")
    if kind == "helm":
        return bomb + "image: &i {repository: nginx, tag: '1.27'}\nmore: {image: *i, lols: *lol11}\n"
    return bomb + "images: &i [{name: nginx, newTag: '1.27'}]\nresources: *lol11\n"


@pytest.mark.parametrize("kind", ["compose", "yaml", "helm"])
def test_alias_bomb_is_never_expanded(tmp_path: Path, kind: str) -> None:
    make_repo(tmp_path, kind, bomb_for(kind).encode())
    started = time.monotonic()
    code, document, _ = run_json([], tmp_path, timeout=60)
    assert time.monotonic() - started < 30
    assert code == 0, document  # the one reference is valid, and it is reported once, not per alias
    assert document["summary"]["references"] == 1
    assert document["summary"]["files_scanned"] == (2 if kind == "helm" else 1)  # and Chart.yaml


@pytest.mark.parametrize("kind", YAML_KINDS)
def test_alias_bomb_in_process_is_fast(kind: str) -> None:
    text = bomb_for(kind)
    started = time.monotonic()
    found = scan(kind, text)
    assert time.monotonic() - started < 5
    assert [type(item) for item in found] == [Occurrence]
    assert found[0].written in ("nginx:1.27", "nginx")
    check_locations(found, text)


def deep_texts():
    flow_depth = 50_000
    yield "flow-sequences", "[" * flow_depth + "]" * flow_depth + "\n", (1, MAX_FLOW_DEPTH + 1)
    yield "flow-mappings", "{a: " * flow_depth + "b" + "}" * flow_depth + "\n", (1, 4 * MAX_FLOW_DEPTH + 1)
    yield "unclosed-flow", "image: " + "[" * flow_depth + "\n", (1, 8 + MAX_FLOW_DEPTH)
    yield "block-sequences", "- " * 30_000 + "x\n", (1, 1)
    yield "block-sequences-by-line", "".join(" " * level + "-\n" for level in range(3000)), (MAX_BLOCK_PREFIX, 1)
    yield "indented-mappings", "".join(" " * level + "k:\n" for level in range(2500)), (MAX_BLOCK_PREFIX + 1, 1)
    yield "explicit-keys", "? " * 30_000 + "x\n", (1, 1)


@pytest.mark.parametrize("name, text, position", list(deep_texts()), ids=[case[0] for case in deep_texts()])
@pytest.mark.parametrize("kind", ["yaml"])  # every kind in process below; the child guards against crashes
def test_deep_nesting_is_a_parse_error_with_position(tmp_path: Path, kind: str, name: str, text: str,
                                                     position: tuple) -> None:
    make_repo(tmp_path, kind, text.encode())
    started = time.monotonic()
    code, document, _ = run_json([], tmp_path, timeout=60)
    assert time.monotonic() - started < 30
    assert code == 1
    ((rule, path, line, column),) = rows(document)
    assert rule == "parse-error"
    assert (line, column) == position
    assert "nested deeper than" in document["findings"][0]["message"]


@pytest.mark.parametrize("kind", YAML_KINDS)
def test_deep_nesting_in_process_every_kind(kind: str) -> None:
    for _, text, position in deep_texts():
        started = time.monotonic()
        found = scan(kind, text)
        assert time.monotonic() - started < 5
        assert len(found) == 1 and isinstance(found[0], ScanError), found
        assert (found[0].location.line, found[0].location.column) == position
        check_locations(found, text)


def test_nesting_just_under_the_limits_still_scans() -> None:
    depth = MAX_FLOW_DEPTH - 10
    text = "services:\n  web:\n    image: 'nginx:1'\n    x: " + "[" * depth + "]" * depth + "\n"
    indented = "".join(" " * level + "k:\n" for level in range(1, MAX_BLOCK_PREFIX - 10))
    for kind, body in (("compose", text), ("helm", indented + " " * (MAX_BLOCK_PREFIX - 10) + "image: nginx:1\n")):
        found = scan(kind, body)
        assert [type(item) for item in found] in ([Occurrence], []), found
        check_locations(found, body)
    assert [o.written for o in scan("compose", text)] == ["nginx:1"]


@pytest.mark.parametrize("kind", YAML_KINDS)
def test_megabyte_scalars_and_lines(kind: str) -> None:
    long_value = "a" * (4 << 20)
    cases = [
        image_document(kind, long_value),                        # a 4 MB plain image value
        image_document(kind, "'" + long_value + "'"),            # quoted
        "# " + "x" * (4 << 20) + "\n" + image_document(kind, "nginx:1"),  # a 4 MB comment line first
        "key: |\n" + ("  " + "y" * 1000 + "\n") * 2000 + image_document(kind, "nginx:1"),  # block scalar
    ]
    for text in cases:
        started = time.monotonic()
        found = scan(kind, text)
        assert time.monotonic() - started < 10
        assert all(isinstance(item, Occurrence) for item in found), found[:1]
        check_locations(found, text)


def test_megabyte_reference_is_an_invalid_reference_finding(tmp_path: Path) -> None:
    make_repo(tmp_path, "compose", image_document("compose", "x" * (2 << 20)).encode())
    code, document, _ = run_json([], tmp_path, timeout=60)
    assert code == 1
    assert [(rule, line, column) for rule, _, line, column in rows(document)] == [("invalid-reference", 3, 12)]


DUPLICATES = {
    "compose": "services:\n  web:\n    image: 'nginx:1'\n    image: 'evil:latest'\n",
    "kubernetes": ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                   "    - name: c\n      image: 'nginx:1'\n      image: 'evil:latest'\n"),
    "helm": "image:\n  repository: nginx\n  tag: '1'\n  tag: latest\n",
    "kustomize": "images:\n  - name: nginx\n    newTag: '1'\n    newTag: latest\n",
}


@pytest.mark.parametrize("kind", sorted(DUPLICATES))
def test_duplicate_keys_are_a_parse_error_at_the_second_key(kind: str) -> None:
    """YAML forbids duplicate keys; compose refuses them, kubectl's strict validation reports
    them, Helm keeps the last value. So the duplicate itself is reported where it stands, and
    the last value, the one a lenient tool deploys, is checked."""
    text = DUPLICATES[kind]
    found = scan(kind, text)
    errors = [item for item in found if isinstance(item, ScanError)]
    assert len(errors) == 1, found
    last_line = len(text.splitlines())
    assert errors[0].location.line == last_line
    assert errors[0].location.column == text.splitlines()[-1].index(text.splitlines()[-1].strip()) + 1
    assert "duplicate key" in errors[0].message
    check_locations(found, text)
    (occurrence,) = [item for item in found if not isinstance(item, ScanError)]
    assert occurrence.resolved.endswith(":latest")
    where = occurrence.parts.get("tag", occurrence.location)
    assert where.line == last_line


def test_merge_keys_are_not_duplicates() -> None:
    text = ("x-a: &a {restart: always}\nx-b: &b {init: true}\n"
            "services:\n  web:\n    <<: *a\n    <<: *b\n    image: 'nginx:1'\n")
    assert [type(item) for item in scan("compose", text)] == [Occurrence]


PYTHON_TAGS = [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/apply:subprocess.check_call [['touch', '{marker}']]",
    "!!python/object/new:os.system ['touch {marker}']",
    "!!python/name:os.system",
    "!!python/module:os",
    "!<tag:yaml.org,2002:python/object/apply:os.system> ['touch {marker}']",
]


@pytest.mark.parametrize("kind", YAML_KINDS)
def test_python_tags_stay_inert(tmp_path: Path, kind: str) -> None:
    marker = tmp_path / "pwned"
    for tag in PYTHON_TAGS:
        value = tag.format(marker=marker)
        text = image_document(kind, value) + f"extra: {value}\n"
        found = scan(kind, text)
        assert not marker.exists()
        check_locations(found, text)
        # the tag is read as any other: only a collection standing as a compose service's or a
        # container's image, or as a kustomization's newName, is refused (as the tools refuse it)
        errors = [item.message for item in found if isinstance(item, ScanError)]
        assert all(message.startswith(("image must be a string, not a", "newName must be a string, not a"))
                   for message in errors), errors


@pytest.mark.parametrize("tag", PYTHON_TAGS)
def test_python_tags_in_a_policy_are_refused_and_inert(tmp_path: Path, tag: str) -> None:
    marker = tmp_path / "pwned"
    value = tag.format(marker=marker)
    policy = tmp_path / "policy.yaml"
    policy.write_text(f"version: 1\nignore: {value}\n")
    from policylint.cli import main

    assert main(["-q", "-p", str(policy), str(tmp_path)]) == 2  # a wrong type, reported as such
    assert not marker.exists()


def test_python_tag_scalar_is_not_an_image_but_tagged_string_is() -> None:
    text = "services:\n  a: {image: !!python/name:os.system }\n  b: {image: !!str 'nginx:1'}\n"
    assert [o.written for o in scan("compose", text)] == ["nginx:1"]


@pytest.mark.parametrize("kind", YAML_KINDS)
def test_tabs_are_scanned_or_a_positioned_parse_error(kind: str) -> None:
    texts = [
        "x:\n\ty: 1\n" + image_document(kind, "nginx:1"),         # tab indentation: invalid YAML
        image_document(kind, "\tnginx:1\t"),                         # tabs around a value: valid
        image_document(kind, "nginx:1") + "\t\n\t# comment\n",       # trailing tabs: valid
    ]
    for text in texts:
        found = scan(kind, text)
        check_locations(found, text)
        for item in found:
            if isinstance(item, Occurrence):
                assert item.written.strip() == "nginx:1" or item.written.startswith("nginx")
    first = scan(kind, texts[0])
    assert len(first) == 1 and isinstance(first[0], ScanError)
    assert first[0].location.column >= 1


@pytest.mark.parametrize("kind", YAML_KINDS)
def test_nul_and_control_characters_are_positioned_parse_errors(kind: str) -> None:
    for bad in ("\x00", "\x07", "\x1b", "\ufffe"):
        text = image_document(kind, "nginx:1") + f"other: a{bad}b\n"
        found = scan(kind, text)
        assert len(found) == 1 and isinstance(found[0], ScanError), (bad, found)
        assert (found[0].location.line, found[0].location.column) == (len(text.splitlines()), 9), bad


def test_nul_byte_file_is_one_parse_error_at_the_byte(tmp_path: Path) -> None:
    make_repo(tmp_path, "compose", b"services:\n  web:\n    image: nginx:1\n  x: \x00\n")
    code, document, _ = run_json([], tmp_path)
    assert code == 1
    assert [(rule, line, column) for rule, _, line, column in rows(document)] == [("parse-error", 4, 6)]


def test_dense_yaml_of_tens_of_megabytes_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    """20 MB of `[a,a,a,...` is ten million nodes: gigabytes if composed. It stops at MAX_NODES."""
    make_repo(tmp_path, "compose", b"services: [" + b"a," * (10 << 20) + b"a]\n")
    (tmp_path / "Dockerfile").write_text("FROM nginx:1\n")
    started = time.monotonic()
    code, document, _ = run_json([], tmp_path, timeout=120)
    assert time.monotonic() - started < 60
    assert rows(document) == [("parse-error", "compose.yaml", 1, 1)]
    assert document["findings"][0]["message"].startswith(f"more than {MAX_NODES} YAML nodes")
    assert document["summary"]["references"] == 1  # the Dockerfile is still checked


def test_node_budget_counts_every_node(monkeypatch: pytest.MonkeyPatch) -> None:
    from policylint import yamldoc

    monkeypatch.setattr(yamldoc, "MAX_NODES", 10)
    assert [type(item) for item in scan("compose", "services:\n  a: {image: 'nginx:1'}\n")] == [Occurrence]
    for text in ("x: [a, b, c, d, e, f, g, h, i, j, k]\n",
                 "x: [!!str a, !!str b, !!str c, !!str d, !!str e, !!str f, !!str g, !!str h, !!str i, !!str j]\n",
                 "- a\n" * 20, "a: 1\n---\nb: 2\n---\nc: 3\n---\nd: 4\n"):
        found = scan("compose", text)
        assert len(found) == 1 and isinstance(found[0], ScanError), text
        assert found[0].message.startswith("more than 10 YAML nodes")
