"""SARIF output: schema-valid, GitHub-ready (relative URIs, rule help, fingerprints), hostile-text safe."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Optional
from urllib.parse import unquote_to_bytes

import pytest

from policylint import __version__
from policylint.model import Finding, Location, RunResult, Severity
from policylint.report import ReportOptions, sarif
from policylint.rules import RULES

SCHEMA_PATH = Path(__file__).resolve().parents[2].parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"

HOSTILE = [
    "dir with space/Dockerfile",
    "a#b/values.yaml",
    "100%/compose.yaml",
    "%41%/x",
    "déploiement/über.yaml",
    "日本/compose.yaml",
    "bad\udcffbyte/Dockerfile",
    "lone\ud800surrogate.yaml",
    "a:b/c.yaml",
    "x,y\n::error::z.yaml",
    "q?uery=1&x.yaml",
    "tab\tand\x1bescape\x00nul.yaml",
    "]]><![CDATA[.yaml",
    "back\\slash.yaml",
]


def make_finding(
    path: str = "deploy/app.yaml",
    line: int = 3,
    column: int = 12,
    end_column: Optional[int] = 23,
    rule: str = "tag-denied",
    severity: Severity = Severity.ERROR,
    message: str = "node:latest: tag latest is denied by tags.deny",
    image: Optional[str] = "node:latest",
    normalized: Optional[str] = "docker.io/library/node:latest",
    fix: Optional[str] = "write node:<version>",
    **extra,
) -> Finding:
    return Finding(
        rule=rule, severity=severity, message=message,
        location=Location(path, line, column, end_column),
        image=image, normalized=normalized, fix=fix, **extra,
    )


def render(*findings: Finding) -> str:
    out = io.StringIO()
    sarif.write(RunResult(findings=list(findings)), out, ReportOptions())
    return out.getvalue()


def run_of(*findings: Finding) -> dict:
    return json.loads(render(*findings))["runs"][0]


def validate(text: str) -> None:
    if not SCHEMA_PATH.is_file():
        pytest.skip(f"SARIF schema not found at {SCHEMA_PATH}")
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(json.loads(text)), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


# A relative-ref per RFC 3986 whose first segment holds no ':' (so it cannot read as a scheme).
URI_CHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=@/]|%[0-9A-F]{2})"
RELATIVE_REF = re.compile(rf"^(?:[A-Za-z0-9\-._~!$&'()*+,;=@]|%[0-9A-F]{{2}})(?:{URI_CHAR}|:)*$")


def test_empty_result_is_schema_valid_with_all_rules():
    text = render()
    validate(text)
    doc = json.loads(text)
    assert doc["version"] == "2.1.0"
    assert doc["$schema"].startswith("https://")
    run = doc["runs"][0]
    assert run["results"] == []
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == list(RULES)


def test_driver_metadata():
    driver = run_of()["tool"]["driver"]
    assert driver["name"] == "policylint"
    assert driver["version"] == __version__
    assert driver["semanticVersion"] == __version__
    assert driver["informationUri"].startswith("https://")


@pytest.mark.parametrize("rule_id", list(RULES))
def test_rule_descriptor_carries_the_doc_page(rule_id):
    rules = run_of()["tool"]["driver"]["rules"]
    index = list(RULES).index(rule_id)
    rule = RULES[rule_id]
    descriptor = rules[index]
    assert descriptor["id"] == rule_id
    assert descriptor["name"] == "".join(part.capitalize() for part in rule_id.split("-"))
    assert descriptor["shortDescription"] == {"text": rule.summary}
    assert descriptor["fullDescription"]["text"]
    assert "\n" not in descriptor["fullDescription"]["text"].replace("\n\n", "")
    assert descriptor["defaultConfiguration"] == {"level": rule.default_severity.value}
    assert descriptor["helpUri"].startswith("https://") and rule_id in descriptor["helpUri"]
    assert 1 <= len(descriptor["properties"]["tags"]) <= 10
    example = rule.doc.split("## Example", 1)[1].split("## Use instead", 1)
    bad_lines = [ln.strip() for ln in example[0].splitlines() if ln.strip()]
    good_lines = [ln.strip() for ln in example[1].splitlines() if ln.strip()]
    for field in ("text", "markdown"):
        help_text = descriptor["help"][field]
        assert rule.summary in help_text
        for snippet in bad_lines + good_lines:
            assert snippet in help_text
    assert "## Use instead" in descriptor["help"]["markdown"]
    assert "## " not in descriptor["help"]["text"]
    assert "Use instead" in descriptor["help"]["text"]


def test_rule_names_are_camel_case():
    assert sarif.rule_name("registry-not-allowed") == "RegistryNotAllowed"
    assert sarif.rule_name("tag-missing") == "TagMissing"


def test_result_fields():
    context = {"container": "web", "kind": "Pod"}
    finding = make_finding(kind="kubernetes", environment="release", context=context)
    text = render(finding)
    validate(text)
    run = json.loads(text)["runs"][0]
    (result,) = run["results"]
    assert result["ruleId"] == "tag-denied"
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "tag-denied"
    assert result["level"] == "error"
    assert result["message"] == {
        "text": "node:latest: tag latest is denied by tags.deny Fix: write node:<version>"
    }
    assert result["locations"] == [{
        "physicalLocation": {
            "artifactLocation": {"uri": "deploy/app.yaml", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 3, "startColumn": 12, "endColumn": 23},
        }
    }]
    assert result["properties"] == {
        "image": "node:latest",
        "normalized": "docker.io/library/node:latest",
        "kind": "kubernetes",
        "environment": "release",
        "context": {"container": "web", "kind": "Pod"},
    }
    assert "%SRCROOT%" in run["originalUriBaseIds"]
    assert "uri" not in run["originalUriBaseIds"]["%SRCROOT%"]


@pytest.mark.parametrize("severity", list(Severity))
def test_level_follows_the_finding_severity(severity):
    (result,) = run_of(make_finding(severity=severity))["results"]
    assert result["level"] == severity.value


def test_message_without_fix_and_region_without_end_column():
    finding = make_finding(fix=None, end_column=None, image=None, normalized=None,
                           rule="parse-error", message="mapping values are not allowed here")
    text = render(finding)
    validate(text)
    (result,) = json.loads(text)["runs"][0]["results"]
    assert result["message"] == {"text": "mapping values are not allowed here"}
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 3, "startColumn": 12}
    assert "properties" not in result


def test_unknown_rule_gets_a_descriptor_so_rule_index_is_valid():
    text = render(make_finding(rule="internal-error"))
    validate(text)
    run = json.loads(text)["runs"][0]
    (result,) = run["results"]
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "internal-error"


@pytest.mark.parametrize(("path", "uri"), [
    ("deploy/app.yaml", "deploy/app.yaml"),
    ("dir with space/Dockerfile", "dir%20with%20space/Dockerfile"),
    ("a#b/values.yaml", "a%23b/values.yaml"),
    ("100%/compose.yaml", "100%25/compose.yaml"),
    ("déploiement/x", "d%C3%A9ploiement/x"),
    ("bad\udcffbyte", "bad%FFbyte"),
    ("lone\ud800", "lone%EF%BF%BD"),
    ("a:b/c.yaml", "a%3Ab/c.yaml"),
    ("q?x=1", "q%3Fx%3D1"),
])
def test_uri_is_a_percent_encoded_relative_reference(path, uri):
    location = sarif.artifact_uri(path)
    assert location == {"uri": uri, "uriBaseId": "%SRCROOT%"}


def test_absolute_path_becomes_a_file_uri():
    assert sarif.artifact_uri("/tmp/a b.yaml") == {"uri": "file:///tmp/a%20b.yaml"}


@pytest.mark.parametrize("path", HOSTILE)
def test_hostile_paths_round_trip_through_the_uri(path):
    uri = sarif.artifact_uri(path)["uri"]
    assert RELATIVE_REF.match(uri), uri
    decoded = unquote_to_bytes(uri).decode("utf-8", "surrogateescape")
    expected = re.sub("[\ud800-\udc7f\udd00-\udfff]", "\ufffd", path)
    assert decoded == expected


def test_hostile_text_everywhere_is_valid_utf8_json_and_schema_valid():
    findings = [
        make_finding(path=path, message=f"msg {path} \udcff ]]> <b> ` | \u202e", image=f"img{path}",
                     normalized=None, environment="env\n::x", context={"k\udcff": "v\n"})
        for path in HOSTILE
    ]
    text = render(*findings)
    raw = text.encode("utf-8")  # raises if a lone surrogate leaked through unescaped
    assert "\udcff" not in text and "\\udcff" in text
    validate(text)
    results = json.loads(raw.decode("utf-8"))["runs"][0]["results"]
    by_message = {r["message"]["text"] for r in results}
    for finding in findings:
        assert f"{finding.message} Fix: {finding.fix}" in by_message


def test_output_is_deterministic():
    findings = [make_finding(path=p, line=i + 1) for i, p in enumerate(HOSTILE)]
    assert render(*findings) == render(*findings)
    assert render(*findings) == render(*reversed(findings))
    assert render().endswith("}\n")
    assert '\n  "version": "2.1.0"' in render()  # indent=2


def fingerprint_of(finding: Finding) -> str:
    (result,) = run_of(finding)["results"]
    return result["partialFingerprints"]["policylint/v1"]


def test_fingerprint_does_not_change_when_lines_move():
    assert fingerprint_of(make_finding(line=3, column=12)) == fingerprint_of(make_finding(line=40, column=2))


@pytest.mark.parametrize("change", [
    {"rule": "tag-missing"},
    {"path": "deploy/other.yaml"},
    {"normalized": "docker.io/library/node:22"},
])
def test_fingerprint_changes_with_rule_path_or_image(change):
    assert fingerprint_of(make_finding()) != fingerprint_of(make_finding(**change))


def test_fingerprint_uses_the_message_when_there_is_no_image():
    first = make_finding(image=None, normalized=None, message="cannot parse: a")
    second = make_finding(image=None, normalized=None, message="cannot parse: b")
    assert fingerprint_of(first) != fingerprint_of(second)
    assert fingerprint_of(first) == fingerprint_of(make_finding(image=None, normalized=None,
                                                                message="cannot parse: a", line=99))


def test_identical_findings_in_one_file_get_distinct_fingerprints():
    run = run_of(make_finding(line=3), make_finding(line=9), make_finding(path="other.yaml"))
    prints = [r["partialFingerprints"]["policylint/v1"] for r in run["results"]]
    assert len(set(prints)) == 3
    assert prints[0].endswith(":1") and prints[1].endswith(":2") and prints[2].endswith(":1")
    assert prints[0].split(":")[0] == prints[1].split(":")[0]
    assert re.fullmatch(r"[0-9a-f]{64}:\d+", prints[0])


def test_cli_sarif_over_examples_covers_every_kind_and_validates(tmp_path, monkeypatch, capsys):
    """End to end: the examples repository holds every file kind; its SARIF must be schema-valid."""
    import json as _json

    from policylint.cli import main

    root = Path(__file__).resolve().parents[2]
    monkeypatch.chdir(root)
    assert main(["check", "examples", "-f", "sarif", "-q"]) == 1
    document = _json.loads(capsys.readouterr().out)
    results = document["runs"][0]["results"]
    kinds = {result.get("properties", {}).get("kind") for result in results}
    assert {"dockerfile", "compose", "kubernetes", "helm", "kustomize"} <= kinds
    schema_path = root.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
    if not schema_path.exists():
        pytest.skip("SARIF schema not available")
    import jsonschema

    jsonschema.Draft7Validator(_json.loads(schema_path.read_text())).validate(document)
    for result in results:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.startswith("examples/") and not uri.startswith("/")
