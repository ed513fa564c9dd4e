"""## What it does
Flags an image reference with neither a tag nor a digest.

## Why is this bad?
`nginx` means `docker.io/library/nginx:latest`: what runs changes whenever upstream pushes,
and two machines building the same commit get different images.

## Example
    FROM nginx
    image: redis

## Use instead
    FROM nginx:1.27.3
    image: redis:7.2.4
"""

from __future__ import annotations

from policylint.model import Severity, Subject, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

ID = "tag-missing"
SUMMARY = "no tag and no digest, so the reference means :latest"
DEFAULT_SEVERITY = Severity.ERROR
SCOPE = "reference"


def check(subject: Subject, policy) -> Iterator[Violation]:
    ref = subject.ref
    if ref is None or not policy.tags_required or ref.tag is not None or ref.digest is not None:
        return
    if subject.unresolved:  # a tag written elsewhere (TAG_ELSEWHERE) or a variable: not known here
        return
    yield Violation(
        f"{subject.shown} has no tag or digest, so it means {ref.name_as_written}:latest",
        fix=f"write {ref.name_as_written}:<version>",
        part="tag",
    )
