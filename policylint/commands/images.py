"""`policylint images`: every image reference found, normalized, with location and environment."""

from __future__ import annotations

import os
import sys

from policylint import engine
from policylint.commands import common
from policylint.commands.check import plural
from policylint.report.safe_text import printable

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any, Dict, List


def collect(args: argparse.Namespace) -> tuple[List[Dict[str, Any]], engine.RunResult]:
    policy, policy_path = common.active_policy(args)
    environment = common.resolve_environment(args, policy)
    selection = common.select_sources(args, policy)
    options = engine.EngineOptions(
        policy=policy,
        build_args=common.parse_build_args(args.build_arg),
        environ=dict(os.environ) if args.use_env else None,
        forced_environment=environment,
        policy_path=policy_path,
        collect_references=True,
    )
    result, reports = engine.run(selection.sources, options, jobs=common.jobs(args))
    entries = []
    for report in reports:
        for occurrence, subject in report.subjects:
            loc = occurrence.location
            entries.append({
                "image": occurrence.written,
                "resolved": occurrence.resolved,
                "normalized": subject.ref.normalized if subject.ref is not None else None,
                "error": subject.error,
                "unresolved": list(subject.unresolved),
                "path": loc.path,
                "line": loc.line,
                "column": loc.column,
                "kind": occurrence.kind,
                "environment": subject.environment.name if subject.environment is not None else None,
                "context": dict(occurrence.context),
            })
    entries.sort(key=lambda entry: (entry["path"], entry["line"], entry["column"]))
    return entries, result


def run(args: argparse.Namespace) -> int:
    entries, result = collect(args)
    with common.Output(args.output) as out:
        if args.format == "json":
            from policylint.report.json_report import dump

            dump(entries, out)
        else:
            for entry in entries:
                out.write(printable(_line(entry)) + "\n")
    # What could not be parsed may hide references: said on stderr (even with -q), and exit 1.
    problems = [finding for finding in result.findings if finding.rule == "parse-error"]
    for finding in problems:
        where = finding.location
        print(printable(f"policylint: {where.path}:{where.line}:{where.column}: parse-error: {finding.message} "
                        "(references there may be missing from the list)"), file=sys.stderr)
    if not args.quiet:
        print(f"policylint: {plural(len(entries), 'reference')} in {plural(result.files_scanned, 'file')}"
              + (f"; {plural(len(problems), 'parse error')}" if problems else ""), file=sys.stderr)
    return 1 if problems else 0


def _line(entry: Dict[str, Any]) -> str:
    if entry["normalized"] and entry["unresolved"]:  # a tag written elsewhere (a chart's, a manifest's)
        target = f"{entry['normalized']} (tag unresolved: {', '.join(entry['unresolved'])})"
    elif entry["normalized"]:
        target = entry["normalized"]
    elif entry["error"]:
        target = f"(invalid: {entry['error']})"
    else:
        target = f"(unresolved: {', '.join(entry['unresolved'])})"
    image = entry["image"]
    if entry["resolved"] != image:
        image = f"{image} = {entry['resolved']}"
    return (f"{entry['path']}:{entry['line']}:{entry['column']}: {entry['kind']} "
            f"{entry['environment'] or '-'} {image} -> {target}")
