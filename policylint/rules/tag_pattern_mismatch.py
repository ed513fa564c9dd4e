"""## What it does
Flags an image in an environment (say `release`) whose tag does not fully match that
environment's `tags.pattern` regular expression. Only images the environment governs
(its `images:` patterns, default all) are checked.

## Why is this bad?
A release manifest that deploys a beta or a branch build ships untested code to production;
a beta manifest that deploys a release tag tests the wrong thing.

## Example
    # environments: {release: {match: {paths: ["deploy/prod/**"]}, tags: {pattern: '^v\\d+\\.\\d+\\.\\d+$'}}}
    # deploy/prod/app.yaml
    image: registry.acme.com/shop/app:v1.4.0-beta.2

## Use instead
    image: registry.acme.com/shop/app:v1.4.0
"""

from __future__ import annotations

from policylint.model import Severity, Subject, Violation
from policylint.policy import tag_matches

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

ID = "tag-pattern-mismatch"
SUMMARY = "the tag does not match the environment's tags.pattern"
DEFAULT_SEVERITY = Severity.ERROR
SCOPE = "reference"


def check(subject: Subject, policy) -> Iterator[Violation]:
    ref = subject.ref
    environment = subject.environment
    if ref is None or environment is None or not subject.in_scope or environment.tag_pattern is None:
        return
    pattern = environment.tag_pattern
    if ref.tag is None:
        if ref.digest is None:
            return  # tag-missing says it
        yield Violation(
            f"{subject.shown} has no tag; {environment.name} tags must match {pattern.pattern}",
            fix="add a tag that matches the pattern in front of the digest",
            part="tag",
        )
        return
    if not tag_matches(environment, ref.tag):
        yield Violation(
            f"{subject.shown}: tag {ref.tag} does not match the {environment.name} "
            f"tag pattern {pattern.pattern}",
            fix=f"use a {environment.name} tag",
            part="tag",
        )
