"""Output safety in every format, through the real command line: file names with newlines,
colons, commas, `%`, `::`, ANSI escapes, bidi overrides and undecodable bytes, and images
holding control characters, never break a format or reach a terminal raw."""

from __future__ import annotations

import json
import os
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from hostile_support import SCHEMAS

from policylint.cli import main
from policylint.report.safe_text import printable

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file names")

# Characters that must never reach a terminal raw: C0 (but the line feed ending each line),
# DEL and C1, bidi embeddings, overrides and isolates, line and paragraph separators, surrogates.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

HOSTILE_DIRS = [
    "new\nline",
    "carriage\rreturn",
    "colon:1:2: error fake",
    "comma,line=99,col=1",
    "percent%0A%25",
    "::error file=x::injected",
    "ansi\x1b[2J\x1b[31mred",
    "bidi\u202eexe.txt",
    "tab\tand\x07bell",
    "pipe|star*_under_`tick`<b>&amp;[link](x)",
]


@pytest.fixture
def hostile_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tuple[Path, List[str]]:
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".git").mkdir()
    paths = []
    for name in HOSTILE_DIRS:
        folder = root / name
        folder.mkdir()
        (folder / "Dockerfile").write_text("FROM nginx\n")
        paths.append(f"{name}/Dockerfile")
    (root / "Dockerfile.\u202egpj").write_text("FROM redis:latest\n")
    paths.append("Dockerfile.\u202egpj")
    (root / "compose.yaml").write_text(
        'services:\n'
        '  a: {image: "\\e[2J\\e[1;31mnginx:1\\e[0m"}\n'
        '  b: {image: "nginx:1\\r::error file=x::pwned\\n"}\n'
        '  c: {image: "ng\\u202einx:1"}\n'
        '  d: {image: "%0A::warning::x,y:z"}\n'
    )
    paths.append("compose.yaml")
    undecodable = os.fsencode(str(root)) + b"/Dockerfile.\xff\xfe"
    with open(undecodable, "wb") as handle:
        handle.write(b"FROM alpine\n")
    paths.append(os.fsdecode(b"Dockerfile.\xff\xfe"))
    monkeypatch.chdir(root)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return root, paths


def run(capsys: pytest.CaptureFixture, *args: str) -> Tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    assert code == 1, captured.err
    assert "internal error" not in captured.err and "Traceback" not in captured.err
    assert not RAW_CONTROL.search(captured.err), repr(captured.err)
    return code, captured.out, captured.err


def expected_paths(paths: List[str]) -> List[str]:
    return sorted(paths)


def test_text_never_prints_raw_control_characters(hostile_repo, capsys) -> None:
    root, paths = hostile_repo
    _, out, err = run(capsys, "--debug", ".")
    assert not RAW_CONTROL.search(out), repr(out)
    lines = out.splitlines()
    assert len(lines) == 16  # one line per finding: 12 files, and four in compose.yaml
    assert all(re.match(r"^.+:\d+:\d+: (error|warning|note) [a-z-]+ ", line) for line in lines)
    assert "\\x1b[2J" in out and "\\u202e" in out and "new\\nline/Dockerfile:1:6:" in out
    assert "summary" not in err and "files scanned" in err


def test_json_round_trips_every_path_and_image(hostile_repo, capsys) -> None:
    root, paths = hostile_repo
    _, out, _ = run(capsys, "-f", "json", ".")
    document = json.loads(out)
    assert out.isascii()
    found = {finding["path"] for finding in document["findings"]}
    assert found == set(paths)
    images = {finding["image"] for finding in document["findings"] if finding["path"] == "compose.yaml"}
    assert images == {"\x1b[2J\x1b[1;31mnginx:1\x1b[0m", "nginx:1\r::error file=x::pwned\n", "ng\u202einx:1",
                      "%0A::warning::x,y:z"}


def test_sarif_parses_and_validates(hostile_repo, capsys) -> None:
    root, paths = hostile_repo
    _, out, _ = run(capsys, "-f", "sarif", ".")
    document = json.loads(out)
    uris = [result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for result in document["runs"][0]["results"]]
    assert all(re.fullmatch(r"[A-Za-z0-9\-._~/%]+", uri) for uri in uris), uris
    from urllib.parse import unquote_to_bytes

    assert {os.fsdecode(unquote_to_bytes(uri)) for uri in uris} == set(paths)
    schema_path = SCHEMAS / "sarif-schema-2.1.0.json"
    if not schema_path.is_file():
        pytest.skip(f"SARIF schema not found at {schema_path}")
    import jsonschema

    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    errors = list(validator_class(schema, format_checker=validator_class.FORMAT_CHECKER).iter_errors(document))
    assert not errors, [error.message for error in errors[:3]]


def _unescape(value: str, property_value: bool) -> str:
    if property_value:
        value = value.replace("%2C", ",").replace("%3A", ":")
    return value.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")


