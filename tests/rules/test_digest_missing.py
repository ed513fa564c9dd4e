from helpers import findings, lint

DIGEST = "sha256:" + "c" * 64


def test_global_requirement():
    policy = "version: 1\ndigests: {require: true}\n"
    assert lint("FROM alpine:3.20\n", policy=policy) == [("digest-missing", 1, 6)]
    assert lint(f"FROM alpine:3.20@{DIGEST}\n", policy=policy) == []
    (finding,) = findings("FROM alpine:3.20\n", policy=policy)
    assert finding.fix == "write alpine:3.20@sha256:<digest>"


def test_not_required_by_default():
    assert lint("FROM alpine:3.20\n") == []


def test_environment_requirement_only_for_governed_images():
    policy = """
    version: 1
    environments:
      release:
        match: {paths: ["prod/**"]}
        images: [registry.acme.com]
        digests: {require: true}
    """
    assert lint("FROM registry.acme.com/app:v1\n", path="prod/Dockerfile", policy=policy) == [
        ("digest-missing", 1, 6)]
    assert lint("FROM alpine:3.20\n", path="prod/Dockerfile", policy=policy) == []
    assert lint("FROM registry.acme.com/app:v1\n", path="dev/Dockerfile", policy=policy) == []


def test_fix_keeps_the_registry_as_written():
    policy = "version: 1\ndigests: {require: true}\n"
    (finding,) = findings("FROM docker.io/library/alpine:3.20\n", policy=policy)
    assert finding.fix == "write docker.io/library/alpine:3.20@sha256:<digest>"
