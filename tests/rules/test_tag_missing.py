from helpers import findings, lint


def test_untagged_image_is_flagged_at_the_reference():
    assert lint("FROM nginx\n") == [("tag-missing", 1, 6)]


def test_message_states_latest_and_the_fix():
    (finding,) = findings("FROM nginx\n")
    assert "nginx:latest" in finding.message
    assert finding.fix == "write nginx:<version>"


def test_tag_or_digest_satisfies_the_rule():
    digest = "sha256:" + "a" * 64
    assert lint(f"FROM nginx:1.27.3\nFROM redis@{digest}\n") == []


def test_off_when_tags_not_required():
    assert lint("FROM nginx\n", policy="version: 1\ntags: {require: false}\n") == []


def test_severity_override_and_off():
    (finding,) = findings("FROM nginx\n", policy="version: 1\nseverity: {tag-missing: warning}\n")
    assert finding.severity.value == "warning"
    assert lint("FROM nginx\n", policy="version: 1\nseverity: {tag-missing: 'off'}\n") == []


def test_fix_keeps_the_registry_as_written():
    """Following the fix must not drop a registry the policy may require (fully_qualified)."""
    (written,) = findings("FROM docker.io/acme/app\n")
    assert written.fix == "write docker.io/acme/app:<version>"
    assert "so it means docker.io/acme/app:latest" in written.message
    (official,) = findings("FROM docker.io/nginx\n")
    assert official.fix == "write docker.io/nginx:<version>"
    (short,) = findings("FROM acme/app\n")
    assert short.fix == "write acme/app:<version>"
