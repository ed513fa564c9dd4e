"""The cache of validated policies: same result, never trusted when anything it depends on changes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from policylint import policy_cache, policy_validation
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

    monkeypatch.setattr(policy_validation, "validate", fail)


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


def _entry(payload: bytes) -> bytes:
    """An entry file holding `payload`, with the header and checksum store() writes."""
    return policy_cache._MAGIC + policy_cache._digest(payload).encode() + payload


def test_damaged_or_foreign_entries_are_ignored(tmp_path, cache, monkeypatch):
    path = _write(tmp_path, POLICY)
    load_policy(path)
    (entry,) = cache.iterdir()
    text = Path(path).read_text()
    encoded, fingerprint = text.encode(), policy_cache._code_fingerprint()
    good = policy_cache.marshal.loads(entry.read_bytes()[len(policy_cache._MAGIC) + 32:])
    foreign = [
        (1, fingerprint, encoded, good[3], good[4]),  # an older format
        (2, b"older code", encoded, good[3], good[4]),
        (2, fingerprint, encoded + b"# another policy\n", good[3], good[4]),
        (2, fingerprint, encoded, [], good[4]),
        (2, fingerprint, encoded, good[3], {("tags",): (1, 2, 3)}),
        (2, fingerprint, encoded, good[3], {("tags",): (1, 2, 3, "4")}),
        (2, fingerprint, encoded, good[3], [(("tags",), (1, 2, 3, 4))]),
        (2, fingerprint, encoded, good[3]),
        [2, fingerprint, encoded, good[3], good[4]],
    ]
    damaged = [b"", b"{not json", json.dumps({"format": 1, "key": "0" * 64, "data": {}, "positions": []}).encode(),
               b"[" * 100_000 + b"]" * 100_000,  # marshal would read a list of 1.5 billion items
               _entry(b"\xff\xfe"), _entry(b""), _entry(policy_cache.marshal.dumps(good)[:-1]),
               *(_entry(policy_cache.marshal.dumps(value)) for value in foreign)]
    for content in damaged:
        entry.write_bytes(content)
        assert policy_cache.lookup(text) is None, content[:80]
    load_policy(path)  # validated again, and written again
    assert policy_cache.lookup(text) is not None


def test_an_entry_damaged_anywhere_is_ignored_or_still_right(tmp_path, cache):
    """Bytes flipped, cut or added anywhere in an entry: never an error, a hang or another answer."""
    import random

    path = _write(tmp_path, POLICY)
    load_policy(path)
    (entry,) = cache.iterdir()
    text = Path(path).read_text()
    original = entry.read_bytes()
    expected = policy_cache.lookup(text)
    generator = random.Random(7)
    for _ in range(3000):
        content = bytearray(original)
        where = generator.randrange(len(content))
        how = generator.randrange(3)
        if how == 0:
            content[where] ^= 1 << generator.randrange(8)
        elif how == 1:
            del content[where:]
        else:
            content[where:where] = bytes([generator.randrange(256)])
        entry.write_bytes(bytes(content))
        assert policy_cache.lookup(text) in (None, expected)


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


def test_a_wheel_install_is_fingerprinted_by_the_record_pip_wrote(tmp_path, monkeypatch):
    """Installed from a wheel, the code is the RECORD pip wrote (anew at every install), known
    by its size and modification time: one stat instead of one per module at every start."""
    site = tmp_path / "site-packages"
    package = site / "policylint"
    (package / "schema").mkdir(parents=True)
    (package / "schema" / "policy.schema.json").write_text("{}")
    (package / "cli.py").write_text("x = 1\n")
    monkeypatch.setattr(policy_cache, "_PACKAGE_DIR", str(package))
    checkout = policy_cache._compute_fingerprint()
    record = site / f"policylint-{policy_cache.__version__}.dist-info" / "RECORD"
    record.parent.mkdir()
    record.write_text("policylint/cli.py,sha256=one,6\npolicylint/policy_cache.py,sha256=two,9\n")
    os.utime(record, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    installed = policy_cache._compute_fingerprint()
    assert installed != checkout and installed == policy_cache._compute_fingerprint()
    (package / "cli.py").write_text("x = 2\n")  # not how an install changes: RECORD is what counts
    assert policy_cache._compute_fingerprint() == installed
    record.write_text("policylint/cli.py,sha256=two,6\npolicylint/policy_cache.py,sha256=two,9\n")  # reinstall
    os.utime(record, ns=(1_700_000_000_000_000_001, 1_700_000_000_000_000_001))
    assert policy_cache._compute_fingerprint() != installed
    record.unlink()  # uninstalled: file by file again
    again = policy_cache._compute_fingerprint()
    assert b"RECORD" not in again and b"cli.py" in again and b"RECORD" not in checkout
