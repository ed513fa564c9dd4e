"""Baselines: fingerprints ignore lines, counts cap what is hidden, bad files are one-line errors."""

from __future__ import annotations

import hashlib
import json
from collections import Counter

import pytest

from policylint.baseline import apply_baseline, fingerprint, load_baseline, write_baseline
from policylint.errors import PolicylintError
from policylint.model import Finding, Location, Severity


def make_finding(path: str = "deploy/app.yaml", line: int = 3, column: int = 12, **kwargs) -> Finding:
    fields = dict(rule="tag-denied", severity=Severity.ERROR, message="node:latest: tag latest is denied",
                  image="node:latest", normalized="docker.io/library/node:latest")
    fields.update(kwargs)
    return Finding(location=Location(path, line, column), **fields)


def test_fingerprint_is_sha256_of_rule_path_and_normalized_image():
    expected = hashlib.sha256(b"tag-denied\0deploy/app.yaml\0docker.io/library/node:latest").hexdigest()
    assert fingerprint(make_finding()) == expected


def test_fingerprint_falls_back_to_image_then_message():
    by_image = make_finding(normalized=None, image="Node:Latest")
    assert fingerprint(by_image) == hashlib.sha256(b"tag-denied\0deploy/app.yaml\0Node:Latest").hexdigest()
    by_message = make_finding(rule="parse-error", normalized=None, image=None, message="bad YAML")
    assert fingerprint(by_message) == hashlib.sha256(b"parse-error\0deploy/app.yaml\0bad YAML").hexdigest()


def test_fingerprint_ignores_position_severity_and_message_when_there_is_an_image():
    moved = make_finding(line=90, column=1, severity=Severity.WARNING, message="reworded")
    assert fingerprint(moved) == fingerprint(make_finding())


@pytest.mark.parametrize("change", [
    {"rule": "tag-missing"}, {"path": "deploy/other.yaml"}, {"normalized": "docker.io/library/node:22"},
])
def test_fingerprint_changes_with_rule_path_and_image(change):
    assert fingerprint(make_finding(**change)) != fingerprint(make_finding())


def test_fingerprint_fields_cannot_run_together():
    # NUL separators (no path or image holds NUL): ("a", "b/c") and ("a/b", "c") differ
    first = make_finding(path="a", normalized="b/c")
    second = make_finding(path="a/b", normalized="c")
    assert fingerprint(first) != fingerprint(second)


def test_hostile_text_hashes():
    finding = make_finding(path="bad\udcff\ud800\n.yaml", normalized=None, image=None, message="\x00<>")
    assert len(fingerprint(finding)) == 64


def test_write_and_load_round_trip(tmp_path):
    findings = [
        make_finding(),
        make_finding(line=9),
        make_finding(path="b/Dockerfile", rule="tag-missing", normalized="docker.io/library/redis:latest",
                     image="redis"),
        make_finding(path="weird \udcff\n.yaml", rule="parse-error", image=None, normalized=None,
                     message="cannot parse: é"),
    ]
    target = tmp_path / "baseline.json"
    write_baseline(target, findings)
    raw = target.read_bytes()
    raw.decode("ascii")  # ASCII JSON: any path or message survives any reader
    document = json.loads(raw)
    assert document["version"] == 1
    assert document["tool"] == "policylint"
    prints = document["fingerprints"]
    assert list(prints) == sorted(prints)
    assert prints[fingerprint(findings[0])] == 2
    assert sum(prints.values()) == 4
    assert document["entries"][0] == {
        "rule": "tag-missing", "path": "b/Dockerfile", "image": "docker.io/library/redis:latest",
        "count": 1, "fingerprint": fingerprint(findings[2]),
    }
    assert {"rule": "parse-error", "path": "weird \udcff\n.yaml", "message": "cannot parse: é",
            "count": 1, "fingerprint": fingerprint(findings[3])} in document["entries"]
    assert load_baseline(target) == Counter({fingerprint(f): n for f, n in
                                             [(findings[0], 2), (findings[2], 1), (findings[3], 1)]})


def test_write_is_deterministic(tmp_path):
    findings = [make_finding(path=f"f{i}.yaml", line=i) for i in range(5)]
    write_baseline(tmp_path / "a.json", findings)
    write_baseline(tmp_path / "b.json", list(reversed(findings)))
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_finding_that_only_moved_stays_hidden_and_a_new_one_is_kept(tmp_path):
    target = tmp_path / "baseline.json"
    write_baseline(target, [make_finding(line=3)])
    moved = make_finding(line=40, column=7)
    new = make_finding(normalized="docker.io/library/node:main", image="node:main")
    kept, suppressed = apply_baseline([moved, new], load_baseline(target))
    assert kept == [new]
    assert suppressed == 1


