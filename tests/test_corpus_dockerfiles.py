"""The Dockerfile scanner over the shared corpus of real-world Dockerfiles (skipped when it is absent).

Every corpus file is a valid Dockerfile, so none may yield a ScanError, and every `FROM` line whose
image is written literally (no variable, not `scratch`, not an earlier stage) must yield exactly one
reference at that line.
"""

from __future__ import annotations

import csv
import re
import time
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from policylint.model import Occurrence, ScanError, ScanOptions
from policylint.scanners.dockerfile import scan

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
# One physical FROM line: flags, the image, an optional `AS name`.
FROM_LINE = re.compile(
    r"^[ \t]*FROM[ \t]+(?:--\S+[ \t]+)*(\S+)(?:[ \t]+AS[ \t]+(\S+))?[ \t]*\r?$", re.IGNORECASE | re.MULTILINE
)

Scanned = Dict[str, Tuple[str, list]]


@pytest.fixture(scope="module")
def scanned() -> Scanned:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        pytest.skip("shared corpus not present")
    out: Scanned = {}
    started = time.perf_counter()
    with manifest.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["kind"] != "dockerfile":
                continue
            relative = f"{row['repo'].replace('/', '__')}/{row['path']}"
            text = (CORPUS / relative).read_bytes().decode("utf-8", errors="replace").lstrip("\ufeff")
            out[relative] = (text, list(scan(text, relative, ScanOptions())))
    assert time.perf_counter() - started < 5
    return out


def test_corpus_is_there(scanned: Scanned) -> None:
    assert len(scanned) > 600


def test_no_scan_error(scanned: Scanned) -> None:
    errors = [(path, r) for path, (_, found) in scanned.items() for r in found if isinstance(r, ScanError)]
    assert errors == []


def literal_from_lines(text: str) -> List[Tuple[int, str]]:
    """(line, image) of each FROM whose image is literal, not scratch and not an earlier stage."""
    stages = set()
    lines = []
    for match in FROM_LINE.finditer(text):
        image, name = match.group(1), match.group(2)
        if "$" not in image and image != "scratch" and image.lower() not in stages:
            lines.append((text.count("\n", 0, match.start()) + 1, image))
        if name:
            stages.add(name.lower())
    return lines


def test_every_literal_from_is_found_once(scanned: Scanned) -> None:
    problems = []
    checked = 0
    for path, (text, found) in scanned.items():
        for line, image in literal_from_lines(text):
            checked += 1
            at_line = [r for r in found if isinstance(r, Occurrence) and r.location.line == line
                       and r.context.get("instruction") == "FROM"]
            if [(r.written, r.resolved, r.unresolved) for r in at_line] != [(image, image, ())]:
                problems.append((path, line, image, at_line))
    assert problems == []
    assert checked > 600


def test_locations_point_at_the_written_text(scanned: Scanned) -> None:
    wrong = []
    for path, (text, found) in scanned.items():
        lines = text.split("\n")
        for r in found:
            loc = r.location
            if isinstance(r, Occurrence) and loc.end_column is not None \
                    and lines[loc.line - 1][loc.column - 1 : loc.end_column - 1] != r.written:
                wrong.append((path, r))
    assert wrong == []


def test_every_occurrence_is_well_formed(scanned: Scanned) -> None:
    kinds = {"FROM", "COPY --from", "ADD --from", "RUN --mount", "syntax"}
    for _, found in scanned.values():
        for r in found:
            assert r.kind == "dockerfile" and r.context["instruction"] in kinds
            assert r.written and "\r" not in r.written and "\n" not in r.written
            if not any(c in r.written for c in "$'\"\\"):
                assert r.resolved == r.written and r.unresolved == ()
