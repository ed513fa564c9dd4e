"""The rule catalog: every SPEC rule registered, documented with the four sections, docs current."""

import importlib.util
from pathlib import Path

import pytest

from policylint.rules import RULES, UnknownRule, get

ROOT = Path(__file__).resolve().parents[1]
SPEC_RULES = [
    "invalid-reference", "registry-not-allowed", "tag-missing", "tag-denied", "tag-pattern-mismatch",
    "digest-missing", "not-fully-qualified", "unresolved-variable", "parse-error", "exception-expired",
]
SECTIONS = ["## What it does", "## Why is this bad?", "## Example", "## Use instead"]


def test_every_spec_rule_is_registered_in_order():
    assert list(RULES)[: len(SPEC_RULES)] == SPEC_RULES


@pytest.mark.parametrize("rule_id", list(RULES))
def test_rule_has_metadata_and_doc_sections(rule_id):
    rule = RULES[rule_id]
    assert rule.summary and rule.summary == rule.summary.strip()
    positions = [rule.doc.find(section) for section in SECTIONS]
    assert all(position >= 0 for position in positions), rule_id
    assert positions == sorted(positions), f"{rule_id}: sections out of order"
    example = rule.doc.split("## Example", 1)[1].split("## Use instead", 1)
    assert example[0].strip() and example[1].strip(), f"{rule_id}: empty example"


def test_unknown_rule_suggests_the_nearest():
    with pytest.raises(UnknownRule) as info:
        get("tag-mising")
    assert "tag-missing" in str(info.value)


def test_rule_docs_are_current():
    spec = importlib.util.spec_from_file_location("gen_rule_docs", ROOT / "scripts" / "gen_rule_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, text in module.expected_pages().items():
        page = ROOT / "docs" / "rules" / name
        assert page.exists() and page.read_text(encoding="utf-8") == text, \
            f"docs/rules/{name} is stale: run scripts/gen_rule_docs.py"


def test_every_rule_module_is_in_the_catalog_under_its_own_id_and_scope():
    """The catalog names each module and its scope without importing it: they must agree."""
    import importlib

    from policylint.rules import CATALOG, RULE_IDS, reference_rules

    modules = sorted(path.stem for path in (ROOT / "policylint" / "rules").glob("*.py") if path.stem != "__init__")
    assert sorted(module for module, _ in CATALOG.values()) == modules
    for rule_id, (name, scope) in CATALOG.items():
        module = importlib.import_module(f"policylint.rules.{name}")
        assert (rule_id, scope) == (module.ID, module.SCOPE)
        assert hasattr(module, "check") == (scope == "reference"), rule_id
    assert tuple(RULES) == RULE_IDS
    assert [rule.id for rule in reference_rules()] == [rule_id for rule_id, (_, scope) in CATALOG.items()
                                                       if scope == "reference"]


def test_a_rule_module_is_imported_when_its_rule_is_first_needed():
    import subprocess
    import sys

    script = ("import sys; from policylint import rules; "
              "before = 'policylint.rules.parse_error' in sys.modules; "
              "checks = len(rules.reference_rules()); "
              "middle = 'policylint.rules.parse_error' in sys.modules; "
              "severity = rules.get('parse-error').default_severity.value; "
              "print(before, checks, middle, severity, 'policylint.rules.parse_error' in sys.modules)")
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert completed.stdout == "False 8 False error True\n"
