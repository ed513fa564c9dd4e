import pytest
from helpers import findings, lint

POLICY = "version: 1\nfully_qualified: true\n"


@pytest.mark.parametrize("image", ["nginx:1.25", "library/nginx:1.25", "bitnami/redis:7"])
def test_implicit_registry_or_library_flagged(image):
    assert lint(f"FROM {image}\n", policy=POLICY) == [("not-fully-qualified", 1, 6)]


def test_docker_io_without_library_flagged_with_fix():
    (finding,) = findings("FROM docker.io/nginx:1.25\n", policy=POLICY)
    assert finding.rule == "not-fully-qualified"
    assert finding.fix == "write docker.io/library/nginx:1.25"


@pytest.mark.parametrize("image", ["docker.io/library/nginx:1.25", "ghcr.io/acme/app:1", "localhost:5000/a:1"])
def test_fully_qualified_passes(image):
    assert lint(f"FROM {image}\n", policy=POLICY) == []


def test_off_by_default():
    assert lint("FROM nginx:1.25\n") == []
