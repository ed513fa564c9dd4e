"""JSON output: `version`, `findings` and `summary`, as SPEC §6 describes."""

from __future__ import annotations

import json

from policylint import __version__
from policylint.model import Finding, RunResult
from policylint.report import ReportOptions, write_json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Iterable, TextIO

FORMAT_VERSION = 1


def finding_to_dict(finding: Finding) -> Dict[str, Any]:
    loc = finding.location
    return {
        "rule": finding.rule,
        "severity": finding.severity.value,
        "message": finding.message,
        "fix": finding.fix,
        "path": loc.path,
        "line": loc.line,
        "column": loc.column,
        "end_column": loc.end_column,
        "image": finding.image,
        "normalized": finding.normalized,
        "kind": finding.kind,
        "environment": finding.environment,
        "context": dict(finding.context),
    }


def summary(result: RunResult) -> Dict[str, Any]:
    return {
        "files_scanned": result.files_scanned,
        "files_unreadable": result.unreadable,
        "files_skipped": len(result.skipped),
        "candidates": result.candidates,
        "references": result.references,
        "suppressed": result.suppressed,
        "findings": result.counts(),
    }


def encode(data: Any) -> str:
    # ensure_ascii keeps the output valid UTF-8 even for lone surrogates from undecodable bytes
    return json.dumps(data, indent=2, ensure_ascii=True)


def dump(items: Iterable[Any], out: TextIO) -> None:
    """Write `items` as one indented JSON list, encoding each as it is written."""
    write_json(out, lambda listed: listed, items, encode)


def write(result: RunResult, out: TextIO, options: ReportOptions) -> None:
    def document(findings: list) -> Dict[str, Any]:
        return {
            "version": FORMAT_VERSION,
            "tool": {"name": "policylint", "version": __version__},
            "findings": findings,
            "summary": summary(result),
        }

    write_json(out, document, map(finding_to_dict, result.findings), encode)
