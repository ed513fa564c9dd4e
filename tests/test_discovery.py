from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Iterable, List

import pytest
from helpers import scandir_with_a_vanished_entry

from policylint import discovery
from policylint.discovery import EXCLUDED, NOT_A_KIND, NOT_REGULAR, discover, kind_for_name
from policylint.errors import PolicylintError

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def make(root: Path, files: Iterable[str]) -> None:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x\n")


def kinds(root: Path, paths: Iterable[str] = (), **kwargs) -> Dict[str, str]:
    result = discover([str(p) for p in paths] or [str(root)], root=str(root), **kwargs)
    return {f.path: f.kind for f in result.files}


def skipped(root: Path, paths: Iterable[str] = (), **kwargs) -> Dict[str, str]:
    result = discover([str(p) for p in paths] or [str(root)], root=str(root), **kwargs)
    return {s.path: s.reason for s in result.skipped}


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Dockerfile", "dockerfile"),
        ("dockerfile", "dockerfile"),
        ("Dockerfile.prod", "dockerfile"),
        ("Dockerfile_test", "dockerfile"),
        ("Dockerfile-dev", "dockerfile"),
        ("dockerfile.yaml", "yaml"),  # YAML about Dockerfiles (see below)
        ("Containerfile", "dockerfile"),
        ("containerfile", "dockerfile"),
        ("Containerfile.arm64", "dockerfile"),
        ("app.dockerfile", "dockerfile"),
        ("App.Dockerfile", "dockerfile"),
        ("web.DOCKERFILE", "dockerfile"),
        ("base.containerfile", "dockerfile"),
        ("base.ContainerFile", "dockerfile"),
        ("deploy/docker/Dockerfile", "dockerfile"),
        ("deploy\\docker\\Dockerfile.win", "dockerfile"),
        ("Dockerfile.dockerignore", None),
        ("app.Dockerfile.dockerignore", None),
        ("Containerfile.containerignore", None),
        (".dockerignore", None),
        ("DOCKERFILE", None),
        # source, documents and data about Dockerfiles are not Dockerfiles
        ("truss/dockerfile_parser.py", None),
        ("checkov/common/util/dockerfile.py", None),
        ("Dockerfile.md", None),
        ("dockerfile-lint.yaml", "yaml"),
        ("Dockerfile.json", None),
        ("Containerfile_test.go", None),
        ("Dockerfile.txt", "dockerfile"),
        # archives of a Dockerfile linter, source maps, ERB/EJS templates (`<% %>` is not read around)
        ("dockerfilelint-1.8.0.tgz", None),
        ("dockerfile.js.map", None),
        ("templates/Dockerfile.ejs", None),
        ("Dockerfile.erb", None),
        ("Dockerfile.j2", "dockerfile"),
        ("Dockerfile.python", "dockerfile"),
        ("Dockerfile.py.dockerfile", "dockerfile"),
        ("MyDockerfile", None),
        ("kustomization.yaml", "kustomize"),
        ("kustomization.yml", "kustomize"),
        ("Kustomization", "kustomize"),
        ("overlays/prod/kustomization.yaml", "kustomize"),
        ("kustomization", None),
        ("Kustomization.yaml", "yaml"),
        ("compose.yaml", "compose"),
        ("compose.yml", "compose"),
        ("compose.prod.yaml", "compose"),
        ("compose-dev.yml", "compose"),
        ("docker-compose.yml", "compose"),
        ("docker-compose.override.yaml", "compose"),
        ("docker-compose-prod.YML", "compose"),
        ("Docker-Compose.yml", "compose"),
        ("my-compose.yaml", "yaml"),
        ("deployment.yaml", "yaml"),
        ("values.yaml", "yaml"),
        ("Chart.yaml", "yaml"),
        ("x.YML", "yaml"),
        (".chainsaw-test.yaml", "yaml"),
        ("README.md", None),
        ("Makefile", None),
        ("pod.json", None),
        ("values.yaml.bak", None),
        ("", None),
    ],
)
def test_kind_for_name(name: str, kind: str) -> None:
    assert kind_for_name(name) == kind


