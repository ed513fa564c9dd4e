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

import sys

from policylint.model import Severity, Subject, Violation
from policylint.records import NamedTuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Dict, Iterator, Optional, Tuple

# The catalog: rule id -> (its module in this package, its scope), in documentation order.
# A module is imported when its rule is first needed: the reference rules at the first reference
# judged, parse-error, invalid-waiver and exception-expired only when a file fails to parse, a
# waiver is wrong or an exception has expired (a clean pre-commit run imports 8 modules, not 11).
# tests/test_catalog.py checks each entry against its module's ID and SCOPE.
CATALOG: Dict[str, Tuple[str, str]] = {
    "invalid-reference": ("invalid_reference", "reference"),
    "registry-not-allowed": ("registry_not_allowed", "reference"),
    "tag-missing": ("tag_missing", "reference"),
    "tag-denied": ("tag_denied", "reference"),
    "tag-pattern-mismatch": ("tag_pattern_mismatch", "reference"),
    "digest-missing": ("digest_missing", "reference"),
    "not-fully-qualified": ("not_fully_qualified", "reference"),
    "unresolved-variable": ("unresolved_variable", "reference"),
    "parse-error": ("parse_error", "file"),
    "exception-expired": ("exception_expired", "policy"),
    "invalid-waiver": ("invalid_waiver", "waiver"),
}
RULE_IDS = tuple(CATALOG)


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


class UnknownRule(KeyError):
    pass


_loaded: Dict[str, Rule] = {}


def get(rule_id: str) -> Rule:
    """The rule with this id; UnknownRule says which id was meant when it is close."""
    rule = _loaded.get(rule_id)
    if rule is not None:
        return rule
    entry = CATALOG.get(rule_id)
    if entry is None:
        raise UnknownRule(unknown_rule_message(rule_id))
    name = f"{__name__}.{entry[0]}"
    __import__(name)  # importlib.import_module would import importlib first
    module = sys.modules[name]
    rule = _loaded[rule_id] = Rule(
        id=module.ID,
        summary=module.SUMMARY,
        default_severity=module.DEFAULT_SEVERITY,
        scope=module.SCOPE,
        doc=(module.__doc__ or "").strip(),
        check=getattr(module, "check", None),
    )
    return rule


def unknown_rule_message(rule_id: str) -> str:
    """What to say of an id that names no rule: the closest one, when one is close."""
    from policylint.errors import did_you_mean  # only for an error message

    return f"unknown rule {rule_id!r}{did_you_mean(rule_id, CATALOG)}"


_reference_rules: Optional[Tuple[Rule, ...]] = None


def reference_rules() -> Tuple[Rule, ...]:
    """The rules that judge each reference (those with a check), in catalog order."""
    global _reference_rules
    if _reference_rules is None:
        _reference_rules = tuple(get(rule_id) for rule_id, (_, scope) in CATALOG.items() if scope == "reference")
    return _reference_rules


def __getattr__(name: str) -> Dict[str, Rule]:
    """RULES: every rule by id, in catalog order (the whole catalog imported, for listings)."""
    if name != "RULES":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    rules = {rule_id: get(rule_id) for rule_id in CATALOG}
    globals()["RULES"] = rules
    return rules


__all__ = ["CATALOG", "RULES", "RULE_IDS", "Rule", "Subject", "UnknownRule", "get", "reference_rules",
           "unknown_rule_message"]
