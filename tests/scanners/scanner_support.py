"""What the scanner tests compare: occurrences as rows, and where a reference's parts are."""

from __future__ import annotations

from typing import Dict, List

from policylint.model import Occurrence, ScanError


def rows(found: List[object]) -> List[tuple]:
    """(written, resolved, line, column) of each occurrence; anything else fails the test."""
    assert all(isinstance(item, Occurrence) for item in found), found
    return [(o.written, o.resolved, o.location.line, o.location.column) for o in found]  # type: ignore[union-attr]


def part_lines(occurrence: object) -> Dict[str, tuple]:
    """(line, column) of each key that decides a part of a mapping-built reference."""
    assert isinstance(occurrence, Occurrence)
    return {name: (where.line, where.column) for name, where in occurrence.parts.items()}


def scan_errors(found: List[object]) -> List[tuple]:
    """(message, line, column) of each ScanError among what a scanner yielded."""
    return [(item.message, item.location.line, item.location.column) for item in found if isinstance(item, ScanError)]
