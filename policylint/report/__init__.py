"""Reporters: each module renders a finished RunResult and computes nothing.

Every module exposes `write(result: RunResult, out: TextIO, options: ReportOptions) -> None`.
"""

from __future__ import annotations

import sys

from policylint.model import RunResult
from policylint.records import NamedTuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable, Optional, TextIO

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


# Stands for the streamed list in the document that `write_json` encodes once; encoded it holds
# `\u0000`, which no other string of a report's envelope (tool, rules, summary) can.
_STREAMED = "\x00policylint: streamed items\x00"


def write_json(out: TextIO, build: Callable[[list], Any], items: Iterable[Any], encode: Callable[[Any], str]) -> None:
    """Write `build(list(items))` as `encode` writes it (indented JSON), followed by a newline,
    without holding the whole list or its text: each item is encoded as it is written, so a
    report of 100,000 findings costs the memory of one. `build` puts the list it is given in
    the one place of the document it belongs."""
    iterator = iter(items)
    first = next(iterator, _STREAMED)
    if first is _STREAMED:
        out.write(encode(build([])) + "\n")
        return
    text = encode(build([_STREAMED]))
    marker = encode(_STREAMED)
    at = text.index(marker)
    line_start = text.rindex("\n", 0, at) + 1
    indent = text[line_start:at]  # each item's lines start where the marker's line does
    out.write(text[:line_start])
    chunk = [indent + encode(first).replace("\n", "\n" + indent)]
    for item in iterator:
        if len(chunk) == _LINES_PER_WRITE:
            out.write(",\n".join(chunk) + ",\n")
            chunk.clear()
        chunk.append(indent + encode(item).replace("\n", "\n" + indent))
    out.write(",\n".join(chunk) + text[at + len(marker):] + "\n")