def test_walk_finds_candidates_only(tmp_path: Path) -> None:
    make(tmp_path, ["Dockerfile", "README.md", "k8s/deploy.yaml", "compose.yaml", "src/main.py"])
    assert kinds(tmp_path) == {
        "Dockerfile": "dockerfile",
        "compose.yaml": "compose",
        "k8s/deploy.yaml": "yaml",
    }
    assert skipped(tmp_path) == {}


def test_helm_values_need_a_chart_yaml_beside_them(tmp_path: Path) -> None:
    make(
        tmp_path,
        [
            "chart/Chart.yaml",
            "chart/values.yaml",
            "chart/values-prod.yml",
            "chart/other.yaml",
            "chart/sub/values.yaml",
            "plain/values.yaml",
        ],
    )
    assert kinds(tmp_path) == {
        "chart/Chart.yaml": "yaml",
        "chart/values.yaml": "helm",
        "chart/values-prod.yml": "helm",
        "chart/other.yaml": "yaml",
        "chart/sub/values.yaml": "yaml",
        "plain/values.yaml": "yaml",
    }
    assert kinds(tmp_path, [tmp_path / "chart/values.yaml", tmp_path / "plain/values.yaml"]) == {
        "chart/values.yaml": "helm",
        "plain/values.yaml": "yaml",
    }


def test_hidden_dirs_are_scanned_but_git_is_not(tmp_path: Path) -> None:
    make(
        tmp_path,
        [".chainsaw-test/pod.yaml", ".kyverno-test/x/Dockerfile", ".git/Dockerfile", "sub/.git/config.yaml"],
    )
    assert sorted(kinds(tmp_path)) == [".chainsaw-test/pod.yaml", ".kyverno-test/x/Dockerfile"]


def test_nested_gitignore_with_negation(tmp_path: Path) -> None:
    make(
        tmp_path,
        [
            "a.yml",
            "keep.yml",
            "build/Dockerfile",
            "sub/x.yml",
            "sub/sub-keep.yml",
            "sub/local.yaml",
            "sub/only.yaml",
            "sub/deeper/only.yaml",
            "other/local.yaml",
            "other/Dockerfile",
        ],
    )
    (tmp_path / ".gitignore").write_text("# comment\n*.yml\nbuild/\n!keep.yml\n")
    (tmp_path / "sub/.gitignore").write_text("!sub-keep.yml\nlocal.yaml\n/only.yaml\n")
    assert sorted(kinds(tmp_path)) == [
        "keep.yml",
        "other/Dockerfile",
        "other/local.yaml",
        "sub/deeper/only.yaml",
        "sub/sub-keep.yml",
    ]
    assert len(kinds(tmp_path, use_gitignore=False)) == 10


def test_git_info_exclude_and_parent_gitignore(tmp_path: Path) -> None:
    make(tmp_path, ["sub/a.yml", "sub/b.yaml", "sub/excluded.yaml", "sub/Dockerfile"])
    (tmp_path / ".git/info").mkdir(parents=True)
    (tmp_path / ".git/info/exclude").write_text("excluded.yaml\n")
    (tmp_path / ".gitignore").write_text("*.yml\n")
    expected = ["sub/Dockerfile", "sub/b.yaml"]
    assert sorted(kinds(tmp_path)) == expected
    # a sub-folder named on the command line inherits the rules above it, up to the git root
    assert sorted(kinds(tmp_path, [tmp_path / "sub"])) == expected


def test_parent_gitignore_without_a_repository_counts_from_the_scan_root(tmp_path: Path) -> None:
    make(tmp_path, ["sub/a.yml", "sub/Dockerfile"])
    (tmp_path / ".gitignore").write_text("*.yml\n")
    assert sorted(kinds(tmp_path, [tmp_path / "sub"])) == ["sub/Dockerfile"]


def test_nested_repository_resets_outer_rules(tmp_path: Path) -> None:
    make(tmp_path, ["a.yml", "module/b.yml"])
    (tmp_path / ".git").mkdir()
    (tmp_path / "module/.git").write_text("gitdir: ../.git/modules/module\n")
    (tmp_path / ".gitignore").write_text("*.yml\n")
    assert sorted(kinds(tmp_path)) == ["module/b.yml"]


