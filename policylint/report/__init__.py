"""Reporters: each module renders a finished RunResult and computes nothing.

Every module exposes `write(result: RunResult, out: TextIO, options: ReportOptions) -> None`.
"""

from __future__ import annotations

import sys

from policylint.model import RunResult
from policylint.records import NamedTuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, Optional, TextIO

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
    name = REPORTERS[format_name]
    __import__(name)  # not importlib.import_module: importing importlib (and warnings) costs more
    sys.modules[name].write(result, out, options)


# Lines a line-per-finding reporter hands to `out.write` at once. Under PYTHONUNBUFFERED=1 (set
# in many CI images) every write is a system call, so writing line by line made one per finding;
# whole chunks keep that down without holding a large report in memory twice.
_LINES_PER_WRITE = 256


def write_lines(lines: Iterable[str], out: TextIO) -> None:
    """Write each of `lines` followed by a newline, a few hundred lines per write."""
    chunk = []
    for line in lines:
        chunk.append(line)
        if len(chunk) == _LINES_PER_WRITE:
            out.write("\n".join(chunk) + "\n")
            chunk.clear()
    if chunk:
        out.write("\n".join(chunk) + "\n")
