"""SARIF 2.1.0 output, valid against the OASIS schema and accepted by GitHub code scanning.

Paths are URI references relative to `%SRCROOT%` (the scan root), percent-encoded from the
path's UTF-8 bytes. Every rule of the catalog is described in `tool.driver.rules` with its
doc page as help. `partialFingerprints["policylint/v1"]` is the baseline fingerprint (rule,
path, normalized image; no line) plus `:N`, the finding's ordinal among identical ones in
that file, so alerts follow a reference when lines move and two identical references stay
two alerts.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from policylint import __version__
from policylint.baseline import fingerprint
from policylint.model import Finding, RunResult
from policylint.report import ReportOptions, write_json
from policylint.rules import RULES, Rule

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Iterator, List, TextIO, Tuple

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/policylint/policylint"
RULE_DOC_URI = INFORMATION_URI + "/blob/main/docs/rules/{id}.md"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "policylint/v1"

# Surrogates that `surrogateescape` made from undecodable bytes map back to those bytes;
# any other lone surrogate has no byte form and becomes U+FFFD.
_FOREIGN_SURROGATE_RE = re.compile("[\ud800-\udc7f\udd00-\udfff]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_HEADING_RE = re.compile(r"^#+ ", re.MULTILINE)
_SECTION_RE = re.compile(r"^## (.+)$", re.MULTILINE)
_SCOPE_TAGS = {"reference": "image-reference", "file": "parse", "policy": "policy", "waiver": "waiver"}


def rule_name(rule_id: str) -> str:
    """`tag-missing` -> `TagMissing`."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_]", rule_id) if part)


def artifact_uri(path: str) -> Dict[str, str]:
    """The artifactLocation of `path`: relative to %SRCROOT%, or a file URI when absolute."""
    raw = _FOREIGN_SURROGATE_RE.sub("\ufffd", path).encode("utf-8", "surrogateescape")
    # Only unreserved characters and `/` stay literal: `:` in a first segment would read as
    # a scheme, and `#`, `?`, `%`, spaces and non-ASCII bytes must be escaped anyway.
    encoded = quote(raw, safe="/")
    if path.startswith("/"):
        return {"uri": "file://" + encoded}
    return {"uri": encoded, "uriBaseId": SRCROOT}


def _sections(doc: str) -> Dict[str, str]:
    parts = _SECTION_RE.split(doc)
    return {parts[i].strip(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}


def _prose(text: str) -> str:
    """Paragraphs with their line breaks joined, as one plain-text description."""
    paragraphs = [" ".join(line.strip() for line in block.splitlines()) for block in text.split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


def _describe(rule: Rule) -> Dict[str, Any]:
    level = rule.default_severity.value
    doc = rule.doc or rule.summary
    full = _prose(_sections(doc).get("What it does", "")) or rule.summary
    return {
        "id": rule.id,
        "name": rule_name(rule.id),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": full},
        "help": {
            "text": f"{rule.title}: {rule.summary}\n\n{_HEADING_RE.sub('', doc)}",
            "markdown": f"**{rule.id}**: {rule.summary}\n\n{doc}",
        },
        "helpUri": RULE_DOC_URI.format(id=rule.id),
        "defaultConfiguration": {"level": level},
        "properties": {"tags": ["containers", "image-policy", _SCOPE_TAGS.get(rule.scope, rule.scope)]},
    }


def _describe_unknown(rule_id: str) -> Dict[str, Any]:
    return {
        "id": rule_id,
        "name": rule_name(rule_id),
        "shortDescription": {"text": rule_id},
        "helpUri": INFORMATION_URI,
    }


def _message(finding: Finding) -> str:
    if finding.fix:
        return f"{finding.message} Fix: {finding.fix}"
    return finding.message


def _region(finding: Finding) -> Dict[str, int]:
    loc = finding.location
    start_column = max(1, loc.column)
    region = {"startLine": max(1, loc.line), "startColumn": start_column}
    if loc.end_column is not None and loc.end_column > start_column:
        region["endColumn"] = loc.end_column
    return region


def _properties(finding: Finding) -> Dict[str, Any]:
    props: Dict[str, Any] = {}
    for key in ("image", "normalized", "kind", "environment"):
        value = getattr(finding, key)
        if value is not None:
            props[key] = value
    if finding.context:
        props["context"] = {key: finding.context[key] for key in sorted(finding.context)}
    return props


def _result(finding: Finding, rule_index: int, ordinal: int) -> Dict[str, Any]:
    result: Dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": finding.severity.value,
        "message": {"text": _message(finding)},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifact_uri(finding.location.path),
                "region": _region(finding),
            }
        }],
        "partialFingerprints": {FINGERPRINT_KEY: f"{fingerprint(finding)}:{ordinal}"},
    }
    props = _properties(finding)
    if props:
        result["properties"] = props
    return result


def document(result: RunResult) -> Dict[str, Any]:
    """The SARIF log for `result`, as plain JSON data."""
    rules, index = _rules_and_index(result)
    return _envelope(rules, list(_results(result, index)))


def _rules_and_index(result: RunResult) -> Tuple[List[Dict[str, Any]], Dict[str, int]]:
    rules: List[Dict[str, Any]] = [_describe(rule) for rule in RULES.values()]
    index = {rule.id: i for i, rule in enumerate(RULES.values())}
    for rule_id in sorted({f.rule for f in result.findings} - set(index)):
        index[rule_id] = len(rules)
        rules.append(_describe_unknown(rule_id))
    return rules, index


def _results(result: RunResult, index: Dict[str, int]) -> Iterator[Dict[str, Any]]:
    """Each finding's result, in the log's order, made as it is needed."""
    seen: Dict[str, int] = {}
    for finding in sorted(result.findings, key=lambda f: (f.sort_key, f.severity.rank)):
        fp = fingerprint(finding)
        seen[fp] = seen.get(fp, 0) + 1
        yield _result(finding, index[finding.rule], seen[fp])


def _envelope(rules: List[Dict[str, Any]], results: list) -> Dict[str, Any]:
    """The log around its `results`."""
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "policylint",
                    "version": __version__,
                    "semanticVersion": __version__,
                    "informationUri": INFORMATION_URI,
                    "rules": rules,
                }
            },
            "originalUriBaseIds": {
                SRCROOT: {"description": {"text": "The scan root: result paths are relative to it."}}
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def dumps(data: Any) -> str:
    """JSON text that is valid UTF-8 for any string: lone surrogates are written as escapes."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return _SURROGATE_RE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def write(result: RunResult, out: TextIO, options: ReportOptions) -> None:
    # the results are encoded one at a time: a log of many findings is never held whole
    rules, index = _rules_and_index(result)
    write_json(out, lambda results: _envelope(rules, results), _results(result, index), dumps)
