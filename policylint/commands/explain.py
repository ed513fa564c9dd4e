"""`policylint explain REF`: how one reference parses and normalizes, and what the policy says."""

from __future__ import annotations

import sys

from policylint import rules as rule_catalog
from policylint.commands import common
from policylint.model import Location, Occurrence
from policylint.reference import InvalidReference, parse
from policylint.report.safe_text import printable
from policylint.resolve import resolve

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


def run(args: argparse.Namespace) -> int:
    args.paths = ["."]
    policy, policy_path = common.active_policy(args)
    environment_name = common.resolve_environment(args, policy)
    environment = policy.environment_named(environment_name) if environment_name else None
    out = sys.stdout
    text = args.reference
    out.write(f"reference:      {printable(text)}\n")
    try:
        ref = parse(text)
    except InvalidReference as error:
        out.write(f"invalid:        {printable(str(error))}\n")
        ref = None
    if ref is not None:
        out.write(f"registry:       {ref.domain}{'' if ref.explicit_domain else ' (implicit)'}\n")
        out.write(f"repository:     {ref.path}{' (library/ implicit)' if ref.implicit_library else ''}\n")
        out.write(f"tag:            {ref.tag if ref.tag is not None else '(none: means latest)'}\n")
        out.write(f"digest:         {ref.digest or '(none)'}\n")
        out.write(f"normalized:     {ref.normalized}\n")
        out.write(f"familiar:       {ref.familiar}\n")
    out.write(f"policy:         {policy_path or 'built-in default'}\n")
    if environment is not None:
        out.write(f"environment:    {environment.name}\n")
    occurrence = Occurrence(written=text, resolved=text, location=Location("<explain>", 1, 1), kind="explain")
    subject = resolve(occurrence, environment)
    verdicts = []
    for rule in rule_catalog.reference_rules():
        for violation in rule.check(subject, policy):
            severity = policy.severity.get(rule.id, rule.default_severity.value)
            if severity == "off":
                continue
            fix = f" (fix: {violation.fix})" if violation.fix else ""
            verdicts.append(f"  {severity} {rule.id}: {printable(violation.message)}{fix}")
    if verdicts:
        out.write("verdict:        violates the policy\n" + "\n".join(verdicts) + "\n")
        return 1
    out.write("verdict:        allowed by the policy\n")
    return 0