def test_counts_are_respected(tmp_path):
    target = tmp_path / "baseline.json"
    write_baseline(target, [make_finding(line=3), make_finding(line=8)])
    baseline = load_baseline(target)
    three = [make_finding(line=3), make_finding(line=8), make_finding(line=20)]
    kept, suppressed = apply_baseline(three, baseline)
    assert suppressed == 2
    assert kept == [three[2]]
    assert apply_baseline(three[:1], baseline) == ([], 1)
    assert baseline == Counter({fingerprint(three[0]): 2})  # not consumed by apply_baseline


def test_same_image_in_another_file_is_new():
    baseline = Counter({fingerprint(make_finding()): 1})
    kept, suppressed = apply_baseline([make_finding(path="other.yaml")], baseline)
    assert suppressed == 0 and len(kept) == 1


def test_empty_baseline_keeps_everything():
    findings = [make_finding(), make_finding(line=5)]
    assert apply_baseline(findings, Counter()) == (findings, 0)


def error_for(tmp_path, content) -> str:
    target = tmp_path / "policylint-baseline.json"
    if isinstance(content, str):
        content = content.encode("utf-8")
    target.write_bytes(content)
    with pytest.raises(PolicylintError) as info:
        load_baseline(target)
    message = str(info.value)
    assert "\n" not in message
    assert "policylint-baseline.json" in message
    return message


def test_invalid_json_is_a_positioned_error(tmp_path):
    message = error_for(tmp_path, '{"version": 1,\n  "fingerprints": {oops}}')
    assert message.endswith("policylint-baseline.json:2:20: invalid baseline: not valid JSON "
                            "(Expecting property name enclosed in double quotes)")


@pytest.mark.parametrize(("content", "expected"), [
    ("", "not valid JSON"),
    (b"\xff\xfe{}", "not UTF-8"),
    ("[1, 2]", "expected a JSON object, found list"),
    ('{"fingerprints": {}}', "unsupported version None (expected 1)"),
    ('{"version": 2, "fingerprints": {}}', "unsupported version 2 (expected 1)"),
    ('{"version": true, "fingerprints": {}}', "unsupported version True (expected 1)"),
    ('{"version": 1, "tool": "hadolint", "fingerprints": {}}', "written by 'hadolint'"),
    ('{"version": 1}', "'fingerprints' must be an object"),
    ('{"version": 1, "fingerprints": ["abc"]}', "'fingerprints' must be an object"),
    ('{"version": 1, "fingerprints": {"abc": -1}}', "must be a non-negative integer, found -1"),
    ('{"version": 1, "fingerprints": {"abc": "2"}}', 'must be a non-negative integer, found "2"'),
    ('{"version": 1, "fingerprints": {"abc": true}}', "must be a non-negative integer, found true"),
    ("[" * 100000, "not valid JSON"),
])
def test_invalid_baselines_are_one_line_errors(tmp_path, content, expected):
    assert expected in error_for(tmp_path, content)


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(PolicylintError) as info:
        load_baseline(tmp_path / "nope.json")
    assert str(info.value).startswith("cannot read baseline ")
    assert "nope.json" in str(info.value)


def test_unwritable_target_is_an_error(tmp_path):
    with pytest.raises(PolicylintError) as info:
        write_baseline(tmp_path / "missing-dir" / "baseline.json", [make_finding()])
    assert str(info.value).startswith("cannot write baseline ")


def test_minimal_hand_written_baseline_loads(tmp_path):
    target = tmp_path / "b.json"
    target.write_text('{"version": 1, "fingerprints": {"abc": 2, "def": 0}}', encoding="utf-8")
    assert load_baseline(target) == Counter({"abc": 2})


def test_a_large_baseline_is_loaded_without_its_entries(tmp_path):
    """The human-readable entries are most of a baseline; loading keeps only the counts, so
    memory stays near the file's size (it was about 18 times the file)."""
    import tracemalloc

    findings = [make_finding(path=f"svc{number}/compose.yaml", normalized=f"docker.io/acme/app{number}:latest")
                for number in range(30_000)]
    path = tmp_path / "baseline.json"
    write_baseline(path, findings)
    size = path.stat().st_size
    tracemalloc.start()
    try:
        counts = load_baseline(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert counts == Counter(fingerprint(finding) for finding in findings)
    assert peak < 3 * size, (peak, size)


def test_a_baseline_with_an_extra_top_level_fingerprint_key_still_loads(tmp_path):
    path = tmp_path / "baseline.json"
    write_baseline(path, [make_finding()])
    document = json.loads(path.read_text())
    document["fingerprint"] = "kept for a tool of ours"
    path.write_text(json.dumps(document))
    assert load_baseline(path) == Counter({fingerprint(make_finding()): 1})
