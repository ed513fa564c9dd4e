"""Markdown job summary: totals, counts by rule and environment, a capped findings table, safe cells."""

from __future__ import annotations

import io
import re
from typing import List

import pytest

from policylint.model import Finding, Location, RunResult, Severity
from policylint.report import ReportOptions, markdown

HOSTILE = [
    "pipe | in | text",
    "new\nline\r\n| --- |\n# heading",
    "`code` ``double``",
    "<script>alert(1)</script> <img src=x onerror=y>",
    "[link](https://evil.example) ![img](x)",
    "back\\slash \\| escaped pipe \\\\|",
    "&lt;entity&gt; &#60;b&#62;",
    "*bold* _em_ ~~strike~~",
    "ctrl\x00\x1b[31m\x7f lone\udcff bidi\u202e\u2066",
    "\u2028\u2029\x85\x0b\x0c",
    "::error file=x::y",
    "]]>",
    "déjà vu 日本",
]


def make_finding(path: str = "deploy/app.yaml", **kwargs) -> Finding:
    fields = dict(rule="tag-denied", severity=Severity.ERROR, message="node:latest: tag latest is denied",
                  line=3, column=12, fix=None, environment=None)
    fields.update(kwargs)
    location = Location(path, fields.pop("line"), fields.pop("column"))
    return Finding(location=location, **fields)


def render(findings=(), link_base=None, **counts) -> str:
    out = io.StringIO()
    result = RunResult(findings=list(findings), **counts)
    markdown.write(result, out, ReportOptions(link_base=link_base))
    return out.getvalue()


def split_row(line: str) -> List[str]:
    """Cells of a GFM table row: split on pipes that no backslash escapes."""
    assert line.startswith("| ") and line.endswith(" |"), line
    cells, current, i = [], "", 1
    while i < len(line):
        char = line[i]
        if char == "\\" and i + 1 < len(line):
            current += line[i:i + 2]
            i += 2
            continue
        if char == "|":
            cells.append(current.strip())
            current = ""
        else:
            current += char
        i += 1
    return cells


def table(text: str, heading: str) -> List[List[str]]:
    section = text.split(f"### {heading}\n\n", 1)[1]
    rows = []
    for line in section.split("\n"):
        if not line.startswith("|"):
            break
        rows.append(split_row(line))
    return rows


def test_clean_result_says_no_findings():
    text = render(files_scanned=4, references=9)
    assert text.startswith("## policylint\n")
    assert "No findings (4 files, 9 references checked)." in text
    assert "|" not in text


def test_totals_by_severity():
    findings = [make_finding(), make_finding(line=4), make_finding(severity=Severity.NOTE)]
    text = render(findings, files_scanned=2, references=7, suppressed=5)
    assert "**3 findings**: 2 errors, 0 warnings, 1 note" in text
    assert "2 files scanned" in text
    assert "7 references checked" in text
    assert "5 suppressed" in text


def test_counts_by_rule_and_environment():
    findings = [
        make_finding(environment="release"),
        make_finding(environment="release", line=5),
        make_finding(environment="release", severity=Severity.WARNING, line=6),
        make_finding(rule="tag-missing", environment=None),
        make_finding(rule="tag-denied", environment="beta"),
    ]
    rows = table(render(findings), "Findings by rule")
    assert rows[0] == ["Rule", "Environment", "Errors", "Warnings", "Notes", "Total"]
    assert rows[2:] == [
        ["tag-denied", "beta", "1", "0", "0", "1"],
        ["tag-denied", "release", "2", "1", "0", "3"],
        ["tag-missing", "(none)", "1", "0", "0", "1"],
    ]


def test_findings_table_plain_and_linked():
    finding = make_finding(fix="write node:22.11.0")
    rows = table(render([finding]), "Findings")
    assert rows[0] == ["Severity", "Location", "Rule", "Message"]
    assert rows[2] == ["error", "deploy/app.yaml:3", "tag-denied",
                       "node:latest: tag latest is denied Fix: write node:22.11.0"]
    linked = table(render([finding], link_base="https://github.com/o/r/blob/abc123/"), "Findings")
    assert linked[2][1] == "[deploy/app.yaml:3](https://github.com/o/r/blob/abc123/deploy/app.yaml#L3)"


def test_link_targets_are_percent_encoded():
    finding = make_finding(path="a b/(x)#1%|y\udcff.yaml", line=7)
    cell = table(render([finding], link_base="https://h/o/r/blob/s"), "Findings")[2][1]
    assert cell.endswith("(https://h/o/r/blob/s/a%20b/%28x%29%231%25%7Cy%FF.yaml#L7)")


def test_only_the_first_50_findings_are_listed_errors_first():
    findings = [make_finding(line=i + 1, severity=Severity.NOTE) for i in range(55)]
    findings.append(make_finding(path="z.yaml", severity=Severity.ERROR))
    text = render(findings)
    rows = table(text, "Findings")[2:]
    assert len(rows) == 50
    assert rows[0][:2] == ["error", "z.yaml:3"]
    assert rows[1][1] == "deploy/app.yaml:1"
    assert "_Showing the first 50 of 56 findings._" in text


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("link_base", [None, "https://github.com/o/r/blob/sha"])
def test_hostile_text_cannot_break_the_table(text, link_base):
    finding = make_finding(path=text, message=text, rule=text, environment=text)
    output = render([finding, make_finding()], link_base=link_base)
    output.encode("utf-8")
    for heading, width in (("Findings by rule", 6), ("Findings", 4)):
        rows = table(output, heading)
        assert all(len(row) == width for row in rows), rows
    assert len(table(output, "Findings")) == 4  # header, rule, two findings
    assert "<" not in output and ">" not in output
    # No unescaped brackets or backticks except the link syntax we emit ourselves.
    unlinked = re.sub(r"\]\(https://[^()\s]*\)", "", output).replace("| [", "| ")
    assert not re.search(r"(?<!\\)[\[\]`]", re.sub(r"\\\\", "", unlinked))
    assert "\r" not in output and "\u2028" not in output and "\u202e" not in output


def test_cell_escaping():
    assert markdown.cell("a|b") == "a\\|b"
    assert markdown.cell("`x`") == "\\`x\\`"
    assert markdown.cell("<b>&") == "&lt;b&gt;&amp;"
    assert markdown.cell("[x](y)") == "\\[x\\](y)"
    assert markdown.cell("one\ntwo") == "one\\\\ntwo"
    assert markdown.cell("back\\|") == "back\\\\\\|"
    assert markdown.cell("") == " "
