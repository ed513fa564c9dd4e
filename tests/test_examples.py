"""examples/ is the repository README runs policylint on: every rule fires there at least once."""

import json
import os
from pathlib import Path

from policylint.cli import main
from policylint.rules import RULES

ROOT = Path(__file__).resolve().parents[1]


def test_every_rule_fires_on_examples(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["check", "examples", "-f", "json", "-q"]) == 1
    document = json.loads(capsys.readouterr().out)
    fired = {finding["rule"] for finding in document["findings"]}
    assert fired == set(RULES)


def test_examples_findings_sit_where_expected(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    main(["check", "examples", "-f", "json", "-q"])
    found = {(f["path"], f["line"], f["rule"]) for f in json.loads(capsys.readouterr().out)["findings"]}
    expected = {
        ("examples/.policylint.yaml", 26, "exception-expired"),
        ("examples/Dockerfile", 8, "tag-missing"),
        ("examples/broken/docker-compose.yml", 4, "parse-error"),
        ("examples/compose.yaml", 6, "tag-denied"),
        ("examples/deploy/prod/app.yaml", 19, "tag-pattern-mismatch"),
        ("examples/deploy/prod/app.yaml", 19, "digest-missing"),
        ("examples/deploy/prod/app.yaml", 21, "invalid-reference"),
        ("examples/deploy/staging/chart/values.yaml", 9, "tag-pattern-mismatch"),
        ("examples/dev/compose.yaml", 4, "registry-not-allowed"),
        ("examples/services/worker/Dockerfile", 2, "unresolved-variable"),
        ("examples/services/worker/Dockerfile", 4, "registry-not-allowed"),
        ("examples/services/worker/Dockerfile", 7, "invalid-waiver"),
    }
    assert expected <= found
    # the ConfigMap string, the waived line, the appVersion fallback and stage names are not findings
    assert not any(path == "examples/deploy/prod/app.yaml" and line > 22 for path, line, _ in found)
    assert ("examples/services/worker/Dockerfile", 8, "tag-denied") not in found
    assert not any(path == "examples/deploy/staging/chart/values.yaml" and line < 5 for path, line, _ in found)
    assert os.path.exists(ROOT / "examples" / "README.md")


def test_readme_sample_output_is_what_policylint_prints(capsys, monkeypatch):
    """README's `$ policylint examples` excerpt: each line is printed as shown (a `(fix: ...)`
    shortens the fix), and its summary line is the run's."""
    monkeypatch.chdir(ROOT)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sample = readme.split("$ policylint examples\n", 1)[1].split("```", 1)[0].splitlines()
    assert main(["check", "examples"]) == 1
    captured = capsys.readouterr()
    printed = captured.out.splitlines() + captured.err.splitlines()
    shown = [line for line in sample if line != "..."]
    assert len(shown) >= 5
    for line in shown:
        if line.endswith("(fix: ...)"):
            assert any(out.startswith(line[: -len("...)")]) for out in printed), line
        else:
            assert line in printed, line
