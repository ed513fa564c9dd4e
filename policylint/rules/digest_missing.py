"""## What it does
Flags an image without a `@sha256:` digest where the policy requires one: `digests.require`
at the top level, or in the environment the file belongs to (for the images it governs).

## Why is this bad?
A tag can be pushed again; only a digest names exactly one image. Release environments that
need reproducible, verifiable deploys pin digests.

## Example
    # digests: {require: true}
    FROM alpine:3.20

## Use instead
    FROM alpine:3.20@sha256:<digest of the image you tested>
"""

from __future__ import annotations

from policylint.model import MANIFEST_TAG, Severity, Subject, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

ID = "digest-missing"
SUMMARY = "a digest is required and absent"
DEFAULT_SEVERITY = Severity.ERROR
SCOPE = "reference"


def check(subject: Subject, policy) -> Iterator[Violation]:
    ref = subject.ref
    if ref is None or ref.digest is not None or subject.unresolved == (MANIFEST_TAG,):
        return  # a kustomize rename keeps each manifest's digest, judged there
    environment = subject.environment
    by_environment = environment is not None and subject.in_scope and environment.digests_required
    if not (policy.digests_required or by_environment):
        return
    why = f"the {environment.name} environment" if by_environment else "the policy"
    yield Violation(
        f"{subject.shown} has no digest; {why} requires digests",
        fix=f"write {ref.name_as_written}{':' + ref.tag if ref.tag else ''}@sha256:<digest>",
        part="digest",
    )