def test_invalid_gitignore_lines_are_skipped(tmp_path: Path) -> None:
    make(tmp_path, ["a.yml", "b.yaml"])
    (tmp_path / ".gitignore").write_text("!\n[z-a]\n*.yml\n")
    assert sorted(kinds(tmp_path)) == ["b.yaml"]


def test_explicit_gitignored_file_is_scanned(tmp_path: Path) -> None:
    make(tmp_path, ["ignored/Dockerfile", "x.yml"])
    (tmp_path / ".gitignore").write_text("ignored/\n*.yml\n")
    assert kinds(tmp_path) == {}
    paths = [tmp_path / "ignored/Dockerfile", tmp_path / "x.yml"]
    assert kinds(tmp_path, paths) == {"ignored/Dockerfile": "dockerfile", "x.yml": "yaml"}
    # a gitignored folder named explicitly is walked too (as ruff and ripgrep do), with only
    # the rules from inside it
    make(tmp_path, ["ignored/sub/x.yml", "ignored/sub/local.yaml"])
    (tmp_path / "ignored/.gitignore").write_text("local.yaml\n")
    assert kinds(tmp_path, [tmp_path / "ignored/sub"]) == {"ignored/sub/x.yml": "yaml"}
    assert kinds(tmp_path, [tmp_path / "ignored"]) == {
        "ignored/Dockerfile": "dockerfile",
        "ignored/sub/x.yml": "yaml",
    }


def test_is_ignored_prunes_folders_and_applies_to_explicit_files(tmp_path: Path) -> None:
    make(tmp_path, ["vendor/lib/Dockerfile", "app/Dockerfile", "app/skip.yaml"])
    seen: List[str] = []

    def is_ignored(path: str) -> bool:
        seen.append(path)
        return path == str(tmp_path / "vendor") or path.endswith("skip.yaml")

    assert kinds(tmp_path, is_ignored=is_ignored) == {"app/Dockerfile": "dockerfile"}
    assert not [p for p in seen if "lib" in p]  # a pruned folder is not descended
    explicit = [tmp_path / "app/skip.yaml", tmp_path / "app/Dockerfile"]
    result = discover([str(p) for p in explicit], root=str(tmp_path), is_ignored=is_ignored)
    assert [f.path for f in result.files] == ["app/Dockerfile"]
    assert [(s.path, s.reason) for s in result.skipped] == [("app/skip.yaml", EXCLUDED)]


def test_explicit_file_of_no_kind_is_recorded(tmp_path: Path) -> None:
    make(tmp_path, ["README.md"])
    assert skipped(tmp_path, [tmp_path / "README.md"]) == {"README.md": NOT_A_KIND}


needs_symlinks = pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32", reason="symlinks")


@needs_symlinks
def test_symlinks_to_outside_are_not_followed(tmp_path: Path) -> None:
    root, outside = tmp_path / "repo", tmp_path / "outside"
    make(root, ["Dockerfile"])
    make(outside, ["Dockerfile", "deep/pod.yaml"])
    (root / "link").symlink_to(outside, target_is_directory=True)
    (root / "Dockerfile.link").symlink_to(outside / "Dockerfile")
    (root / "notes.link").symlink_to(outside / "Dockerfile")  # no kind: ignored silently
    assert kinds(root) == {"Dockerfile": "dockerfile"}
    assert skipped(root) == {
        "Dockerfile.link": "symlink to a file outside the scan root",
        "link": "symlink to a directory outside the scan root",
    }
    assert skipped(root, [root / "Dockerfile.link"]) == {
        "Dockerfile.link": "symlink to a file outside the scan root"
    }


