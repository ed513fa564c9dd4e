"""## What it does
Flags text in an image position that is not a valid image reference by Docker's grammar.

## Why is this bad?
`docker pull` and the kubelet refuse it, so the build or the rollout fails later and further
from the change that broke it: uppercase repository names, a tag longer than 128 characters,
a digest of the wrong length, a stray space.

## Example
    FROM Ubuntu:22.04
    image: nginx:1.25@sha256:abc

## Use instead
    FROM ubuntu:22.04
    image: nginx:1.25@sha256:<64 lowercase hex digits>
"""

from __future__ import annotations

from policylint.model import TAG_ELSEWHERE, Severity, Subject, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

ID = "invalid-reference"
SUMMARY = "the text is not a valid image reference"
DEFAULT_SEVERITY = Severity.ERROR
SCOPE = "reference"


def check(subject: Subject, policy: object) -> Iterator[Violation]:
    if subject.error is not None and (not subject.unresolved or subject.unresolved in TAG_ELSEWHERE):
        yield Violation(f"{subject.shown} is not a valid image reference: {subject.error}")
