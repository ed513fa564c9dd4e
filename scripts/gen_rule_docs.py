#!/usr/bin/env python3
"""Write docs/rules/<id>.md from the rule docstrings (the same page `policylint rules ID` prints).

Run it after changing a rule; tests/test_catalog.py fails while the pages are stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from policylint.commands.rules import rule_page  # noqa: E402
from policylint.rules import RULES  # noqa: E402


def expected_pages() -> dict:
    pages = {f"{rule.id}.md": rule_page(rule) for rule in RULES.values()}
    index = ["# Rules\n", "| id | default severity | summary |", "|---|---|---|"]
    index += [f"| [{rule.id}]({rule.id}.md) | {rule.default_severity.value} | {rule.summary} |"
              for rule in RULES.values()]
    pages["README.md"] = "\n".join(index) + "\n"
    return pages


def main() -> int:
    folder = ROOT / "docs" / "rules"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in expected_pages().items():
        (folder / name).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
