"""Reporters: each module renders a finished RunResult and computes nothing.

Every module exposes `write(result: RunResult, out: TextIO, options: ReportOptions) -> None`.
"""

from __future__ import annotations

import importlib
from typing import NamedTuple, Optional, TextIO

from policylint.model import RunResult

REPORTERS = {
    "text": "policylint.report.text",
    "json": "policylint.report.json_report",
    "sarif": "policylint.report.sarif",
    "github": "policylint.report.github",
    "junit": "policylint.report.junit",
    "markdown": "policylint.report.markdown",
}


class ReportOptions(NamedTuple):
    """What a reporter may know beyond the result: colour, and links for markdown."""

    color: bool = False
    # Base URL for links to files in the markdown summary, e.g.
    # https://github.com/OWNER/REPO/blob/SHA ; None for plain paths.
    link_base: Optional[str] = None


def write(format_name: str, result: RunResult, out: TextIO, options: ReportOptions) -> None:
    module = importlib.import_module(REPORTERS[format_name])
    module.write(result, out, options)
