"""The rule catalog: one module per rule, registered here by id in documentation order.

A rule module declares ID, SUMMARY, DEFAULT_SEVERITY, SCOPE and a docstring that is its doc
page (What it does / Why is this bad? / Example / Use instead). Rules of scope "reference"
also define `check(subject, policy) -> Iterator[Violation]`; the engine produces the findings
of the "file" (parse-error), "policy" (exception-expired) and "waiver" (invalid-waiver) rules.

A check judges the reference and its environment only (never the file kind or the context):
the engine asks once per distinct (text, resolved text, environment) in a run and reuses the
answer for every other place that names the same image.
"""

from __future__ import annotations

from types import ModuleType

from policylint.model import Severity, Subject, Violation
from policylint.records import NamedTuple
from policylint.rules import (
    digest_missing,
    exception_expired,
    invalid_reference,
    invalid_waiver,
    not_fully_qualified,
    parse_error,
    registry_not_allowed,
    tag_denied,
    tag_missing,
    tag_pattern_mismatch,
    unresolved_variable,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Dict, Iterator, Optional

_MODULES = (
    invalid_reference,
    registry_not_allowed,
    tag_missing,
    tag_denied,
    tag_pattern_mismatch,
    digest_missing,
    not_fully_qualified,
    unresolved_variable,
    parse_error,
    exception_expired,
    invalid_waiver,
)


class Rule(NamedTuple):
    id: str
    summary: str
    default_severity: Severity
    scope: str
    doc: str
    check: Optional[Callable[..., Iterator[Violation]]]

    @property
    def title(self) -> str:
        return self.id.replace("-", " ").capitalize()


def _rule(module: ModuleType) -> Rule:
    return Rule(
        id=module.ID,
        summary=module.SUMMARY,
        default_severity=module.DEFAULT_SEVERITY,
        scope=module.SCOPE,
        doc=(module.__doc__ or "").strip(),
        check=getattr(module, "check", None),
    )


RULES: Dict[str, Rule] = {module.ID: _rule(module) for module in _MODULES}


class UnknownRule(KeyError):
    pass


def get(rule_id: str) -> Rule:
    """The rule with this id; UnknownRule says which id was meant when it is close."""
    try:
        return RULES[rule_id]
    except KeyError:
        import difflib  # only for a hint in an error message
        hint = difflib.get_close_matches(rule_id, list(RULES), n=1)
        suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise UnknownRule(f"unknown rule {rule_id!r}{suggestion}") from None


def reference_rules() -> Iterator[Rule]:
    return (rule for rule in RULES.values() if rule.check is not None)


__all__ = ["RULES", "Rule", "Subject", "UnknownRule", "get", "reference_rules"]
