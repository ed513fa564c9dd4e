"""The engine asks the rules once per distinct subject and reuses the answer, never across
environments, scopes or resolved texts."""

from __future__ import annotations

from pathlib import Path

from policylint import engine
from policylint.discovery import discover
from policylint.policy import parse_policy

POLICY = """\
registries:
  allow: [docker.io]
environments:
  release:
    match: {paths: ["release/**"]}
    tags: {pattern: '^v\\d+\\.\\d+\\.\\d+$'}
  beta:
    match: {paths: ["beta/**"]}
    images: [docker.io/library/redis]
    tags: {pattern: '^v\\d+\\.\\d+\\.\\d+-beta\\.\\d+$'}
"""


def _rows(tmp_path: Path):
    policy = parse_policy(POLICY, ".policylint.yaml", str(tmp_path))
    sources = discover([str(tmp_path)], root=str(tmp_path)).files
    options = engine.EngineOptions(policy=policy)
    result, _ = engine.run(sources, options, jobs=1)
    return sorted((f.location.path, f.location.line, f.rule) for f in result.findings), options


def test_the_same_text_is_judged_per_environment_and_scope(tmp_path: Path) -> None:
    for folder in ("release", "beta", "dev"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "Dockerfile").write_text("FROM nginx:1.0\nFROM redis:1.0\nFROM nginx:1.0\n")
    rows, options = _rows(tmp_path)
    assert rows == [
        ("beta/Dockerfile", 2, "tag-pattern-mismatch"),  # only redis is in beta's scope
        ("release/Dockerfile", 1, "tag-pattern-mismatch"),
        ("release/Dockerfile", 2, "tag-pattern-mismatch"),
        ("release/Dockerfile", 3, "tag-pattern-mismatch"),
    ]
    # nginx and redis in three environments (beta: redis in scope, nginx not): six verdicts
    assert len(options.verdicts) == 6


def test_a_variable_resolved_differently_is_judged_again(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "Dockerfile").write_text("ARG T=1.0\nFROM nginx:${T}\n")
    (tmp_path / "b" / "Dockerfile").write_text("ARG T=latest\nFROM nginx:${T}\n")
    rows, _ = _rows(tmp_path)
    assert rows == [("b/Dockerfile", 2, "tag-denied")]


def test_the_verdict_table_stays_bounded(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(engine, "_MAX_VERDICTS", 3)
    (tmp_path / "Dockerfile").write_text("".join(f"FROM nginx:1.{index}\n" for index in range(10)) + "FROM nginx\n")
    rows, options = _rows(tmp_path)
    assert rows == [("Dockerfile", 11, "tag-missing")]
    assert len(options.verdicts) <= 3


def test_a_verdict_is_not_reused_for_another_kind_of_file(tmp_path: Path) -> None:
    """The same unresolved text in a compose file and a manifest gets each kind's own advice."""
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: ${IMAGE}\n")
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: ${IMAGE}\n")
    policy = parse_policy(POLICY, ".policylint.yaml", str(tmp_path))
    sources = discover([str(tmp_path)], root=str(tmp_path)).files
    result, _ = engine.run(sources, engine.EngineOptions(policy=policy), jobs=1)
    fixes = {finding.location.path: finding.fix for finding in result.findings}
    assert ".env" in fixes["compose.yaml"] and "envsubst" in fixes["pod.yaml"]
