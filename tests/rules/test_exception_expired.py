import datetime

from helpers import findings, lint

POLICY = """
version: 1
registries: {allow: [registry.acme.com]}
exceptions:
  - images: [docker.io/library/postgres]
    rules: [registry-not-allowed]
    reason: local development database only
    expires: 2027-06-30
"""

BEFORE = datetime.date(2027, 6, 30)
AFTER = datetime.date(2027, 7, 1)


def test_active_exception_waives():
    assert lint("FROM postgres:16\n", policy=POLICY, today=BEFORE) == []


def test_expired_exception_is_reported_at_its_policy_line_and_waives_nothing():
    result = findings("FROM postgres:16\n", policy=POLICY, today=AFTER)
    assert [(f.rule, f.location.path, f.location.line) for f in result] == [
        ("exception-expired", ".policylint.yaml", 5),
        ("registry-not-allowed", "Dockerfile", 1),
    ]
    assert "2027-06-30" in result[0].message


def test_exception_scoped_by_rule_and_image():
    # the exception covers registry-not-allowed for postgres only
    assert lint("FROM postgres\n", policy=POLICY, today=BEFORE) == [("tag-missing", 1, 6)]
    assert lint("FROM redis:7\n", policy=POLICY, today=BEFORE) == [("registry-not-allowed", 1, 6)]


def test_exception_scoped_by_path():
    policy = POLICY.replace("    reason:", "    paths: [\"dev/**\"]\n    reason:")
    assert lint("FROM postgres:16\n", path="dev/Dockerfile", policy=policy, today=BEFORE) == []
    assert lint("FROM postgres:16\n", path="prod/Dockerfile", policy=policy, today=BEFORE) == [
        ("registry-not-allowed", 1, 6)]
