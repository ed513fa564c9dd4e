"""The pre-commit hook for real: `pre-commit try-repo` builds the hook's environment from this
checkout and runs it in a fresh git repository; and what the hook sees (staged file names from
several folders, in whatever batches pre-commit makes) finds the repository's policy.

`try-repo` on a dirty checkout adds staged and modified tracked files to a shadow clone but leaves
untracked files out, so a new module or an uncommitted `.pre-commit-hooks.yaml` would be missing.
The checkout is therefore snapshotted as it stands (tracked and untracked files, minus ignored ones)
into a temporary repository with one commit, and that commit is tried with `--ref`.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List, NamedTuple

import pytest

from policylint.cli import main

ROOT = Path(__file__).resolve().parents[1]
OFFLINE_HINTS = (
    "Temporary failure in name resolution",
    "NewConnectionError",
    "Network is unreachable",
    "No matching distribution found",
)


class Run(NamedTuple):
    returncode: int
    output: str


class Runs(NamedTuple):
    failing: Run
    passing: Run


def git_env() -> Dict[str, str]:
    """The environment without anything that points git at another repository or config."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_TERMINAL_PROMPT="0")
    return env


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null", *args],
        cwd=cwd, env=git_env(), capture_output=True, text=True, check=True,
    )
    return done.stdout


def new_repository(path: Path) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q")
    git(path, "config", "user.name", "policylint tests")
    git(path, "config", "user.email", "tests@policylint.invalid")
    return path


def snapshot(destination: Path) -> str:
    """Commit this checkout's current files (tracked and untracked, not ignored) to a new repository."""
    listing = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    new_repository(destination)
    for name in filter(None, listing.split("\0")):
        source = ROOT / name
        if not os.path.lexists(source) or source.is_dir():  # deleted, or a submodule
            continue
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    git(destination, "add", "-A")
    git(destination, "commit", "-q", "-m", "snapshot of the checkout under test")
    return git(destination, "rev-parse", "HEAD").strip()


def start_try_repo(repository: Path, checkout: Path, ref: str, home: Path) -> subprocess.Popen:
    env = git_env()
    env.update(PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never", PIP_DISABLE_PIP_VERSION_CHECK="1",
               NO_COLOR="1")
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(checkout), "policylint",
               "--ref", ref, "--all-files"]
    return subprocess.Popen(command, cwd=repository, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def finish(process: subprocess.Popen) -> Run:
    try:
        output, _ = process.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    broken = process.returncode not in (0, 1) or "An unexpected error has occurred" in output
    if broken and any(hint in output for hint in OFFLINE_HINTS):
        pytest.skip("pre-commit could not install the hook's environment (no package index?)")
    return Run(process.returncode, output)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """The two real runs, once per module. Each try-repo builds a virtualenv and pip-installs this
    checkout into it (try-repo keeps no cache between calls), so the run on the bad commit and the
    run on the commit that fixes it go side by side, each in its own clone."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    pytest.importorskip("pre_commit")
    try:
        git(ROOT, "rev-parse", "--is-inside-work-tree")
    except subprocess.CalledProcessError:
        pytest.skip("this checkout is not a git work tree")
    base = tmp_path_factory.mktemp("precommit")
    checkout = base / "checkout"
    ref = snapshot(checkout)
    bad = new_repository(base / "bad")
    (bad / "Dockerfile").write_text("FROM nginx\n", encoding="utf-8")
    (bad / "README.md").write_text("a repository with one bad Dockerfile\n", encoding="utf-8")
    git(bad, "add", "-A")
    git(bad, "commit", "-q", "-m", "bad Dockerfile")
    fixed = base / "fixed"
    git(base, "clone", "-q", str(bad), str(fixed))
    (fixed / "Dockerfile").write_text("FROM nginx:1.27.3\n", encoding="utf-8")
    git(fixed, "add", "-A")
    git(fixed, "-c", "user.name=policylint tests", "-c", "user.email=tests@policylint.invalid",
        "commit", "-q", "-m", "pin nginx")

    processes = [start_try_repo(bad, checkout, ref, base / "home-bad"),
                 start_try_repo(fixed, checkout, ref, base / "home-fixed")]
    try:
        failing, passing = (finish(process) for process in processes)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    return Runs(failing, passing)


def test_hook_fails_on_a_bad_dockerfile_and_names_the_finding(runs: Runs) -> None:
    output = runs.failing.output
    assert runs.failing.returncode == 1, output
    assert "- hook id: policylint" in output
    assert "- exit code: 1" in output
    assert "Dockerfile:1:6: error tag-missing nginx has no tag or digest" in output


def test_hook_passes_once_the_dockerfile_is_fixed(runs: Runs) -> None:
    output = runs.passing.output
    assert runs.passing.returncode == 0, output
    assert "policylint" in output and "Passed" in output


# What the hook does with the names pre-commit passes: paths relative to the repository root,
# from several folders, split into batches of any shape (pre-commit shuffles and partitions them).
STAGED = {
    "services/api/Dockerfile": "FROM nginx:1.27.3\n",
    "deploy/prod/compose.yaml": "services:\n  web:\n    image: registry.acme.com/shop/web:1.0\n",
    "deploy/dev/kustomization.yaml": "images:\n  - name: web\n    newName: ghcr.io/acme/web\n    newTag: '2.0'\n",
}
POLICY = "version: 1\nregistries:\n  allow: [registry.acme.com]\n"


@pytest.fixture
def staged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".policylint.yaml").write_text(POLICY, encoding="utf-8")
    for name, text in STAGED.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def batches() -> Iterator[List[str]]:
    names = sorted(STAGED)
    for size in range(1, len(names) + 1):
        yield from (list(batch) for batch in itertools.permutations(names, size))


def findings(capsys: pytest.CaptureFixture[str], names: List[str]) -> List[str]:
    main(["-q", *names])
    return sorted(line.split(" ")[0] + line.split(" ")[2] for line in capsys.readouterr().out.splitlines())


def test_hook_finds_the_root_policy_from_files_in_several_folders(
    staged: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Under the built-in policy every file passes; the root policy allows only registry.acme.com.
    assert main(["-q", *sorted(STAGED)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" ")[0] for line in lines] == [
        "deploy/dev/kustomization.yaml:3:14:",
        "services/api/Dockerfile:1:6:",
    ]
    assert all(" error registry-not-allowed " in line for line in lines)


def test_each_file_gets_the_same_findings_in_any_batch(staged: Path, capsys: pytest.CaptureFixture[str]) -> None:
    alone = {name: findings(capsys, [name]) for name in STAGED}
    for batch in batches():
        expected = sorted(line for name in batch for line in alone[name])
        assert findings(capsys, batch) == expected, batch


def test_hook_with_no_policy_uses_the_built_in_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "Dockerfile").write_text("FROM nginx\n", encoding="utf-8")
    (tmp_path / "b" / "compose.yaml").write_text("services:\n  x:\n    image: redis:7\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["-q", "a/Dockerfile", "b/compose.yaml"]) == 1
    assert [line.split(" ")[2] for line in capsys.readouterr().out.splitlines()] == ["tag-missing"]
