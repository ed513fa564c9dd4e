"""The pre-commit hook manifest: valid for pre-commit, and its `files` regex selects exactly the
names that discovery scans (`kind_for_name` is not None), as check-jsonschema tests its hooks."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any, Dict

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from policylint.discovery import kind_for_name

MANIFEST = Path(__file__).resolve().parents[1] / ".pre-commit-hooks.yaml"

ACCEPTED = [
    "Dockerfile",
    "dockerfile",
    "Dockerfile.prod",
    "Dockerfile-dev",
    "Dockerfile.dev.arm64",
    "Dockerfile.yaml",
    "Containerfile",
    "containerfile",
    "Containerfile.build",
    "app.dockerfile",
    "app.Dockerfile",
    "API.DOCKERFILE",
    ".dockerfile",
    "base.containerfile",
    "base.Containerfile",
    "compose.yaml",
    "compose.yml",
    "compose.override.yaml",
    "docker-compose.yml",
    "docker-compose.prod.yaml",
    "Compose.YAML",
    "kustomization.yaml",
    "kustomization.yml",
    "Kustomization",
    "values.yaml",
    "values-prod.yaml",
    "Chart.yaml",
    "deployment.yaml",
    "app.YML",
    ".policylint.yaml",
    ".pre-commit-config.yaml",
    ".yaml",
    ".yml",
]

REJECTED = [
    "DOCKERFILE",
    "DockerFile",
    "dockerFile",
    "CONTAINERFILE",
    "my-Dockerfile",
    "Dockerfile.dockerignore",
    "Containerfile.containerignore",
    "app.Dockerfile.DockerIgnore",
    ".dockerignore",
    ".containerignore",
    "kustomization",
    "KUSTOMIZATION",
    "Kustomization.json",
    "kustomization.json",
    "compose.json",
    "docker-compose",
    "values.yaml.bak",
    "deploy.yaml.tmpl",
    "app.yamll",
    "yaml",
    "Chart.lock",
    "README.md",
    "Makefile",
    "build.dockerfile.bak",
    "dockerfile_parser.py",
    "Dockerfile.md",
    "Containerfile_test.GO",
    "dockerfile.JSON",
]

FOLDERS = ["", "deploy/prod/", "Dockerfiles/", "a.yaml/", "Kustomization/", ".github/workflows/"]


def load_manifest() -> Any:
    with MANIFEST.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def the_hook() -> Dict[str, Any]:
    hooks = load_manifest()
    assert isinstance(hooks, list)
    (hook,) = [hook for hook in hooks if hook["id"] == "policylint"]
    return hook


@cache
def files_regex() -> re.Pattern[str]:
    return re.compile(the_hook()["files"])


def selected(path: str) -> bool:
    """pre-commit's own test: `re.search` of the hook's `files` on the path relative to the repo root."""
    return files_regex().search(path) is not None


def test_manifest_is_valid_for_pre_commit() -> None:
    clientlib = pytest.importorskip("pre_commit.clientlib")
    (hook,) = clientlib.load_manifest(str(MANIFEST))
    assert hook["id"] == "policylint"


def test_hook_runs_policylint_on_the_selected_files() -> None:
    hook = the_hook()
    assert hook["entry"] == "policylint"
    assert hook["language"] == "python"
    assert hook["name"] and hook["description"]
    assert hook["require_serial"] is True  # policylint parallelises large runs itself
    assert hook.get("pass_filenames", True) is True
    assert not hook.get("args"), "the hook must work bare: file names are all it is given"
    # An extensionless Dockerfile carries only the `file` tag, so narrower types would drop it.
    assert hook.get("types", ["file"]) == ["file"]
    assert not hook.get("types_or") and not hook.get("exclude_types")
    assert not hook.get("always_run")


def test_table_agrees_with_discovery() -> None:
    assert len(ACCEPTED) + len(REJECTED) >= 40
    for name in ACCEPTED:
        assert kind_for_name(name) is not None, f"table error: discovery rejects {name}"
    for name in REJECTED:
        assert kind_for_name(name) is None, f"table error: discovery accepts {name}"


@pytest.mark.parametrize("folder", FOLDERS)
@pytest.mark.parametrize("name", ACCEPTED)
def test_files_selects(folder: str, name: str) -> None:
    assert selected(folder + name)


@pytest.mark.parametrize("folder", FOLDERS)
@pytest.mark.parametrize("name", REJECTED)
def test_files_leaves_out(folder: str, name: str) -> None:
    assert not selected(folder + name)


FRAGMENTS = [
    "Dockerfile", "dockerfile", "DOCKERFILE", "DockerFile", "Containerfile", "containerfile",
    "docker", "container", "file", "File", "compose", "docker-compose", "Kustomization",
    "kustomization", "values", "yaml", "YAML", "yml", "Yml", "dockerignore", "containerignore",
    "DockerIgnore", ".", ".", "-", "_", "/", "a", "x", "py", "md", "Json", "go", "txt",
]


@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=7).map("".join))
def test_files_agrees_with_discovery_on_any_path(path: str) -> None:
    if path.endswith("/") or path.startswith("/") or "//" in path:
        return  # pre-commit passes paths of files, relative to the repository root
    assert selected(path) == (kind_for_name(path) is not None), path


def test_files_leaves_out_every_suffix_discovery_leaves_out() -> None:
    from policylint.discovery import _NOT_DOCKERFILE_SUFFIXES

    for suffix in _NOT_DOCKERFILE_SUFFIXES:
        for name in (f"dockerfile_parser{suffix}", f"Containerfile{suffix.upper()}"):
            expected = kind_for_name(name) is not None  # .yaml/.yml names are YAML files
            assert selected(f"src/{name}") is expected, name
            assert expected is (suffix in (".yaml", ".yml")), name
