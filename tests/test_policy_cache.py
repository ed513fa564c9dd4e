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
    for damaged in (b"", b"{not json", json.dumps({"format": 1, "key": "0" * 64, "data": {}, "positions": []}).encode()):
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
