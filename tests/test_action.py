"""The composite GitHub Action: its inputs, no script injection, and its policylint step executed
with bash as the runner would (setup-python and pip are skipped: policylint is installed here)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"
SARIF_SCHEMA = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")

BAD_DOCKERFILE = "FROM nginx\n"
BAD_COMPOSE = "services:\n  web:\n    image: nginx:latest\n"


def load_action() -> Dict[str, Any]:
    with ACTION.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def steps() -> List[Dict[str, Any]]:
    return load_action()["runs"]["steps"]


def step(step_id: str) -> Dict[str, Any]:
    (found,) = [item for item in steps() if item.get("id") == step_id]
    return found


def test_inputs_and_defaults() -> None:
    inputs = load_action()["inputs"]
    defaults = {name: spec.get("default") for name, spec in inputs.items()}
    assert defaults == {
        "paths": ".",
        "policy": "",
        "format": "github",
        "fail-on": "error",
        "sarif-file": "",
        "summary": "true",
        "args": "",
        "python-version": "3.12",
    }
    for name, spec in inputs.items():
        assert spec.get("description"), name
        assert spec.get("required", False) is False, name


def test_composite_steps() -> None:
    action = load_action()
    assert action["runs"]["using"] == "composite"
    python, install, check = steps()
    assert python["uses"].startswith("actions/setup-python@")
    assert python["with"]["python-version"] == "${{ inputs.python-version }}"
    assert python["with"]["update-environment"] is False  # the job's own Python stays as it was
    assert '"$GITHUB_ACTION_PATH"' in install["run"]  # installs the action's own checkout
    assert check["id"] == "check"
    assert action["outputs"]["exit-code"]["value"] == "${{ steps.check.outputs.exit-code }}"


def test_run_scripts_interpolate_no_expression() -> None:
    """Every `${{ }}` goes through `env:`: an input interpolated into a script is script injection."""
    for item in steps():
        if "run" in item:
            assert item["shell"] == "bash"
            assert "${{" not in item["run"], item.get("id")
            for value in item.get("env", {}).values():
                assert EXPRESSION.fullmatch(value), value


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    summary: str
    outputs: str


def run_check_step(workspace: Path, tmp_path: Path, **inputs: str) -> Outcome:
    """Run the `check` step's script as GitHub runs a composite action's `shell: bash` step."""
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not available")
    action = load_action()
    values = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    unknown = set(inputs) - set(values)
    assert not unknown, f"no such inputs: {unknown}"
    values.update(inputs)
    context = {f"inputs.{name}": value for name, value in values.items()}
    context["steps.install.outputs.python"] = sys.executable
    context["github.action_path"] = str(ROOT)

    def evaluate(match: re.Match[str]) -> str:
        return context[match.group(1)]  # a KeyError names an expression this emulation lacks

    summary, outputs = tmp_path / "step_summary.md", tmp_path / "github_output"
    summary.touch()  # one per job: later steps append
    outputs.write_text("", encoding="utf-8")  # one per step
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("GITHUB_", "RUNNER_", "INPUT_", "POLICYLINT_"))}
    env.update({
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_ACTION_PATH": str(ROOT),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
        "RUNNER_TEMP": str(tmp_path),
        "PATH": os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    })
    check = step("check")
    env.update({name: EXPRESSION.sub(evaluate, value) for name, value in check["env"].items()})
    script = tmp_path / "check.sh"
    script.write_text(check["run"], encoding="utf-8")
    done = subprocess.run(
        [bash, "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=workspace, env=env, capture_output=True, text=True, timeout=120,
    )
    return Outcome(done.returncode, done.stdout, done.stderr,
                   summary.read_text(encoding="utf-8"), outputs.read_text(encoding="utf-8"))


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A checked-out repository with a bad Dockerfile and a bad compose file."""
    root = tmp_path / "workspace"
    (root / ".git").mkdir(parents=True)  # the repository root, where policy discovery stops
    (root / "Dockerfile").write_text(BAD_DOCKERFILE, encoding="utf-8")
    (root / "compose.yaml").write_text(BAD_COMPOSE, encoding="utf-8")
    (root / "other").mkdir()
    (root / "other" / "Dockerfile").write_text(BAD_DOCKERFILE, encoding="utf-8")
    return root


def annotated(stdout: str) -> List[str]:
    return sorted(re.findall(r"^::error file=([^,]+),line=\d+", stdout, re.MULTILINE))