def parse_github(line: str) -> Tuple[str, Dict[str, str], str]:
    match = re.fullmatch(r"::(error|warning|notice) ([^:]*)::(.*)", line)
    assert match, line
    properties = {}
    for item in match.group(2).split(","):
        key, _, value = item.partition("=")
        properties[key] = _unescape(value, True)
    return match.group(1), properties, _unescape(match.group(3), False)


def test_github_lines_each_start_a_command_and_unescape_back(hostile_repo, capsys) -> None:
    root, paths = hostile_repo
    _, out, _ = run(capsys, "-f", "github", ".")
    lines = out.split("\n")
    assert lines[-1] == ""
    lines = lines[:-1]
    assert len(lines) == 16 and all(line.startswith("::") for line in lines)
    assert "\r" not in out
    parsed = [parse_github(line) for line in lines]
    # the runner reads UTF-8: an undecodable byte in a name is shown as U+FFFD; the job log
    # renders escape sequences, so controls other than CR and LF come back shown escaped
    shown = {printable(re.sub("[\ud800-\udfff]", "\ufffd", path), keep="\r\n") for path in paths}
    assert {properties["file"] for _, properties, _ in parsed} == shown
    assert all(set(properties) <= {"file", "line", "col", "endColumn", "title"} for _, properties, _ in parsed)
    messages = [message for _, properties, message in parsed if properties["file"] == "compose.yaml"]
    assert any("nginx:1\r::error file=x::pwned\n" in message for message in messages)
    assert all(properties["line"].isdigit() and properties["col"].isdigit() for _, properties, _ in parsed)


def test_junit_parses_with_one_case_per_file(hostile_repo, capsys) -> None:
    root, paths = hostile_repo
    _, out, _ = run(capsys, "-f", "junit", ".")
    tree = ET.fromstring(out.encode("utf-8"))
    cases = tree.findall("./testsuite/testcase")
    assert len(cases) == len(paths)
    for case in cases:
        failure = case.find("failure")
        assert failure is not None
        assert not RAW_CONTROL.search(failure.text or "")


def _cells(row: str) -> List[str]:
    return re.split(r"(?<!\\)\|", row.strip())[1:-1]


def test_markdown_rows_stay_rows(hostile_repo, capsys) -> None:
    root, paths = hostile_repo
    _, out, _ = run(capsys, "-f", "markdown", ".")
    assert not RAW_CONTROL.search(out)
    assert "<b>" not in out and not re.search(r"(?<!\\)\]\(", out)  # no HTML, no link
    rows = [line for line in out.splitlines() if line.startswith("| ") and not line.startswith("| ---")]
    finding_rows = [row for row in rows if _cells(row)[0].strip() in ("error", "warning", "note")]
    assert len(finding_rows) == 16
    assert all(len(_cells(row)) == 4 for row in finding_rows)


def test_output_file_and_extra_reports_are_safe(hostile_repo, capsys) -> None:
    root, paths = hostile_repo
    run(capsys, "-o", "report.txt", "--sarif-file", "out.sarif", "--summary-file", "summary.md", ".")
    text = (root / "report.txt").read_text(encoding="utf-8")
    assert len(text.splitlines()) == 16 and not RAW_CONTROL.search(text)
    json.loads((root / "out.sarif").read_text(encoding="utf-8"))
    assert not RAW_CONTROL.search((root / "summary.md").read_text(encoding="utf-8"))


def test_images_listing_is_safe(hostile_repo, capsys) -> None:
    main(["images", "--debug", "."])
    captured = capsys.readouterr()
    assert not RAW_CONTROL.search(captured.out) and not RAW_CONTROL.search(captured.err)
    assert len(captured.out.splitlines()) == 16


def test_fix_diff_is_safe(hostile_repo, capsys) -> None:
    root, _ = hostile_repo
    (root / ".policylint.yaml").write_text("version: 1\nfully_qualified: true\n")
    assert main(["fix", "--diff", "."]) == 0
    captured = capsys.readouterr()
    assert "new\\nline/Dockerfile:1: nginx -> docker.io/library/nginx" in captured.out
    assert not RAW_CONTROL.search(captured.out) and not RAW_CONTROL.search(captured.err)


def test_error_messages_naming_hostile_input_are_one_safe_line(hostile_repo, capsys) -> None:
    for args in (["no\x1b[2Jsuch\nfile"], ["--env", "\u202eprod\x07"], ["-p", "missing\x1b[31m.yaml"],
                 ["-f", "\x1b[2J"], ["--build-arg", "\x1b=1"], ["--exclude", "[\x1b"],
                 ["explain", "\x1b[2Jnginx\n:1"]):
        code = main(list(args))
        captured = capsys.readouterr()
        assert code in (1, 2), args
        assert not RAW_CONTROL.search(captured.err), (args, captured.err)
        assert not RAW_CONTROL.search(captured.out), (args, captured.out)
        if code == 2:
            assert captured.err.startswith("policylint"), captured.err
            assert "Traceback" not in captured.err
