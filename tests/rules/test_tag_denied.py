from helpers import findings, lint


def test_latest_denied_by_default():
    assert lint("FROM node:latest\n") == [("tag-denied", 1, 6)]


def test_glob_patterns():
    policy = 'version: 1\ntags: {deny: [latest, main, "*-SNAPSHOT"]}\n'
    text = "FROM a:main\nFROM b:1.0-SNAPSHOT\nFROM c:1.0\nFROM d:mainline\n"
    assert lint(text, policy=policy) == [("tag-denied", 1, 6), ("tag-denied", 2, 6)]


def test_message_names_tag_and_pattern():
    policy = 'version: 1\ntags: {deny: ["*-SNAPSHOT"]}\n'
    (finding,) = findings("FROM b:1.0-SNAPSHOT\n", policy=policy)
    assert "1.0-SNAPSHOT" in finding.message and "*-SNAPSHOT" in finding.message
    assert finding.fix == "write b:<version>"


def test_empty_deny_list_allows_latest():
    assert lint("FROM node:latest\n", policy="version: 1\ntags: {deny: []}\n") == []


def test_implicit_latest_is_tag_missing_not_tag_denied():
    assert [rule for rule, *_ in lint("FROM node\n")] == ["tag-missing"]


def test_fix_keeps_a_registry_port():
    (finding,) = findings("FROM registry.acme.com:5000/app:latest\n")
    assert finding.fix == "write registry.acme.com:5000/app:<version>"


def test_fix_keeps_the_registry_as_written():
    (finding,) = findings("FROM docker.io/acme/app:latest\n")
    assert finding.fix == "write docker.io/acme/app:<version>"
