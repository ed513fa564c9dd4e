"""Text output: one line per finding, and whole chunks of lines per write."""

from __future__ import annotations

import io
from typing import List

import pytest

from policylint.model import Finding, Location, RunResult, Severity
from policylint.report import ReportOptions, github, text, write_lines


class CountingStream(io.StringIO):
    """A stream that remembers how often it was written to, like an unbuffered stdout."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, data: str) -> int:
        self.writes += 1
        return super().write(data)


def result_with(count: int) -> RunResult:
    result = RunResult()
    result.findings = [
        Finding(rule="tag-missing", severity=Severity.ERROR, message=f"image {index} has no tag",
                location=Location(f"deploy/app{index}.yaml", index + 1, 3), fix="write a tag")
        for index in range(count)
    ]
    return result


@pytest.mark.parametrize("count", [0, 1, 255, 256, 257, 1000])
def test_write_lines_writes_every_line_in_a_few_writes(count: int) -> None:
    lines = [f"line {index}" for index in range(count)]
    out = CountingStream()
    write_lines(iter(lines), out)
    assert out.getvalue() == "".join(line + "\n" for line in lines)
    assert out.writes == -(-count // 256)  # a write per started chunk, none for no lines


def test_text_report_is_one_line_per_finding() -> None:
    out = CountingStream()
    text.write(result_with(600), out, ReportOptions())
    lines: List[str] = out.getvalue().splitlines()
    assert len(lines) == 600
    assert lines[0] == "deploy/app0.yaml:1:3: error tag-missing image 0 has no tag (fix: write a tag)"
    assert lines[599].startswith("deploy/app599.yaml:600:3: error tag-missing ")
    assert out.writes == 3  # not 600 system calls when stdout is unbuffered


def test_github_report_is_one_command_per_finding() -> None:
    out = CountingStream()
    github.write(result_with(300), out, ReportOptions())
    lines = out.getvalue().splitlines()
    assert len(lines) == 300
    assert all(line.startswith("::error file=deploy/app") for line in lines)
    assert out.writes == 2
