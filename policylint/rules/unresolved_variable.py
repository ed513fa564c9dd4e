"""## What it does
Flags a reference that still holds a variable with no value after resolution: an `ARG`
without default and no `--build-arg`, a compose `${VAR}` missing from `.env`, a manifest kept
as an envsubst template (`image: ${IMAGE}`), a Helm values file's empty tag read without its
chart (the template fills in the chart's appVersion; the rest of the reference is still
judged). The fix names what gives that kind of file a value.

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

from policylint.model import CHART_APP_VERSION, MANIFEST_TAG, Severity, Subject, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

ID = "unresolved-variable"
SUMMARY = "a variable in the reference has no value"
DEFAULT_SEVERITY = Severity.WARNING
SCOPE = "reference"


# What gives a variable its value, by the kind of file the reference is in.
FIXES = {
    "dockerfile": "give the ARG a default (ARG NAME=value) or pass --build-arg NAME=value",
    "compose": "set it in the .env beside the file, give it a default (${NAME:-value}) or pass --use-env",
    "kubernetes": "lint the rendered manifest (envsubst < file | policylint - --stdin-filename file) "
                  "or write the image in full",
    "helm": "keep the values file beside its chart's Chart.yaml, whose appVersion is the tag, or write the tag",
}
DEFAULT_FIX = "give the variable a value where the file is rendered, or write the image in full"


def check(subject: Subject, policy) -> Iterator[Violation]:
    if not subject.unresolved or subject.unresolved == (MANIFEST_TAG,):
        return  # a kustomize rename: the tag is judged in each manifest that writes it
    if subject.unresolved == (CHART_APP_VERSION,):
        yield Violation(
            f"{subject.written}: the tag is left to the chart ({CHART_APP_VERSION}), which is not at hand, "
            "so the tag cannot be checked",
            fix=FIXES["helm"],
            part="tag",
        )
        return
    names = ", ".join(subject.unresolved)
    plural = "variables" if len(subject.unresolved) > 1 else "variable"
    yield Violation(
        f"{subject.written}: {plural} {names} {'have' if len(subject.unresolved) > 1 else 'has'} no value, "
        "so the image cannot be checked",
        fix=FIXES.get(subject.kind or "", DEFAULT_FIX),
    )
