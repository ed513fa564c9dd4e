"""## What it does
Flags a tag that matches a `tags.deny` glob pattern (default: `latest`).

## Why is this bad?
Moving tags such as `latest`, `main` or `*-SNAPSHOT` are not versions: the image behind them
changes without any change in the repository, so a rollback or a rebuild is not reproducible.

## Example
    # tags: {deny: [latest, main]}
    FROM node:latest

## Use instead
    FROM node:22.11.0
"""

from __future__ import annotations

from policylint.matching import tag_matches_glob
from policylint.model import Severity, Subject, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

ID = "tag-denied"
SUMMARY = "the tag matches a tags.deny pattern"
DEFAULT_SEVERITY = Severity.ERROR
SCOPE = "reference"


def check(subject: Subject, policy) -> Iterator[Violation]:
    ref = subject.ref
    if ref is None or ref.tag is None:
        return
    for pattern in policy.tags_deny:
        if tag_matches_glob(ref.tag, pattern):
            shown = "" if pattern == ref.tag else f" (pattern {pattern})"
            name = ref.name_as_written
            yield Violation(
                f"{subject.shown}: tag {ref.tag} is denied by tags.deny{shown}",
                fix=f"write {name}:<version>",
                part="tag",
            )
            return
