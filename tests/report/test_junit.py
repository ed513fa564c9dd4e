"""JUnit XML: the structure GitLab and Jenkins read, well-formed for any text."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest

from policylint.model import Finding, Location, RunResult, Severity
from policylint.report import ReportOptions, junit
from policylint.report.safe_text import printable

HOSTILE = [
    "plain.yaml",
    "]]><![CDATA[x]]>",
    "<tag attr=\"v\">&amp;</tag>",
    "quote's \"double\"",
    "new\nline\r\nand\rcr\ttab",
    "ctrl\x00\x01\x08\x0b\x0c\x1b\x1f\x7f\x85",
    "lone \udcff and \ud800 surrogates",
    "non-chars \ufffe\uffff",
    "déjà vu 日本 \U0001F600",
    "::error file=x::y,z%0A",
]


def make_finding(path: str = "deploy/app.yaml", **kwargs) -> Finding:
    fields = dict(rule="tag-denied", severity=Severity.ERROR, message="node:latest: tag latest is denied",
                  line=3, column=12, fix=None, kind="kubernetes")
    fields.update(kwargs)
    location = Location(path, fields.pop("line"), fields.pop("column"))
    return Finding(location=location, **fields)


def render(findings=(), scanned=()) -> str:
    out = io.StringIO()
    result = RunResult(findings=list(findings), scanned_paths=list(scanned), files_scanned=len(scanned))
    junit.write(result, out, ReportOptions())
    return out.getvalue()


def parse(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    # Parsing the UTF-8 bytes checks what a CI server reads: encodable, well-formed XML.
    return ET.fromstring(text.encode("utf-8"))


def test_clean_run_lists_every_scanned_file_as_passing():
    root = parse(render(scanned=["b/Dockerfile", "a/compose.yaml"]))
    assert root.tag == "testsuites"
    (suite,) = root
    assert suite.tag == "testsuite"
    for element in (root, suite):
        assert element.get("name") == "policylint"
        assert element.get("tests") == "2"
        assert element.get("failures") == "0"
        assert element.get("errors") == "0"
        assert element.get("skipped") == "0"
        assert element.get("time") == "0"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["a/compose.yaml", "b/Dockerfile"]
    assert [c.get("file") for c in cases] == ["a/compose.yaml", "b/Dockerfile"]
    assert all(c.get("classname") == "policylint.file" for c in cases)
    assert all(len(c) == 0 for c in cases)


def test_empty_run_is_well_formed():
    root = parse(render())
    assert root.find("testsuite").get("tests") == "0"


def test_findings_fail_their_file():
    findings = [
        make_finding(line=3, column=12, fix="write node:<version>"),
        make_finding(line=9, column=5, rule="tag-missing", severity=Severity.WARNING,
                     message="redis has no tag"),
        make_finding(path="Dockerfile", line=1, column=6, kind="dockerfile", severity=Severity.NOTE,
                     rule="invalid-waiver", message="waiver has no reason"),
    ]
    root = parse(render(findings, scanned=["deploy/app.yaml", "Dockerfile", "ok.yaml"]))
    suite = root.find("testsuite")
    assert suite.get("tests") == "3"
    assert suite.get("failures") == "2"
    assert root.get("failures") == "2"
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert set(cases) == {"deploy/app.yaml", "Dockerfile", "ok.yaml"}

    app = cases["deploy/app.yaml"]
    assert app.get("classname") == "policylint.kubernetes"
    assert app.get("file") == "deploy/app.yaml"
    (failure,) = app.findall("failure")
    assert failure.get("type") == "tag-denied,tag-missing"
    assert failure.get("message") == "2 findings: 1 error, 1 warning"
    assert failure.text.split("\n") == [
        "deploy/app.yaml:3:12: error tag-denied node:latest: tag latest is denied"
        " (fix: write node:<version>)",
        "deploy/app.yaml:9:5: warning tag-missing redis has no tag",
    ]

    dockerfile = cases["Dockerfile"]
    assert dockerfile.get("classname") == "policylint.dockerfile"
    (failure,) = dockerfile.findall("failure")
    assert failure.get("type") == "invalid-waiver"
    assert failure.get("message") == "Dockerfile:1:6: note invalid-waiver waiver has no reason"
    assert failure.text == "Dockerfile:1:6: note invalid-waiver waiver has no reason"

    assert cases["ok.yaml"].find("failure") is None


def test_finding_outside_the_scanned_files_still_gets_a_testcase():
    finding = make_finding(path=".policylint.yaml", rule="exception-expired", kind=None,
                           message="exception expired on 2024-01-31")
    root = parse(render([finding], scanned=["Dockerfile"]))
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == {".policylint.yaml", "Dockerfile"}
    assert cases[".policylint.yaml"].get("classname") == "policylint.file"
    assert cases[".policylint.yaml"].find("failure").get("type") == "exception-expired"
    assert root.find("testsuite").get("tests") == "2"
    assert root.find("testsuite").get("failures") == "1"


def xml_safe(text: str) -> str:
    return junit.xml_text(text)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_gives_well_formed_xml(text):
    finding = make_finding(path=text, message=text, rule="tag-denied", fix=text, kind=text)
    root = parse(render([finding], scanned=[text, "ok.yaml"]))
    cases = root.find("testsuite").findall("testcase")
    assert len(cases) == 2
    hostile_case = next(c for c in cases if c.get("name") != "ok.yaml")
    # Attributes keep CR, LF and tab; other controls and bidi controls are shown escaped (CI
    # servers display the name), and what XML cannot hold is replaced.
    assert hostile_case.get("name") == xml_safe(printable(text, keep="\n\r\t"))
    assert hostile_case.get("file") == hostile_case.get("name")
    (failure,) = hostile_case.findall("failure")
    line = xml_safe(printable(f"{text}:3:12: error tag-denied {text} (fix: {text})"))
    assert failure.text == line
    assert failure.get("message") == line
    assert "\n" not in failure.text


def test_forbidden_characters_are_replaced():
    replaced = junit.xml_text("a\x00b\x1bc\ud800d\udcffe\ufffef\uffffg")
    assert replaced == "a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf\ufffdg"
    assert junit.xml_text("tab\tlf\ncr\r é \U0001F600") == "tab\tlf\ncr\r é \U0001F600"


def test_attribute_newlines_survive():
    root = parse(render([make_finding(path="a\nb.yaml")]))
    assert root.find("testsuite/testcase").get("name") == "a\nb.yaml"


def test_output_is_deterministic():
    findings = [make_finding(path=p, line=i + 1) for i, p in enumerate(HOSTILE)]
    assert render(findings, HOSTILE) == render(list(reversed(findings)), list(reversed(HOSTILE)))