@needs_symlinks
def test_a_folder_named_below_the_root_is_the_boundary_for_links(tmp_path: Path) -> None:
    """`policylint repo` run from the folder above (or from `/`, as some CI jobs do): a link in
    repo to a sibling folder leaves what was named; it was followed because the root (the cwd)
    held it. A link named on the command line may still lead anywhere inside the root."""
    repo, secret = tmp_path / "repo", tmp_path / "secret"
    make(repo, ["Dockerfile", "docker/Dockerfile"])
    make(secret, ["Dockerfile"])
    (repo / "vendor").symlink_to(secret, target_is_directory=True)
    (repo / "Dockerfile.secret").symlink_to(secret / "Dockerfile")
    (repo / "Dockerfile.dev").symlink_to(repo / "docker/Dockerfile")
    assert kinds(tmp_path, [repo]) == {"repo/Dockerfile": "dockerfile", "repo/Dockerfile.dev": "dockerfile",
                                       "repo/docker/Dockerfile": "dockerfile"}
    assert skipped(tmp_path, [repo]) == {"repo/vendor": "symlink to a directory outside the scan root",
                                         "repo/Dockerfile.secret": "symlink to a file outside the scan root"}
    # named one by one from the top, as pre-commit does: a link to another file of the root is read
    assert kinds(tmp_path, [repo / "Dockerfile.secret"]) == {"repo/Dockerfile.secret": "dockerfile"}


@needs_symlinks
def test_symlinks_inside_the_root_are_followed_once(tmp_path: Path) -> None:
    make(tmp_path, ["real/Dockerfile", "a/x.yaml"])
    (tmp_path / "a/alias").symlink_to(tmp_path / "real", target_is_directory=True)
    (tmp_path / "Dockerfile.dev").symlink_to(tmp_path / "real/Dockerfile")
    assert kinds(tmp_path) == {
        "Dockerfile.dev": "dockerfile",
        "a/x.yaml": "yaml",
        "real/Dockerfile": "dockerfile",
    }
    assert skipped(tmp_path) == {"a/alias": "symlink to a directory already scanned"}


@needs_symlinks
def test_symlink_loops_terminate(tmp_path: Path) -> None:
    make(tmp_path, ["a/Dockerfile"])
    (tmp_path / "a/up").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "a/self").symlink_to(tmp_path / "a/self")
    (tmp_path / "Dockerfile.loop").symlink_to(tmp_path / "Dockerfile.loop")
    (tmp_path / "b").symlink_to(tmp_path / "c", target_is_directory=True)
    (tmp_path / "c").symlink_to(tmp_path / "b", target_is_directory=True)
    result = discover([str(tmp_path)], root=str(tmp_path))
    assert [f.path for f in result.files] == ["a/Dockerfile"]
    reasons = {s.path: s.reason for s in result.skipped}
    assert reasons["a/up"] == "symlink to a directory already scanned"
    assert reasons["Dockerfile.loop"].startswith("broken symlink")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_is_never_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "Dockerfile")
    os.mkfifo(tmp_path / "pipe")  # no kind: ignored silently
    os.mkfifo(tmp_path / ".gitignore")  # would block if opened
    assert skipped(tmp_path) == {"Dockerfile": NOT_REGULAR}
    assert skipped(tmp_path, [tmp_path / "Dockerfile"]) == {"Dockerfile": NOT_REGULAR}
    assert kinds(tmp_path) == {}


def test_unreadable_directory_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(tmp_path, ["locked/Dockerfile", "open/Dockerfile"])
    real_scandir = os.scandir
    locked = str(tmp_path / "locked")

    def scandir(path: str):  # simulated: tests may run as root, where chmod 000 does not bite
        if path == locked:
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(discovery.os, "scandir", scandir)
    result = discover([str(tmp_path)], root=str(tmp_path))
    assert [f.path for f in result.files] == ["open/Dockerfile"]
    assert [(s.path, s.reason) for s in result.skipped] == [
        ("locked", "cannot read directory: Permission denied")
    ]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any directory")
def test_chmod_000_directory_is_skipped(tmp_path: Path) -> None:
    make(tmp_path, ["locked/Dockerfile", "open/Dockerfile"])
    (tmp_path / "locked").chmod(0)
    try:
        assert kinds(tmp_path) == {"open/Dockerfile": "dockerfile"}
        assert skipped(tmp_path) == {"locked": "cannot read directory: Permission denied"}
    finally:
        (tmp_path / "locked").chmod(0o755)


def test_file_vanishing_mid_walk_is_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(tmp_path, ["Dockerfile"])
    monkeypatch.setattr(discovery.os, "scandir", scandir_with_a_vanished_entry("Dockerfile.gone", str(tmp_path)))
    result = discover([str(tmp_path)], root=str(tmp_path))
    # still a file to scan: reading it reports "cannot read" as a parse-error finding, not a silent skip
    assert [f.path for f in result.files] == ["Dockerfile", "Dockerfile.gone"]
    assert result.skipped == []


