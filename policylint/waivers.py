"""Waivers: inline `# policylint: ignore=RULE[,RULE] -- reason` comments and policy exceptions.

Rules never see waivers; the engine applies them to finished findings. An inline waiver covers
findings on its own line and on the line below. Waivers that give no reason, name an unknown
rule, or are not allowed by the policy produce `invalid-waiver` notes so reviewers see them.
"""

from __future__ import annotations

import re

from policylint.model import Finding, Location
from policylint.records import NamedTuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, Iterable, List, Optional, Tuple

    from policylint.policy import PolicyException

# Compiled (through re's cache) only for a file that holds a waiver: compiling costs a
# one-file check more than the search.
_WAIVER = (r"#\s*policylint:\s*ignore\s*=\s*(?P<rules>[A-Za-z0-9_-]+(?:\s*,\s*[A-Za-z0-9_-]+)*)"
           r"(?P<rest>[^\r\n]*)")


class InlineWaiver(NamedTuple):
    line: int
    column: int
    rules: Tuple[str, ...]
    reason: Optional[str]


def find_inline_waivers(text: str, lone_cr_breaks: bool = False, own_line: bool = False) -> List[InlineWaiver]:
    """Every inline waiver comment in `text`, with its 1-based position.

    Lines end at `\n`, as the scanners count them (str.splitlines would also break at form
    feeds and U+2028, and number every later line wrongly), and with `lone_cr_breaks` (YAML,
    whose parser breaks lines at a lone `\r` too) also at a `\r` not followed by `\n`. With
    `own_line` (a Dockerfile, where `#` starts a comment only at the start of a line: after
    `RUN make` it is the shell's, and after `FROM x` an argument) a waiver must begin its line."""
    if "policylint:" not in text:
        return []
    if lone_cr_breaks and "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    waivers = []
    for line_number, line in enumerate(text.split("\n"), start=1):
        if "policylint:" not in line:
            continue
        match = re.search(_WAIVER, line)
        if match is None or own_line and line[:match.start()].strip(" \t"):
            continue
        rules = tuple(rule.strip() for rule in match.group("rules").split(","))
        # `-- reason`, trimmed by hand: a regex with a lazy `.*?` before `\s*\Z` took quadratic
        # time on a reason padded with a long run of spaces
        rest = match.group("rest").strip()
        reason = rest[2:].strip() or None if rest.startswith("--") else None
        waivers.append(InlineWaiver(line_number, match.start() + 1, rules, reason))
    return waivers


def apply_inline_waivers(
    findings: List[Finding], waivers: List[InlineWaiver], path: str, allowed: bool, known_rules: Iterable[str]
) -> Tuple[List[Finding], List[Tuple[Location, str]], int]:
    """(kept findings, problems with waivers as (location, message), number waived)."""
    known = set(known_rules)
    problems: List[Tuple[Location, str]] = []
    by_line: Dict[int, List[InlineWaiver]] = {}
    for waiver in waivers:
        location = Location(path, waiver.line, waiver.column)
        if not allowed:
            problems.append((location, "inline waivers are turned off by the policy or --no-inline-waivers; "
                                       "this comment waives nothing"))
            continue
        unknown = [rule for rule in waiver.rules if rule not in known]
        if unknown:
            problems.append((location, f"inline waiver names unknown rule {', '.join(unknown)}; "
                                       "see 'policylint rules'"))
        if waiver.reason is None:
            problems.append((location, "inline waiver gives no reason; write "
                                       f"'# policylint: ignore={','.join(waiver.rules)} -- why'"))
        for line in (waiver.line, waiver.line + 1):
            by_line.setdefault(line, []).append(waiver)
    kept = []
    waived = 0
    for finding in findings:
        covering = by_line.get(finding.location.line, ())
        if any(finding.rule in waiver.rules for waiver in covering):
            waived += 1
        else:
            kept.append(finding)
    return kept, problems, waived


def exception_applies(
    exception: PolicyException, finding: Finding, relative_path: Optional[str], repository: Optional[str]
) -> bool:
    if exception.rules is not None and finding.rule not in exception.rules:
        return False
    if exception.paths is not None and (
        relative_path is None or not any(glob.matches(relative_path) for glob in exception.paths)
    ):
        return False
    return exception.images is None or (
        repository is not None and any(pattern.matches(repository) for pattern in exception.images)
    )

