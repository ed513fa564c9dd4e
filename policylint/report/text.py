"""Text output: one line per finding, `path:line:col: severity rule-id message`."""

from __future__ import annotations

from policylint.model import Finding, RunResult
from policylint.report import ReportOptions, write_lines

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

_COLORS = {"error": "\033[31m", "warning": "\033[33m", "note": "\033[36m"}
_RESET = "\033[0m"
_BOLD = "\033[1m"


def format_finding(finding: Finding, color: bool = False) -> str:
    from policylint.report.safe_text import printable  # loaded once there is something to print

    loc = finding.location
    severity = finding.severity.value
    message = finding.message
    if finding.fix:
        message += f" (fix: {finding.fix})"
    position = f"{printable(loc.path)}:{loc.line}:{loc.column}:"
    if color:
        position = f"{_BOLD}{position}{_RESET}"
        severity = f"{_COLORS[severity]}{severity}{_RESET}"
    return f"{position} {severity} {finding.rule} {printable(message)}"


def write(result: RunResult, out: TextIO, options: ReportOptions) -> None:
    write_lines((format_finding(finding, options.color) for finding in result.findings), out)
