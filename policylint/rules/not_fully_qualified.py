"""## What it does
With `fully_qualified: true`, flags a reference whose registry or `library/` is implicit.

## Why is this bad?
`nginx:1.25` depends on the client's default registry; spelled out, a reviewer sees exactly
what is pulled and from where, and a mirror or a registry policy cannot be bypassed by
accident.

## Example
    # fully_qualified: true
    FROM nginx:1.25

## Use instead
    FROM docker.io/library/nginx:1.25
"""

from __future__ import annotations

from policylint.model import Severity, Subject, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

ID = "not-fully-qualified"
SUMMARY = "the registry or library/ is implicit while fully_qualified is on"
DEFAULT_SEVERITY = Severity.ERROR
SCOPE = "reference"


def check(subject: Subject, policy) -> Iterator[Violation]:
    ref = subject.ref
    if ref is None or not policy.fully_qualified or ref.fully_qualified:
        return
    missing = "registry" if not ref.explicit_domain else "library/ prefix"
    yield Violation(
        f"{subject.shown} leaves its {missing} implicit; it means {ref.normalized}",
        fix=f"write {ref.normalized}",
        part="repository",
    )
