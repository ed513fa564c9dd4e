"""GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per finding.

Escaping is exactly that of actions/toolkit (`packages/core/src/command.ts`): the message
escapes `%`, CR and LF; property values also escape `:` and `,`. So no file name or message
can end the command early or start another one. Before that, control and bidi-control
characters are shown escaped (`\x1b`), as in the text format, since the job log renders
escape sequences; lone surrogates (from undecodable bytes) become U+FFFD.
"""

from __future__ import annotations

import re

from policylint.model import Finding, RunResult
from policylint.report import ReportOptions, write_lines
from policylint.report.safe_text import printable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List, TextIO, Tuple

COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}

_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _text(value: object) -> str:
    # The job log shows what a terminal would: escape sequences and bidi controls from a file
    # name or an image are printed escaped, as in the text format. CR and LF keep the
    # toolkit's own escapes (%0D, %0A), which the runner turns back into the name's characters.
    return printable(_SURROGATE_RE.sub("\ufffd", str(value)), keep="\r\n")


def escape_data(value: object) -> str:
    return _text(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: object) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _message(finding: Finding) -> str:
    if finding.fix:
        return f"{finding.message} Fix: {finding.fix}"
    return finding.message


def command(finding: Finding) -> str:
    """The workflow command line (without newline) that annotates `finding`."""
    loc = finding.location
    props: List[Tuple[str, object]] = [("file", loc.path)]
    if loc.line >= 1:
        props.append(("line", loc.line))
        if loc.column >= 1:
            props.append(("col", loc.column))
            if loc.end_column is not None and loc.end_column > loc.column:
                props.append(("endColumn", loc.end_column))
    props.append(("title", finding.rule))
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    return f"::{COMMANDS[finding.severity.value]} {rendered}::{escape_data(_message(finding))}"


def write(result: RunResult, out: TextIO, options: ReportOptions) -> None:
    write_lines((command(finding) for finding in result.findings), out)