def test_missing_path_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PolicylintError, match=r"^nope/Dockerfile: no such file or directory$"):
        discover(["nope/Dockerfile"], root=str(tmp_path))


def test_output_is_sorted_and_deduplicated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(tmp_path, ["b/Dockerfile", "a-b/Dockerfile", "a/z.yaml", "a/b/Dockerfile", "Dockerfile"])
    monkeypatch.chdir(tmp_path)
    result = discover(["b", ".", "b/Dockerfile", "./b/Dockerfile", "a", "a/../a/z.yaml"], root=str(tmp_path))
    paths = [f.path for f in result.files]
    assert paths == ["Dockerfile", "a-b/Dockerfile", "a/b/Dockerfile", "a/z.yaml", "b/Dockerfile"]
    assert all(f.abspath == str(tmp_path / f.path) for f in result.files)


def test_paths_relative_to_cwd_and_outside_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(tmp_path, ["repo/app/Dockerfile", "elsewhere/compose.yaml"])
    monkeypatch.chdir(tmp_path / "repo/app")
    result = discover(["Dockerfile", "../../elsewhere"], root=str(tmp_path / "repo"))
    assert [(f.path, f.kind) for f in result.files] == [
        ("../elsewhere/compose.yaml", "compose"),
        ("app/Dockerfile", "dockerfile"),
    ]


def test_pathspec_is_imported_only_when_a_gitignore_exists(tmp_path: Path) -> None:
    make(tmp_path, ["plain/Dockerfile", "ignoring/Dockerfile"])
    (tmp_path / "ignoring/.gitignore").write_text("*.yml\n")
    code = (
        "import sys; from policylint.discovery import discover; "
        "discover([sys.argv[1]], root=sys.argv[1]); print('pathspec' in sys.modules)"
    )
    repo = str(Path(__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=repo)

    def imported(path: Path) -> str:
        return subprocess.run(
            [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True, env=env
        ).stdout.strip()

    assert imported(tmp_path / "plain") == "False"
    assert imported(tmp_path / "ignoring") == "True"


MANIFEST_KINDS = {
    "dockerfile": {"dockerfile"},
    "compose": {"compose", "yaml"},
    "kubernetes": {"yaml", "compose", "kustomize"},
    "kustomize": {"kustomize"},
}


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not available")
def test_corpus_every_manifest_file_is_found_with_a_consistent_kind() -> None:
    start = time.perf_counter()
    result = discover([str(CORPUS)], root=str(CORPUS))
    elapsed = time.perf_counter() - start
    found = {f.path: f.kind for f in result.files}
    with open(CORPUS / "MANIFEST.tsv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert rows
    wrong = []
    for row in rows:
        path = f"{row['repo'].replace('/', '__')}/{row['path']}"
        kind = found.get(path)
        if row["kind"] == "helm-values":
            # the corpus copies values files without their Chart.yaml; with one beside them they are helm
            has_chart = (CORPUS / path).with_name("Chart.yaml").exists()
            expected = {"helm"} if has_chart else {"yaml"}
        else:
            expected = MANIFEST_KINDS[row["kind"]]
        if kind not in expected:
            wrong.append((path, row["kind"], kind))
    assert wrong == []
    assert result.skipped == []
    assert elapsed < 2.0  # generous for slow CI; about 0.05 s on a warm cache


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not available")
def test_corpus_helm_values_become_helm_beside_a_chart(tmp_path: Path) -> None:
    with open(CORPUS / "MANIFEST.tsv", newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if r["kind"] == "helm-values"]
    for index, row in enumerate(rows):
        folder = tmp_path / str(index)
        folder.mkdir()
        (folder / "Chart.yaml").write_text("apiVersion: v2\nname: x\nversion: 0.1.0\n")
        (folder / Path(row["path"]).name).write_text("image: {}\n")
    found = kinds(tmp_path)
    values = {p: k for p, k in found.items() if not p.endswith("/Chart.yaml")}
    assert len(values) == len(rows)
    assert set(values.values()) == {"helm"}
