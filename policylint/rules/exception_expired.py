"""## What it does
Reports a policy `exceptions:` entry whose `expires` date has passed, at its line in the
policy. The expired exception no longer waives anything.

## Why is this bad?
Waivers are debts with a due date. An expired one means the reason it was granted should be
re-checked: fix the images, or renew the exception with a new date and reason.

## Example
    exceptions:
      - images: [docker.io/library/postgres]
        reason: local development database only
        expires: 2024-01-31

## Use instead
    exceptions:
      - images: [docker.io/library/postgres]
        reason: local development database only; re-approved by platform team
        expires: 2027-06-30
"""

from __future__ import annotations

from policylint.model import Severity

ID = "exception-expired"
SUMMARY = "an exception in the policy is past its expires date"
DEFAULT_SEVERITY = Severity.ERROR
SCOPE = "policy"
