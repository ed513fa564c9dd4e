"""## What it does
Flags a reference that still holds a variable with no value after resolution: an `ARG`
without default and no `--build-arg`, a compose `${VAR}` missing from `.env`.

## Why is this bad?
What the reference means is decided outside the repository, so no rule can check it; with
the variable empty, Docker builds or pulls something else than intended (or fails).

## Example
    ARG BASE
    FROM ${BASE}

## Use instead
    ARG BASE=registry.acme.com/base/python:3.12.7
    FROM ${BASE}
"""

from __future__ import annotations

from typing import Iterator

from policylint.model import Severity, Subject, Violation

ID = "unresolved-variable"
SUMMARY = "a variable in the reference has no value"
DEFAULT_SEVERITY = Severity.WARNING
SCOPE = "reference"


def check(subject: Subject, policy) -> Iterator[Violation]:
    if not subject.unresolved:
        return
    names = ", ".join(subject.unresolved)
    plural = "variables" if len(subject.unresolved) > 1 else "variable"
    yield Violation(
        f"{subject.written}: {plural} {names} {'have' if len(subject.unresolved) > 1 else 'has'} no value, "
        "so the image cannot be checked",
        fix="give it a default (ARG NAME=value, .env) or pass --build-arg NAME=value",
    )
