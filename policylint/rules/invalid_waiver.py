"""## What it does
Reports an inline waiver (`# policylint: ignore=RULE -- reason`) that gives no reason, names
an unknown rule, or is not honoured because the policy sets `inline_waivers: false` (or
`--no-inline-waivers` is given). A waiver without a reason still waives; the note makes
reviewers see it.

## Why is this bad?
A waiver with no reason tells the next reader nothing about why the policy does not apply;
a misspelt rule id silently waives nothing.

## Example
    # policylint: ignore=tag-denied
    FROM node:latest

## Use instead
    # policylint: ignore=tag-denied -- upstream publishes no versioned tags; tracked in OPS-123
    FROM node:latest
"""

from __future__ import annotations

from policylint.model import Severity

ID = "invalid-waiver"
SUMMARY = "an inline waiver has no reason, names an unknown rule, or is not allowed"
DEFAULT_SEVERITY = Severity.NOTE
SCOPE = "waiver"
