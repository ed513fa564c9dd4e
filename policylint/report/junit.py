"""JUnit XML for GitLab and Jenkins: one test case per checked file, failed when it has findings.

`<testsuites>` holds one `<testsuite name="policylint">`. Every scanned file is a
`<testcase classname="policylint.<kind>" name="<path>" file="<path>">`; a file that has
findings (also one that was not in the scan, such as the policy file) holds exactly one
`<failure>`, whose text lists each finding as `path:line:col: severity rule message` (one
line each, control characters escaped as in text output). One
failure per test case is what both consumers read in full: Jenkins keeps only the first
`<failure>` of a test case, and GitLab (which keys test cases by name) shows the failure text.

Any input text gives well-formed XML: characters XML 1.0 forbids (control characters other
than tab, LF and CR; lone surrogates; U+FFFE, U+FFFF) become U+FFFD.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from policylint.model import Finding, RunResult, Severity
from policylint.report import ReportOptions
from policylint.report.safe_text import printable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, List, Optional, TextIO

SUITE_NAME = "policylint"

_NOT_XML_RE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: object) -> str:
    """`value` as text that XML 1.0 can hold."""
    return _NOT_XML_RE.sub("\ufffd", str(value))


def finding_line(finding: Finding) -> str:
    """`path:line:col: severity rule message`, as in text output: one line, controls escaped."""
    loc = finding.location
    message = finding.message
    if finding.fix:
        message += f" (fix: {finding.fix})"
    return printable(f"{loc.path}:{loc.line}:{loc.column}: {finding.severity.value} {finding.rule} {message}")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _summary(findings: List[Finding]) -> str:
    if len(findings) == 1:
        return finding_line(findings[0])
    parts = []
    for severity in Severity:
        count = sum(1 for f in findings if f.severity is severity)
        if count:
            parts.append(_plural(count, severity.value))
    return f"{_plural(len(findings), 'finding')}: {', '.join(parts)}"


def _path_of(item: object) -> str:
    return item if isinstance(item, str) else str(getattr(item, "path", item))


def _testcase(parent: ET.Element, path: str, findings: List[Finding]) -> None:
    kind: Optional[str] = next((f.kind for f in findings if f.kind), None)
    case = ET.SubElement(parent, "testcase", {
        "classname": xml_text(f"{SUITE_NAME}.{kind or 'file'}"),
        "name": xml_text(printable(path, keep="\n\r\t")),  # CI servers show it: no raw bidi or escape
        "file": xml_text(printable(path, keep="\n\r\t")),
        "time": "0",
    })
    if findings:
        rules = sorted({f.rule for f in findings})
        failure = ET.SubElement(case, "failure", {
            "type": xml_text(",".join(rules)),
            "message": xml_text(_summary(findings)),
        })
        failure.text = xml_text("\n".join(finding_line(f) for f in findings))


def document(result: RunResult) -> ET.Element:
    by_path: Dict[str, List[Finding]] = {}
    for item in result.scanned_paths:
        by_path.setdefault(_path_of(item), [])
    for finding in sorted(result.findings, key=lambda f: f.sort_key):
        by_path.setdefault(finding.location.path, []).append(finding)
    tests = str(len(by_path))
    failures = str(sum(1 for findings in by_path.values() if findings))
    counts = {"tests": tests, "failures": failures, "errors": "0", "skipped": "0", "time": "0"}
    root = ET.Element("testsuites", {"name": SUITE_NAME, **counts})
    suite = ET.SubElement(root, "testsuite", {"name": SUITE_NAME, **counts})
    for path in sorted(by_path):
        _testcase(suite, path, by_path[path])
    return root


def write(result: RunResult, out: TextIO, options: ReportOptions) -> None:
    root = document(result)
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")
