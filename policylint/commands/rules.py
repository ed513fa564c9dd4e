"""`policylint rules [ID]`: list the rules, or print one rule's documentation page."""

from __future__ import annotations

import json
import sys

from policylint.errors import PolicylintError
from policylint.rules import RULES, Rule, UnknownRule, get

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


def rule_page(rule: Rule) -> str:
    """The Markdown documentation page of a rule (also written to docs/rules/<id>.md)."""
    header = (
        f"# {rule.id}\n\n{rule.summary[0].upper() + rule.summary[1:]}.\n\n"
        f"Default severity: **{rule.default_severity.value}**. "
        f"Change it with `severity: {{{rule.id}: warning}}` in the policy, or `off`.\n\n"
    )
    return header + rule.doc + "\n"


def run(args: argparse.Namespace) -> int:
    if args.rule:
        try:
            rule = get(args.rule)
        except UnknownRule as error:
            raise PolicylintError(str(error.args[0])) from None
        if args.format == "json":
            json.dump({"id": rule.id, "summary": rule.summary, "severity": rule.default_severity.value,
                       "doc": rule.doc}, sys.stdout, indent=2)
            sys.stdout.write("\n")
        else:
            sys.stdout.write(rule_page(rule))
        return 0
    if args.format == "json":
        json.dump([{"id": rule.id, "summary": rule.summary, "severity": rule.default_severity.value}
                   for rule in RULES.values()], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    width = max(len(rule_id) for rule_id in RULES)
    for rule in RULES.values():
        print(f"{rule.id:<{width}}  {rule.default_severity.value:<7}  {rule.summary}")
    print("\npolicylint rules ID shows the documentation of one rule.")
    return 0
