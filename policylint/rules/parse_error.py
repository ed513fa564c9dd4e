"""## What it does
Reports a file that policylint should scan (a Dockerfile, compose file, Kubernetes manifest,
Helm values file or kustomization) but cannot parse, at the parser's own position.

## Why is this bad?
Images in a file nobody can parse are never checked; a linter that skips such a file quietly
lets anything through. Docker, compose and kubectl refuse the file too.

## Templates
A YAML file found by its content alone that does not parse and holds a `{{ }}` or `{% %}`
action (a Helm chart's `templates/`) is an unrendered template: it is skipped and counted, and
`--debug` lists it. A file named as a compose file, kustomization or values file must be
scanned, so it is reported even then; when the error is on a line holding template text
(cookiecutter's `{{cookiecutter.project_slug}}/docker-compose.local.yml`), the message says so.
Lint the rendered output (`helm template . | policylint - --stdin-filename rendered.yaml`), or
list the template under the policy's `ignore`:

    ignore:
      - "{{cookiecutter.project_slug}}/**"

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
