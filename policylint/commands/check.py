"""`policylint check`: scan, judge, report; exit 1 when a finding reaches --fail-on."""

from __future__ import annotations

import os
import sys

from policylint import engine
from policylint.commands import common
from policylint.model import RunResult, Severity

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Optional, TextIO


def _use_color(args: argparse.Namespace, out: TextIO) -> bool:
    if args.no_color or os.environ.get("NO_COLOR") or args.format != "text" or args.output:
        return False
    return hasattr(out, "isatty") and out.isatty()


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _print_summary(result: RunResult) -> None:
    counts = result.counts()
    files = [f"{plural(result.files_scanned, 'file')} scanned"]
    if result.unreadable:
        files.append(f"{result.unreadable} unreadable")
    if result.skipped:
        files.append(f"{len(result.skipped)} skipped")
    if len(files) > 1:  # so the counts visibly add up
        files[-1] += f" (of {result.candidates} candidates)"
    parts = [*files, f"{plural(result.references, 'reference')} checked"]
    findings = ", ".join(plural(counts[severity.value], severity.value) for severity in Severity)
    line = f"policylint: {', '.join(parts)}; {findings}"
    if result.suppressed:
        line += f" ({result.suppressed} waived or in the baseline)"
    print(line, file=sys.stderr)


def fails(result: RunResult, fail_on: str) -> bool:
    if fail_on == "never":
        return False
    threshold = Severity(fail_on).rank
    return any(finding.severity.rank >= threshold for finding in result.findings)


def run_check(args: argparse.Namespace) -> RunResult:
    policy, policy_path = common.active_policy(args)
    environment = common.resolve_environment(args, policy)
    build_args = common.parse_build_args(args.build_arg)
    selection = common.select_sources(args, policy)
    options = engine.EngineOptions(
        policy=policy,
        build_args=build_args,
        environ=dict(os.environ) if args.use_env else None,
        forced_environment=environment,
        inline_waivers=not args.no_inline_waivers,
        policy_path=policy_path,
    )
    result, _ = engine.run(selection.sources, options, jobs=common.jobs(args))
    if args.debug:  # what the scanners declined; discovery's skips were listed already
        from policylint.report.safe_text import printable

        for item in result.skipped:
            print(printable(f"policylint: skipped {item.path}: {item.reason}"), file=sys.stderr)
    result.skipped = selection.skipped + result.skipped
    return result


def run(args: argparse.Namespace) -> int:
    if args.baseline or args.write_baseline:  # imported only then: it costs a one-file run 5%
        from policylint import baseline as baseline_module

    recorded = baseline_module.load_baseline(args.baseline) if args.baseline else None
    result = run_check(args)
    if args.write_baseline:  # everything found now, including what the old baseline hides
        baseline_module.write_baseline(args.write_baseline, result.findings)
    if recorded is not None:
        kept, hidden = baseline_module.apply_baseline(result.findings, recorded)
        result.findings = kept
        result.suppressed += hidden
    if result.findings or args.format != "text" or args.sarif_file or args.summary_file or args.output:
        _report(args, result)  # a clean text run has no line to write: no reporter is loaded
    for path, count in result.truncated:  # even with -q: the report is not the whole story
        from policylint.report.safe_text import printable

        print(printable(f"policylint: {path}: {plural(count, 'more finding')} not reported (at most "
                        f"{engine.MAX_FINDINGS_PER_FILE:,} per file)"), file=sys.stderr)
    if not args.quiet:
        _print_summary(result)
    return 1 if fails(result, args.fail_on) else 0


def _report(args: argparse.Namespace, result: RunResult) -> None:
    """Write the report to stdout or --output, and the SARIF and summary files asked for."""
    from policylint.report import ReportOptions, write

    link_base = _link_base()
    file_options = ReportOptions(color=False, link_base=link_base)
    for path, format_name, append in ((args.sarif_file, "sarif", False), (args.summary_file, "markdown", True),
                                      (args.output, args.format, False)):
        if path:
            with common.Output(path, append) as handle:
                write(format_name, result, handle, file_options)
    if not args.output:
        write(args.format, result, sys.stdout, ReportOptions(color=_use_color(args, sys.stdout), link_base=link_base))
        sys.stdout.flush()


def _link_base() -> Optional[str]:
    server = os.environ.get("GITHUB_SERVER_URL")
    repository = os.environ.get("GITHUB_REPOSITORY")
    sha = os.environ.get("GITHUB_SHA")
    if server and repository and sha:
        return f"{server}/{repository}/blob/{sha}"
    return None
