"""The cache of validated policies: same result, never trusted when anything it depends on changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policylint import policy as policy_module
from policylint import policy_cache
from policylint.errors import PolicylintError
from policylint.policy import load_policy

POLICY = """\
version: 1
registries:
  allow: [registry.acme.com, docker.io/library]
tags:
  deny: [latest]
environments:
  release:
    match: {paths: ["deploy/prod/**"], namespaces: [prod]}
    tags: {pattern: '^v\\d+$'}
exceptions:
  - images: [docker.io/library/postgres]
    rules: [registry-not-allowed]
    reason: dev only
    expires: 2030-01-01
"""


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("POLICYLINT_CACHE_DIR", str(folder))
    monkeypatch.delenv("POLICYLINT_NO_CACHE", raising=False)
    return folder


def _write(tmp_path, text, name=".policylint.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _no_validation(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("validated again")

    monkeypatch.setattr(policy_module, "_validate", fail)


def test_second_load_comes_from_the_cache_and_is_equal(tmp_path, cache, monkeypatch):
    path = _write(tmp_path, POLICY)
    first = load_policy(path, ".policylint.yaml")
    assert len(list(cache.iterdir())) == 1
    _no_validation(monkeypatch)
    second = load_policy(path, ".policylint.yaml")
    assert second == first
    assert second.exceptions[0].location == first.exceptions[0].location


def test_invalid_policy_is_never_cached(tmp_path, cache):
    path = _write(tmp_path, "version: 1\ntags: {deny: latest}\n")
    for _ in range(2):
        with pytest.raises(PolicylintError):
            load_policy(path)
    assert not cache.exists() or not list(cache.iterdir())


def test_edited_policy_is_validated_again(tmp_path, cache, monkeypatch):
    path = _write(tmp_path, POLICY)
    load_policy(path)
    _write(tmp_path, POLICY.replace("version: 1\n", "version: 1\nunknown: key\n"))
    with pytest.raises(PolicylintError, match="unknown key 'unknown'"):
        load_policy(path)


def test_entry_is_ignored_when_the_code_or_schema_changes(tmp_path, cache, monkeypatch):
    path = _write(tmp_path, POLICY)
    load_policy(path)
    monkeypatch.setattr(policy_cache, "_fingerprint", b"another version of policylint")
    assert policy_cache.lookup(Path(path).read_text()) is None


def test_damaged_or_foreign_entries_are_ignored(tmp_path, cache, monkeypatch):
    path = _write(tmp_path, POLICY)
    load_policy(path)
    (entry,) = cache.iterdir()
    text = Path(path).read_text()
    for damaged in (b"", b"{not json", json.dumps({"format": 1, "key": "0" * 64, "data": {}, "positions": []}).encode(),
                    b"[" * 100_000 + b"]" * 100_000, b"\xff\xfe", b'{"format": NaN}', b" {}", b"{} []"):
        entry.write_bytes(damaged)
        assert policy_cache.lookup(text) is None
    load_policy(path)  # validated again, and written again
    assert policy_cache.lookup(text) is not None


def test_no_cache_setting_turns_it_off(tmp_path, cache, monkeypatch):
    monkeypatch.setenv("POLICYLINT_NO_CACHE", "1")
    load_policy(_write(tmp_path, POLICY))
    assert not cache.exists()


def test_unwritable_cache_only_costs_time(tmp_path, monkeypatch):
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("")
    monkeypatch.setenv("POLICYLINT_CACHE_DIR", str(blocker / "cache"))
    assert load_policy(_write(tmp_path, POLICY)).allow is not None


def test_old_entries_are_evicted(tmp_path, cache, monkeypatch):
    monkeypatch.setattr(policy_cache, "_MAX_ENTRIES", 3)
    for number in range(5):
        load_policy(_write(tmp_path, POLICY + f"# revision {number}\n", name=f"p{number}.yaml"))
    assert len(list(cache.iterdir())) == 3


def _json_values(generator, depth=0):
    kind = generator.randrange(8 if depth < 4 else 5)
    if kind == 0:
        return generator.randint(-10**20, 10**20)
    if kind == 1:
        return generator.uniform(-1e6, 1e6) * 10 ** generator.randint(-30, 30)
    if kind == 2:
        return "".join(generator.choice('ab "\\/\n\t\x00\x1f\u00e9\u2028\ud83d\ude00') for _ in range(generator.randint(0, 8)))
    if kind == 3:
        return generator.choice([True, False])
    if kind == 4:
        return None
    if kind == 5:
        return []
    if kind == 6:
        return [_json_values(generator, depth + 1) for _ in range(generator.randint(0, 4))]
    return {str(_json_values(generator, 9)): _json_values(generator, depth + 1) for _ in range(generator.randint(0, 4))}


def test_entries_read_back_as_json_loads_reads_them():
    import random

    generator = random.Random(4)
    for _ in range(3000):
        value = _json_values(generator)
        raw = json.dumps(value, ensure_ascii=True, allow_nan=False).encode("ascii")  # as store() writes
        assert policy_cache._load_entry(raw) == json.loads(raw), raw


def test_the_code_fingerprint_changes_with_any_module_and_not_with_bytecode(tmp_path, monkeypatch):
    package = tmp_path / "policylint"
    (package / "schema").mkdir(parents=True)
    (package / "rules" / "__pycache__").mkdir(parents=True)
    (package / "schema" / "policy.schema.json").write_text("{}")
    (package / "cli.py").write_text("x = 1\n")
    (package / "rules" / "tag_denied.py").write_text("y = 2\n")
    (package / "rules" / "__pycache__" / "tag_denied.cpython-311.pyc").write_bytes(b"\0")
    (package / "README.txt").write_text("not code")
    monkeypatch.setattr(policy_cache, "_PACKAGE_DIR", str(package))
    first = policy_cache._compute_fingerprint()
    assert first == policy_cache._compute_fingerprint()
    (package / "rules" / "__pycache__" / "tag_denied.cpython-311.pyc").write_bytes(b"\0\0")
    (package / "README.txt").write_text("still not code")
    assert policy_cache._compute_fingerprint() == first
    (package / "rules" / "tag_denied.py").write_text("y = 22\n")  # an edit deep in the package
    second = policy_cache._compute_fingerprint()
    assert second != first
    (package / "schema" / "policy.schema.json").write_text("[]")  # same size, new content
    assert policy_cache._compute_fingerprint() != second
