"""`policylint fix`: rewrite references to their canonical form in place, safe fixes only.

A fix is safe when the rewritten reference names exactly the same image: with
`fully_qualified: true` a reference is spelled out in full (`nginx:1.25` ->
`docker.io/library/nginx:1.25`), and `index.docker.io/` always becomes `docker.io/`. Tags and
digests are never invented. Only literal references on one line are touched (no variables, not
assembled from several Helm or kustomize keys), and only where the file still holds exactly
the text that was scanned.
"""

from __future__ import annotations

import contextlib
import os
import sys

from policylint import engine
from policylint.commands import common
from policylint.model import Occurrence, Subject
from policylint.policy import Policy
from policylint.report.safe_text import printable

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Dict, List, Optional, Tuple

    Edit = Tuple[int, int, int, str, str]  # line, start column, end column, old text, new text


def canonical(subject: Subject, policy: Policy) -> Optional[str]:
    """The text a reference should be rewritten to, or None when it is fine or cannot be fixed safely."""
    ref = subject.ref
    if ref is None or subject.unresolved or subject.written != subject.resolved:
        return None
    if policy.fully_qualified and not ref.fully_qualified:
        return ref.normalized
    if subject.written.startswith("index.docker.io/"):
        return ref.normalized if ref.fully_qualified else ref.familiar
    return None


def plan(reports: List[engine.FileReport], policy: Policy) -> Dict[str, List[Edit]]:
    edits: Dict[str, List[Edit]] = {}
    for report in reports:
        for occurrence, subject in report.subjects:
            new = canonical(subject, policy)
            if new is None or new == occurrence.written or not _single_span(occurrence):
                continue
            loc = occurrence.location
            assert loc.end_column is not None
            edits.setdefault(report.path, []).append((loc.line, loc.column, loc.end_column, occurrence.written, new))
    return edits


def _single_span(occurrence: Occurrence) -> bool:
    loc = occurrence.location
    return not occurrence.parts and loc.end_column is not None and loc.end_column - loc.column == len(
        occurrence.written)


def apply(path: str, edits: List[Edit], lone_cr_breaks: bool = False) -> int:
    """Apply `edits` to the file at `path`; returns how many were applied. Lines end at `\n`,
    and with `lone_cr_breaks` (YAML, which libyaml numbers so) also at a `\r` alone."""
    with open(path, "rb") as handle:
        data = handle.read()
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        text = data[3 if bom else 0:].decode("utf-8")
    except UnicodeDecodeError:
        return 0  # never rewrite a file we could not read exactly
    if lone_cr_breaks and "\r" in text:
        import re

        pieces = re.split("(\r\n|\n|\r)", text)  # each line, then the break that ended it
        lines, breaks = pieces[0::2], pieces[1::2]
    else:
        lines, breaks = text.split("\n"), []
    applied = 0
    for line, start, end, old, new in sorted(edits, key=lambda edit: (edit[0], -edit[1])):
        if line - 1 >= len(lines):
            continue
        current = lines[line - 1]
        if current[start - 1:end - 1] != old:
            continue
        lines[line - 1] = current[:start - 1] + new + current[end - 1:]
        applied += 1
    if applied:
        if breaks:
            joined = "".join(line + brk for line, brk in zip(lines, breaks + [""]))
        else:
            joined = "\n".join(lines)
        _replace(path, (("\ufeff" if bom else "") + joined).encode("utf-8"))
    return applied


def _replace(path: str, data: bytes) -> None:
    """Write `data` to a new file beside `path` and rename it over `path`. The new file is
    created exclusively (mkstemp), so a link planted under a predictable name cannot redirect
    the write out of the repository; it keeps the permissions of the file it replaces."""
    import tempfile

    mode = os.stat(path).st_mode & 0o7777
    folder, name = os.path.split(path)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".policylint-fix", dir=folder or ".")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def run(args: argparse.Namespace) -> int:
    policy, policy_path = common.active_policy(args)
    selection = common.select_sources(args, policy)
    options = engine.EngineOptions(
        policy=policy,
        build_args=common.parse_build_args(args.build_arg),
        forced_environment=common.resolve_environment(args, policy),
        policy_path=policy_path,
        collect_references=True,
    )
    sources = [source for source in selection.sources if source.abspath is not None]
    _, reports = engine.run(sources, options, jobs=1)
    by_path = {source.path: source.realpath or source.abspath for source in sources}
    kinds = {source.path: source.kind for source in sources}
    total = 0
    with common.Output(args.output) as out:
        for path, edits in sorted(plan(reports, policy).items()):
            if args.diff:
                for line, _, _, old, new in edits:
                    out.write(printable(f"{path}:{line}: {old} -> {new}") + "\n")
                total += len(edits)
                continue
            applied = apply(by_path[path], edits, lone_cr_breaks=kinds[path] != "dockerfile")
            if applied:
                print(printable(f"fixed {path}: {applied} reference{'s' if applied != 1 else ''}"), file=sys.stderr)
            total += applied
    verb = "would fix" if args.diff else "fixed"
    print(f"policylint: {verb} {total} reference{'s' if total != 1 else ''}", file=sys.stderr)
    return 0
