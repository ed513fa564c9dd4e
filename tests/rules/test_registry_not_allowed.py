import pytest
from helpers import findings, lint

POLICY = """
version: 1
registries:
  allow: [registry.acme.com, ghcr.io/acme, docker.io/library, "*.dkr.ecr.*.amazonaws.com"]
  deny: [docker.io/library/ubuntu]
"""


@pytest.mark.parametrize("image", [
    "registry.acme.com/team/app:1.0",
    "ghcr.io/acme/app:1.0",
    "ghcr.io/acme/deep/app:1.0",
    "nginx:1.27",
    "docker.io/library/nginx:1.27",
    "index.docker.io/library/nginx:1.27",
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.0",
])
def test_allowed(image):
    assert lint(f"FROM {image}\n", policy=POLICY) == []


@pytest.mark.parametrize("image", [
    "ghcr.io/acmecorp/app:1.0",      # prefix only at a / boundary
    "ghcr.io/other/app:1.0",
    "bitnami/redis:7.2",             # docker.io/bitnami, not docker.io/library
    "quay.io/prometheus/node-exporter:v1.8.2",
    "registry.acme.com.evil.io/app:1.0",
    "ubuntu:24.04",                  # deny wins over allow
])
def test_not_allowed(image):
    assert lint(f"FROM {image}\n", policy=POLICY) == [("registry-not-allowed", 1, 6)]


def test_message_lists_allowed_registries():
    (finding,) = findings("FROM quay.io/x/y:1\n", policy=POLICY)
    assert "registry quay.io is not allowed" in finding.message
    assert "allowed: registry.acme.com, ghcr.io/acme, docker.io/library" in finding.message


def test_deny_message_names_entry():
    (finding,) = findings("FROM ubuntu:24.04\n", policy=POLICY)
    assert "docker.io/library/ubuntu" in finding.message and "denied" in finding.message


def test_every_registry_allowed_without_allow_list():
    assert lint("FROM quay.io/x/y:1\n") == []


def test_star_stays_in_one_component():
    policy = "version: 1\nregistries: {allow: [ghcr.io/*/app]}\n"
    assert lint("FROM ghcr.io/acme/app:1\n", policy=policy) == []
    assert lint("FROM ghcr.io/a/b/app:1\n", policy=policy) == [("registry-not-allowed", 1, 6)]
    policy = "version: 1\nregistries: {allow: ['ghcr.io/**/app']}\n"
    assert lint("FROM ghcr.io/a/b/app:1\n", policy=policy) == []
