"""A GitHub job summary (`$GITHUB_STEP_SUMMARY`) in Markdown.

A heading, the totals by severity, a table of counts by rule and environment, and the
first 50 findings (errors first, then by path and line), each linked to its line when
`options.link_base` is set. Table cells escape `\\`, `|`, backticks, `[`, `]`, `<`, `>`, `&`,
emphasis marks and line breaks, so no text from a scanned file can end a cell, start a
table row, make a link or inject HTML.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import quote

from policylint.model import Finding, RunResult, Severity
from policylint.report import ReportOptions
from policylint.report.safe_text import printable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, List, Optional, TextIO, Tuple

MAX_FINDINGS = 50
NO_ENVIRONMENT = "(none)"

_CELL_ESCAPES = {
    "\\": "\\\\", "|": "\\|", "`": "\\`", "[": "\\[", "]": "\\]",
    "*": "\\*", "_": "\\_", "~": "\\~",
    "<": "&lt;", ">": "&gt;", "&": "&amp;",
}
_CELL_RE = re.compile(r"[\\|`\[\]*_~<>&]")
# Surrogates from undecodable bytes map back to those bytes in links; others become U+FFFD.
_FOREIGN_SURROGATE_RE = re.compile("[\ud800-\udc7f\udd00-\udfff]")
# Characters kept literal in link targets: URL syntax, but nothing Markdown gives meaning to.
_URL_SAFE = "/:@!$&'*+,;=?#%-._~"


def cell(value: object) -> str:
    """`value` as the text of one Markdown table cell, shown literally."""
    # printable() shows line breaks, control and bidi characters and surrogates as escapes
    # (as text output does), so a finding stays one row and reads the same everywhere.
    return _CELL_RE.sub(lambda m: _CELL_ESCAPES[m.group(0)], printable(str(value))).strip() or " "


def _url(text: str, safe: str = _URL_SAFE) -> str:
    raw = _FOREIGN_SURROGATE_RE.sub("\ufffd", text).encode("utf-8", "surrogateescape")
    return quote(raw, safe=safe)


def location_cell(finding: Finding, link_base: Optional[str]) -> str:
    loc = finding.location
    shown = cell(f"{loc.path}:{loc.line}")
    if not link_base:
        return shown
    base = _url(link_base.rstrip("/"))
    target = _url(loc.path, safe="/")
    return f"[{shown}]({base}/{target}#L{max(1, loc.line)})"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _totals(result: RunResult) -> str:
    counts = result.counts()
    by_severity = ", ".join(_plural(counts[s.value], s.value) for s in Severity)
    parts = [f"**{_plural(len(result.findings), 'finding')}**: {by_severity}"]
    parts.append(f"{_plural(result.files_scanned, 'file')} scanned")
    parts.append(f"{_plural(result.references, 'reference')} checked")
    if result.unreadable:
        parts.append(f"{result.unreadable} unreadable")
    if result.suppressed:
        parts.append(f"{result.suppressed} suppressed")
    return " · ".join(parts)


def _by_rule(findings: List[Finding]) -> List[str]:
    table: Dict[Tuple[str, str], Counter] = {}
    for finding in findings:
        key = (finding.rule, finding.environment or NO_ENVIRONMENT)
        table.setdefault(key, Counter())[finding.severity.value] += 1
    lines = [
        "| Rule | Environment | Errors | Warnings | Notes | Total |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for (rule, environment), counts in sorted(table.items()):
        numbers = [counts[s.value] for s in Severity]
        row = [cell(rule), cell(environment), *map(str, numbers), str(sum(numbers))]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def _findings(findings: List[Finding], link_base: Optional[str]) -> List[str]:
    lines = [
        "| Severity | Location | Rule | Message |",
        "| --- | --- | --- | --- |",
    ]
    for finding in findings[:MAX_FINDINGS]:
        message = finding.message + (f" Fix: {finding.fix}" if finding.fix else "")
        row = [finding.severity.value, location_cell(finding, link_base), cell(finding.rule), cell(message)]
        lines.append("| " + " | ".join(row) + " |")
    if len(findings) > MAX_FINDINGS:
        lines.append("")
        lines.append(f"_Showing the first {MAX_FINDINGS} of {len(findings)} findings._")
    return lines


def render(result: RunResult, options: ReportOptions) -> str:
    lines = ["## policylint", ""]
    if not result.findings:
        checked = f"{_plural(result.files_scanned, 'file')}, {_plural(result.references, 'reference')}"
        lines.append(f"No findings ({checked} checked).")
        if result.suppressed:
            lines.append("")
            lines.append(f"{result.suppressed} suppressed.")
        return "\n".join(lines) + "\n"
    findings = sorted(result.findings, key=lambda f: (-f.severity.rank, f.sort_key))
    lines.append(_totals(result))
    lines += ["", "### Findings by rule", ""]
    lines += _by_rule(findings)
    lines += ["", "### Findings", ""]
    lines += _findings(findings, options.link_base)
    return "\n".join(lines) + "\n"


def write(result: RunResult, out: TextIO, options: ReportOptions) -> None:
    out.write(render(result, options))
