"""## What it does
Reports a file that policylint should scan (a Dockerfile, compose file, Kubernetes manifest,
Helm values file or kustomization) but cannot parse, at the parser's own position.

## Why is this bad?
Images in a file nobody can parse are never checked; a linter that skips such a file quietly
lets anything through. Docker, compose and kubectl refuse the file too.

## Example
    services:
      web:
        image: nginx:1.25
       ports: ["80:80"]

## Use instead
    services:
      web:
        image: nginx:1.25
        ports: ["80:80"]
"""

from __future__ import annotations

from policylint.model import Severity

ID = "parse-error"
SUMMARY = "a file that should be scanned could not be parsed"
DEFAULT_SEVERITY = Severity.ERROR
SCOPE = "file"