def test_findings_fail_the_step_and_reach_annotations_sarif_and_summary(workspace: Path, tmp_path: Path) -> None:
    outcome = run_check_step(workspace, tmp_path, **{"sarif-file": "reports/policylint.sarif"})

    assert outcome.returncode == 1, outcome.stderr
    assert "::error file=Dockerfile,line=1,col=6," in outcome.stdout
    assert "::error file=compose.yaml,line=3,col=12," in outcome.stdout
    assert annotated(outcome.stdout) == ["Dockerfile", "compose.yaml", "other/Dockerfile"]
    assert "exit-code=1" in outcome.outputs.splitlines()

    sarif = json.loads((workspace / "reports" / "policylint.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    uris = sorted(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                  for result in sarif["runs"][0]["results"])
    assert uris == ["Dockerfile", "compose.yaml", "other/Dockerfile"]
    if SARIF_SCHEMA.is_file():
        import jsonschema

        schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
        jsonschema.validate(sarif, schema, cls=jsonschema.Draft7Validator)

    assert outcome.summary.startswith("## policylint")
    assert "| --- |" in outcome.summary
    assert "| error | Dockerfile:1 | tag-missing |" in outcome.summary


def test_fail_on_never_passes_and_still_reports(workspace: Path, tmp_path: Path) -> None:
    outcome = run_check_step(workspace, tmp_path, **{"fail-on": "never"})
    assert outcome.returncode == 0, outcome.stderr
    assert len(annotated(outcome.stdout)) == 3
    assert "exit-code=0" in outcome.outputs.splitlines()
    assert "| --- |" in outcome.summary


def test_summary_appends(workspace: Path, tmp_path: Path) -> None:
    outcome = run_check_step(workspace, tmp_path, summary="true")
    first = outcome.summary
    (tmp_path / "step_summary.md").write_text("earlier step\n", encoding="utf-8")
    outcome = run_check_step(workspace, tmp_path)
    assert outcome.summary == "earlier step\n" + first


def test_summary_off(workspace: Path, tmp_path: Path) -> None:
    outcome = run_check_step(workspace, tmp_path, summary="false")
    assert outcome.returncode == 1
    assert outcome.summary == ""


@pytest.mark.parametrize(
    "paths", ["Dockerfile compose.yaml", "Dockerfile\ncompose.yaml\n", "  Dockerfile\n\n\tcompose.yaml  "]
)
def test_several_paths(workspace: Path, tmp_path: Path, paths: str) -> None:
    outcome = run_check_step(workspace, tmp_path, paths=paths)
    assert outcome.returncode == 1, outcome.stderr
    assert annotated(outcome.stdout) == ["Dockerfile", "compose.yaml"]


def test_args_and_policy(workspace: Path, tmp_path: Path) -> None:
    (workspace / "allow-all.yaml").write_text("version: 1\ntags:\n  require: false\n", encoding="utf-8")
    outcome = run_check_step(workspace, tmp_path, policy="allow-all.yaml", args="--exclude other/**\n--fail-on never")
    assert outcome.returncode == 0, outcome.stderr
    assert annotated(outcome.stdout) == ["compose.yaml"]  # latest is still denied, other/ left out


@pytest.mark.parametrize(
    "inputs",
    [
        {"policy": "$(touch injected)"},
        {"paths": "$(touch injected) `touch injected`"},
        {"args": "--summary-file=$(touch injected)"},
        {"sarif-file": "x/$(touch injected).sarif", "paths": "nothing-here"},
    ],
)
def test_inputs_are_never_evaluated(workspace: Path, tmp_path: Path, inputs: Dict[str, str]) -> None:
    outcome = run_check_step(workspace, tmp_path, **inputs)
    assert not (workspace / "injected").exists()
    assert not (tmp_path / "injected").exists()
    assert outcome.returncode in (1, 2)


def test_paths_are_not_globbed_and_never_options(workspace: Path, tmp_path: Path) -> None:
    outcome = run_check_step(workspace, tmp_path, paths="*.yaml")
    assert outcome.returncode == 2
    assert "*.yaml: no such file or directory" in outcome.stderr
    outcome = run_check_step(workspace, tmp_path, paths="--version")
    assert outcome.returncode == 2
    assert "--version: no such file or directory" in outcome.stderr


def test_ci_workflow_tests_every_python_and_lints_the_examples_with_this_action() -> None:
    with (ROOT / ".github" / "workflows" / "ci.yml").open(encoding="utf-8") as handle:
        workflow = yaml.safe_load(handle)
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "pull_request" in triggers and "push" in triggers
    test = workflow["jobs"]["test"]
    assert test["strategy"]["matrix"]["python-version"] == ["3.9", "3.10", "3.11", "3.12", "3.13"]
    commands = [item.get("run", "") for item in test["steps"]]
    assert "python -m pip install -e '.[test]'" in commands
    assert "python -m pytest" in commands and "ruff check" in commands

    examples = workflow["jobs"]["lint-examples"]
    assert examples["permissions"]["security-events"] == "write"
    (action,) = [item for item in examples["steps"] if item.get("uses") == "./"]
    assert action["with"] == {"paths": "examples", "fail-on": "never", "sarif-file": "policylint.sarif"}
    (upload,) = [item for item in examples["steps"]
                 if item.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    assert upload["with"]["sarif_file"] == action["with"]["sarif-file"]
    assert upload["if"].startswith("always()")


def readme_yaml_blocks() -> List[Any]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [yaml.safe_load(block) for block in re.findall(r"^```yaml\n(.*?)^```", text, re.MULTILINE | re.DOTALL)]


def test_readme_workflow_uses_only_real_inputs() -> None:
    inputs = load_action()["inputs"]
    workflows = [block for block in readme_yaml_blocks() if isinstance(block, dict) and "jobs" in block]
    assert workflows, "README.md shows no workflow"
    for workflow in workflows:
        for job in workflow["jobs"].values():
            for item in job["steps"]:
                if item.get("uses", "").startswith("policylint/policylint@"):
                    assert set(item.get("with", {})) <= set(inputs)


def test_readme_pre_commit_snippet_names_the_hook() -> None:
    with (ROOT / ".pre-commit-hooks.yaml").open(encoding="utf-8") as handle:
        hook_ids = {hook["id"] for hook in yaml.safe_load(handle)}
    configs = [block for block in readme_yaml_blocks() if isinstance(block, dict) and "repos" in block]
    assert configs, "README.md shows no .pre-commit-config.yaml"
    for config in configs:
        for repo in config["repos"]:
            assert {hook["id"] for hook in repo["hooks"]} <= hook_ids


def test_the_action_neither_reads_nor_writes_the_policy_cache(workspace: Path, tmp_path: Path, monkeypatch) -> None:
    cache = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    (workspace / ".policylint.yaml").write_text("version: 1\ntags:\n  require: false\n", encoding="utf-8")
    outcome = run_check_step(workspace, tmp_path)
    assert outcome.returncode == 1, outcome.stderr
    assert not cache.exists()  # a local run with the same policy would have filled it

