"""GitHub workflow commands: exact format, actions/toolkit escaping, no command injection."""

from __future__ import annotations

import io
import re
from typing import Dict, List, Tuple

import pytest

from policylint.model import Finding, Location, RunResult, Severity
from policylint.report import ReportOptions, github
from policylint.report.safe_text import printable

HOSTILE = [
    "plain.yaml",
    "x,y.yaml",
    "a:b/c.yaml",
    "line\nbreak/Dockerfile",
    "evil\n::error file=x::injected",
    "cr\r\n::warning::also",
    "%0A%25%3A%2C already escaped",
    "100%",
    "title=x,line=9",
    "::",
    "]]> <b> `code` | [x](y)",
    "ctrl\x00\x1b[31m\x7f",
    "déjà vu/日本.yaml",
    "\u2028\u2029\x85",
]


def make_finding(path: str = "deploy/app.yaml", message: str = "tag latest is denied", **kwargs) -> Finding:
    defaults = dict(rule="tag-denied", severity=Severity.ERROR, line=3, column=12, end_column=23, fix=None)
    defaults.update(kwargs)
    location = Location(path, defaults.pop("line"), defaults.pop("column"), defaults.pop("end_column"))
    return Finding(message=message, location=location, **defaults)


def render(*findings: Finding) -> str:
    out = io.StringIO()
    github.write(RunResult(findings=list(findings)), out, ReportOptions())
    return out.getvalue()


COMMAND_RE = re.compile(r"^::(error|warning|notice) ([^:]*)::(.*)$", re.DOTALL)
UNESCAPES = {"%25": "%", "%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ","}


def unescape(text: str, *, prop: bool) -> str:
    """What the runner does: undo the toolkit escapes (properties also `:` and `,`)."""
    keys = ["%0D", "%0A", "%3A", "%2C"] if prop else ["%0D", "%0A"]
    pattern = "|".join(re.escape(k) for k in keys + ["%25"])
    return re.sub(pattern, lambda m: UNESCAPES[m.group(0)], text)


def parse(line: str) -> Tuple[str, Dict[str, str], str]:
    match = COMMAND_RE.match(line)
    assert match, line
    level, props_text, data = match.groups()
    props: Dict[str, str] = {}
    for item in props_text.split(","):
        key, _, value = item.partition("=")
        assert key not in props
        props[key] = unescape(value, prop=True)
    return level, props, unescape(data, prop=False)


def lines_of(text: str) -> List[str]:
    assert text.endswith("\n")
    assert "\r" not in text
    return text[:-1].split("\n")


def test_exact_command():
    finding = make_finding()
    assert render(finding) == (
        "::error file=deploy/app.yaml,line=3,col=12,endColumn=23,title=tag-denied::tag latest is denied\n"
    )


@pytest.mark.parametrize(("severity", "command"), [
    (Severity.ERROR, "error"), (Severity.WARNING, "warning"), (Severity.NOTE, "notice"),
])
def test_severity_maps_to_command(severity, command):
    assert render(make_finding(severity=severity)).startswith(f"::{command} file=")


def test_no_end_column_when_unknown_and_fix_is_appended():
    text = render(make_finding(end_column=None, fix="write node:22.11.0"))
    assert text == (
        "::error file=deploy/app.yaml,line=3,col=12,title=tag-denied::"
        "tag latest is denied Fix: write node:22.11.0\n"
    )


def test_empty_result_writes_nothing():
    assert render() == ""


def test_escape_functions_match_actions_toolkit():
    assert github.escape_data("a%b\r\nc:d,e") == "a%25b%0D%0Ac:d,e"
    assert github.escape_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"
    assert github.escape_data("%0A") == "%250A"
    assert github.escape_property("%3A") == "%253A"


def test_comma_and_colon_in_a_path_stay_in_the_file_property():
    line = render(make_finding(path="a,b:c.yaml"))
    assert line.startswith("::error file=a%2Cb%3Ac.yaml,line=3,")


@pytest.mark.parametrize("path", HOSTILE)
@pytest.mark.parametrize("message", HOSTILE)
def test_hostile_text_round_trips_and_injects_nothing(path, message):
    finding = make_finding(path=path, message=message, rule="tag-denied")
    lines = lines_of(render(finding, make_finding()))
    assert len(lines) == 2
    for line in lines:
        assert line.startswith("::")
    level, props, data = parse(lines[0])
    assert level == "error"
    # what the runner gets back is the text with every control but CR and LF shown escaped
    shown = {text: printable(re.sub("[\ud800-\udfff]", "\ufffd", text), keep="\r\n") for text in (path, message)}
    assert props == {"file": shown[path], "line": "3", "col": "12", "endColumn": "23", "title": "tag-denied"}
    assert data == shown[message]
    assert parse(lines[1])[2] == "tag latest is denied"


def test_escape_sequences_and_bidi_controls_reach_the_log_escaped():
    line = render(make_finding(path="ovr\u202e/Dockerfile", message="\x1b[2J\x1b]0;pwned\x07 \u200f"))
    assert "\x1b" not in line and "\u202e" not in line and "\u200f" not in line and "\x07" not in line
    assert "ovr\\u202e/Dockerfile" in line and "\\x1b[2J" in line


def test_lone_surrogates_become_replacement_characters():
    text = render(make_finding(path="bad\udcff.yaml", message="m\ud800"))
    text.encode("utf-8")
    _, props, data = parse(lines_of(text)[0])
    assert props["file"] == "bad\ufffd.yaml"
    assert data == "m\ufffd"


def test_line_zero_omits_position():
    line = render(make_finding(line=0, column=0, end_column=None))
    assert line == "::error file=deploy/app.yaml,title=tag-denied::tag latest is denied\n"
