"""## What it does
Flags an image whose normalized repository matches no `registries.allow` entry, or matches a
`registries.deny` entry (deny wins over allow).

Entries are written with the host. An entry without `/` matches a whole registry host; an
entry with `/` matches that repository or anything below it at a `/` boundary. `*` stays
inside one component and `**` crosses `/`. `nginx` is checked as `docker.io/library/nginx`.

## Why is this bad?
Images from registries the team does not control can vanish, change or be rate-limited, and
nobody reviews what they contain.

## Example
    # registries: {allow: [registry.acme.com]}
    FROM ghcr.io/someone/tool:1.0

## Use instead
    FROM registry.acme.com/mirror/tool:1.0
"""

from __future__ import annotations

from policylint.matching import any_repository_match
from policylint.model import Severity, Subject, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

ID = "registry-not-allowed"
SUMMARY = "the image's registry or repository is not allowed by the policy"
DEFAULT_SEVERITY = Severity.ERROR
SCOPE = "reference"


def check(subject: Subject, policy) -> Iterator[Violation]:
    ref = subject.ref
    if ref is None:
        return
    repository = ref.repository
    denied = [pattern.text for pattern in policy.deny if pattern.matches(repository)]
    if denied:
        yield Violation(
            f"{subject.shown}: repository {repository} is denied by registries.deny entry {denied[0]}",
            part="repository",
        )
        return
    if policy.allow is None or any_repository_match(policy.allow, repository):
        return
    allowed = ", ".join(pattern.text for pattern in policy.allow) or "none"
    host = repository.partition("/")[0]
    if any(pattern.host_matches(host) for pattern in policy.allow):
        what = f"repository {repository} is not allowed"
    else:
        what = f"registry {host} is not allowed"
    yield Violation(
        f"{subject.shown}: {what}; allowed: {allowed}",
        fix="pull it through an allowed registry",
        part="repository",
    )
