"""Policy loading: discovery, the built-in default, validation errors with file:line:col."""

import json
import textwrap
from pathlib import Path

import pytest
import yaml

from policylint.errors import PolicylintError
from policylint.policy import (
    DEFAULT_POLICY_DATA,
    default_policy,
    find_policy,
    load_policy,
    parse_policy,
)

REPO = Path(__file__).resolve().parents[1]


def error_of(text: str) -> PolicylintError:
    with pytest.raises(PolicylintError) as info:
        parse_policy(textwrap.dedent(text), "p.yaml", base_dir=None)
    return info.value


@pytest.mark.parametrize("text, line, column, words", [
    ("version: 1\ntgas: {require: true}\n", 2, 1, ["unknown key 'tgas'", "did you mean 'tags'"]),
    ("version: 1\ntags:\n  require: yes-please\n", 3, 12, ["tags.require must be true or false"]),
    ("version: 1\ntags:\n  requir: true\n", 3, 3, ["unknown key 'requir'", "'require'"]),
    ("version: 2\n", 1, 10, ["version must be 1"]),
    ("version: 1\nregistries:\n  allow: ghcr.io\n", 3, 10, ["registries.allow must be a list"]),
    ("version: 1\nenvironments:\n  release:\n    tags: {pattern: '^v('}\n    match: {paths: [a]}\n",
     4, 21, ["not a valid regular expression"]),
    ("version: 1\nexceptions:\n  - images: [x.io]\n    reason: r\n    expires: 2027-02-30\n",
     5, 14, ["not a real date"]),
    ("version: 1\nexceptions:\n  - images: [x.io]\n    reason: r\n    expires: soon\n",
     5, 14, ["YYYY-MM-DD"]),
    ("version: 1\nexceptions:\n  - images: [x.io]\n", 3, 5, ["missing the required key 'reason'"]),
    ("version: 1\nseverity: {tag-denid: warning}\n", 2, 12, ["unknown rule 'tag-denid'", "tag-denied"]),
    ("version: 1\nseverity: {tag-denied: loud}\n", 2, 24, ["must be one of error, warning, note, off"]),
    ("version: 1\nignore: ['[abc']\n", 2, 10, ["never closed"]),
    # valid as written, refused once compiled: registry hosts are compared in lower case
    ("version: 1\nregistries:\n  allow: ['[Z-a].example.com']\n", 3, 11, ["bad character range z-a"]),
    ("version: 1\nexceptions:\n  - {images: ['[Z-a].io'], reason: r}\n", 3, 15, ["bad character range"]),
    ("version: 1\nenvironments:\n  r:\n    match: {namespaces: ['[prod*']}\n", 4, 26, ["never closed"]),
    ("version: 1\nenvironments:\n  r:\n    match: {paths: ['**']}\n    tags: {pattern: 'v\\d{4294967296}'}\n",
     5, 21, ["a repeat count is too large"]),
    ("version: 1\nenvironments:\n  r:\n    match: {paths: ['**']}\n    tags: {pattern: '" + "(" * 2000 + ")" * 2000
     + "'}\n", 5, 21, ["groups are nested too deeply"]),
    ("version: 1\ntags: [\n", 3, 1, ["invalid YAML"]),
    ("version: 1\nversion: 1\n", 2, 1, ["duplicate key 'version'"]),
    ("- a\n- b\n", 1, 1, ["policy must be a mapping"]),
    ("version: 1\nenvironments:\n  release:\n    match: {}\n", 4, 12, ["must not be empty"]),
    ("version: 1\nexceptions:\n  - images: [x]\n    rules: [tag-mising]\n    reason: r\n",
     4, 13, ["unknown rule 'tag-mising'"]),
])
def test_errors_name_line_column_and_expectation(text, line, column, words):
    error = error_of(text)
    assert error.location is not None
    assert (error.location.path, error.location.line, error.location.column) == ("p.yaml", line, column)
    for word in words:
        assert word in error.message, error.message
    assert "\n" not in str(error)


def test_empty_policy_is_an_error():
    assert "empty" in error_of("# nothing\n").message


def test_off_is_text_not_a_boolean():
    policy = parse_policy("version: 1\nseverity: {tag-denied: off}\n", "p.yaml", None)
    assert policy.severity == {"tag-denied": "off"}


def test_default_policy_file_equals_builtin():
    data = yaml.safe_load((REPO / "policies" / "default.yaml").read_text())
    assert data == DEFAULT_POLICY_DATA


def test_default_policy_file_compiles_to_builtin_rules():
    loaded = load_policy(str(REPO / "policies" / "default.yaml"))
    builtin = default_policy()
    for field in ("allow", "deny", "tags_required", "tags_deny", "digests_required", "fully_qualified",
                  "environments", "exceptions"):
        assert getattr(loaded, field) == getattr(builtin, field), field


@pytest.mark.parametrize("name", ["default.yaml", "strict.yaml", "release-beta.yaml"])
def test_shipped_policies_are_valid(name):
    load_policy(str(REPO / "policies" / name))


def test_published_schema_matches_packaged_schema():
    published = json.loads((REPO / "policies" / "policy.schema.json").read_text())
    packaged = json.loads((REPO / "policylint" / "schema" / "policy.schema.json").read_text())
    assert published == packaged


def test_find_policy_walks_up_to_git_root(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".policylint.yml").write_text("version: 1\n")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_policy(str(deep)) == str(tmp_path / ".policylint.yml")
    (tmp_path / "a" / ".policylint.yaml").write_text("version: 1\n")
    assert find_policy(str(deep)) == str(tmp_path / "a" / ".policylint.yaml")


def test_find_policy_stops_at_git_root(tmp_path):
    (tmp_path / ".policylint.yaml").write_text("version: 1\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    assert find_policy(str(repo)) is None


def test_user_policy_keeps_latest_denied_unless_overridden():
    assert parse_policy("version: 1\ntags: {require: true}\n", "p", None).tags_deny == ("latest",)
    assert parse_policy("version: 1\ntags: {deny: []}\n", "p", None).tags_deny == ()


def test_a_stray_document_marker_after_the_policy_is_no_second_document():
    policy = parse_policy("version: 1\ntags: {deny: [main]}\n---\n", "p.yaml", None)
    assert policy.tags_deny == ("main",)
    assert "single YAML document" in error_of("version: 1\n---\n# note\n---\nversion: 1\n").message


def test_an_exception_is_in_force_through_its_expiry_date_and_expired_the_day_after():
    policy = parse_policy(
        "version: 1\nexceptions:\n"
        "  - {images: [x.io/a], reason: one, expires: 2026-11-29}\n"
        "  - {images: [x.io/b], reason: two}\n"
        "  - {images: [x.io/c], reason: three, expires: 2026-11-28}\n", ".policylint.yaml", base_dir=None)
    assert [item.reason for item in policy.exceptions_in_force("2026-11-29")] == ["one", "two"]
    assert [item.reason for item in policy.expired_exceptions("2026-11-29")] == ["three"]
    assert [item.reason for item in policy.exceptions_in_force("2026-11-30")] == ["two"]
    assert [item.reason for item in policy.expired_exceptions("2026-11-30")] == ["one", "three"]
