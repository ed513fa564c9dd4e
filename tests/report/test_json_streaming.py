"""JSON and SARIF reports are written one finding at a time, exactly as the whole document
encoded at once would be."""

from __future__ import annotations

import io
import json
import tracemalloc

import pytest
from test_sarif import HOSTILE, make_finding

from policylint.model import RunResult, Severity
from policylint.report import ReportOptions, json_report, sarif, write_json


def result_of(findings) -> RunResult:
    findings = list(findings)
    return RunResult(findings=findings, files_scanned=len(findings), references=len(findings))


def many(count: int):
    rules = ["tag-denied", "tag-missing", "registry-not-allowed"]
    for number in range(count):
        path = HOSTILE[number % len(HOSTILE)] if number % 7 == 0 else f"svc{number % 50}/compose.yaml"
        yield make_finding(path=path, line=number + 1, rule=rules[number % 3],
                           severity=[Severity.ERROR, Severity.WARNING, Severity.NOTE][number % 3],
                           message=f"finding {number} \u2028 caf\u00e9 \ud800")


def whole_json(result: RunResult) -> str:
    """What the JSON reporter wrote before it streamed: the document encoded at once."""
    return json.dumps({
        "version": json_report.FORMAT_VERSION,
        "tool": {"name": "policylint", "version": __import__("policylint").__version__},
        "findings": [json_report.finding_to_dict(finding) for finding in result.findings],
        "summary": json_report.summary(result),
    }, indent=2, ensure_ascii=True) + "\n"


@pytest.mark.parametrize("count", [0, 1, 2, 255, 256, 257, 600])
def test_streamed_json_and_sarif_equal_the_document_encoded_at_once(count):
    result = result_of(many(count))
    out = io.StringIO()
    json_report.write(result, out, ReportOptions())
    assert out.getvalue() == whole_json(result)
    out = io.StringIO()
    sarif.write(result, out, ReportOptions())
    assert out.getvalue() == sarif.dumps(sarif.document(result)) + "\n"
    assert len(json.loads(out.getvalue())["runs"][0]["results"]) == count


@pytest.mark.parametrize("build", [
    lambda items: items,
    lambda items: {"a": {"b": [{"c": items}]}, "z": [1, 2]},
    lambda items: {"first": "\u0000policylint: look-alike", "items": items, "last": {}},
])
def test_write_json_puts_the_items_where_build_does(build):
    items = [{"k": [1, {"x": None}]}, "text\nwith newline", 3, [], {}]
    out = io.StringIO()
    write_json(out, build, iter(items), lambda data: json.dumps(data, indent=2))
    assert out.getvalue() == json.dumps(build(items), indent=2) + "\n"


def test_a_large_sarif_log_is_never_held_whole():
    """20,000 findings: the log's text is ~20 MB; writing it may not cost a multiple of that."""
    result = result_of(many(20_000))

    class Counting(io.TextIOBase):
        size = 0

        def write(self, text: str) -> int:
            self.size += len(text)
            return len(text)

    out = Counting()
    tracemalloc.start()
    try:
        sarif.write(result, out, ReportOptions())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert out.size > 15_000_000
    assert peak < out.size / 4, (peak, out.size)
