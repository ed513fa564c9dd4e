"""The Dockerfile scanner against BuildKit's own parser, as an oracle.

The `dockerfile` package wraps BuildKit's Go parser (moby/buildkit frontend/dockerfile/parser).
It has wheels only for x86-64 Linux and Windows, so it is a test dependency there and these
tests are skipped elsewhere; policylint never imports it.

BuildKit's parser splits a Dockerfile into instructions (directives, escape character,
continuations, comments inside them, heredocs) but gives them no meaning. The oracle adds the
little meaning needed to list the images a `FROM` or a `COPY --from` names (a stage name or
`scratch` is not an image) and the scanner must find the same ones, at a line of the same
instruction, on the corpus Dockerfiles and on random texts built from awkward pieces.
"""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path
from typing import List, Optional, Set, Tuple

import pytest

from policylint.engine import decode
from policylint.model import Occurrence, ScanOptions
from policylint.scanners.dockerfile import scan

dockerfile = pytest.importorskip("dockerfile")

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"

# (first line, last line, image word) of each image an instruction names; `word` is None where
# the oracle cannot tell the text without expanding variables or quotes (only the place counts)
Expected = Tuple[int, int, Optional[str]]
_PLAIN_WORD = re.compile(r"[A-Za-z0-9._:/@+-]+\Z")


def buildkit_images(text: str) -> Optional[List[Expected]]:
    """What BuildKit's parse of `text` names as images, or None where BuildKit refuses it."""
    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError:
        return None
    stages: Set[str] = set()  # the stages defined so far, for FROM
    every_stage = {command.value[2].lower() for command in commands  # COPY --from sees all of them
                   if command.cmd.upper() == "FROM" and len(command.value) >= 3 and command.value[1].lower() == "as"}
    found: List[Expected] = []
    for command in commands:
        name = command.cmd.upper()
        if name == "FROM" and command.value:
            image = command.value[0]
            plain = _PLAIN_WORD.match(image) is not None
            # dockerfile2llb: `scratch` and stage names match as written (names are kept in
            # lower case, so `FROM Build` is the image `Build`, which BuildKit then refuses as
            # not lower case: moby/buildkit#2003). The legacy builder and kaniko take it for the
            # stage, and so does policylint: no image is pulled either way. Such a FROM may or
            # may not be reported (the entry is optional, like one with variables).
            if not plain or (image not in stages and image != "scratch"):
                optional = not plain or image.lower() in stages
                found.append((command.start_line, command.end_line, None if optional else image))
            if len(command.value) >= 3 and command.value[1].lower() == "as":
                stages.add(command.value[2].lower())
        elif name in ("COPY", "ADD"):
            for flag in command.flags:
                if flag.lower().startswith("--from="):
                    source = flag[len("--from="):]
                    plain = _PLAIN_WORD.match(source) is not None
                    if not plain or not (source.lower() in every_stage or re.fullmatch(r"[+-]?[0-9]+", source)):
                        found.append((command.start_line, command.end_line, source if plain else None))
    return found


def scanned_images(text: str) -> List[Occurrence]:
    """The scanner's images in `text`, read from its bytes as policylint reads a file."""
    text = decode(text.encode("utf-8"))  # a BOM is dropped here, before the scanner
    return [item for item in scan(text, "Dockerfile", ScanOptions())
            if isinstance(item, Occurrence) and item.context.get("instruction") in ("FROM", "COPY --from", "ADD --from")]


def compare(text: str) -> List[str]:
    """How the scanner and BuildKit disagree on `text` (empty: they agree)."""
    expected = buildkit_images(text)
    if expected is None:
        return []
    found = scanned_images(text)
    problems = []
    unmatched = list(expected)
    for occurrence in found:
        line = occurrence.location.line
        match = next((item for item in unmatched if item[0] <= line <= item[1]), None)
        if match is None:
            problems.append(f"{occurrence.written!r} at line {line}: BuildKit names no image there")
            continue
        unmatched.remove(match)
        if match[2] is not None and occurrence.written != match[2]:
            problems.append(f"{occurrence.written!r} at line {line}, BuildKit: {match[2]!r}")
    # an image written with variables or quotes may turn out to be a stage (`FROM ${BASE}`)
    problems.extend(f"BuildKit names {word!r} at lines {first}-{last}, not found"
                    for first, last, word in unmatched if word is not None)
    return problems


def corpus_dockerfiles() -> List[Path]:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    with manifest.open(encoding="utf-8", newline="") as handle:
        return [CORPUS / f"{row['repo'].replace('/', '__')}/{row['path']}"
                for row in csv.DictReader(handle, delimiter="\t") if row["kind"] == "dockerfile"]


def test_corpus_dockerfiles_agree_with_buildkit() -> None:
    paths = corpus_dockerfiles()
    if not paths:
        pytest.skip("shared corpus not present")
    disagreements = {}
    for path in paths:
        text = path.read_bytes().decode("utf-8", errors="replace")
        problems = compare(text)
        if problems:
            disagreements[str(path.relative_to(CORPUS))] = problems
    assert disagreements == {}


AWKWARD_PIECES = [
    "FROM alpine:3.19\n",
    "FROM alpine:3.19 AS build\n",
    "from Alpine AS Build\n",
    "FROM build\n",
    "FROM BUILD AS second\n",
    "FROM scratch\n",
    "FROM SCRATCH\n",
    "FROM --platform=$BUILDPLATFORM golang:1.22 AS gobuild\n",
    "FROM \\\n  nginx:1.25 \\\n  AS web\n",
    "FROM ngi\\\nnx:1\n",
    "FROM nginx:1 \\\n# a comment inside\n  AS commented\n",
    "FROM nginx:1 \\\n\n  AS blank\n",
    "FROM\tnginx:1\tAS\ttabbed\n",
    "  FROM   indented:2\n",
    "FROM nginx:1 AS x \\\n",
    "COPY --from=build /out /out\n",
    "COPY --from=busybox:1.36 /bin/sh /sh\n",
    "COPY --from=0 /a /b\n",
    "COPY --link --from=redis:7 /x /y\n",
    "ADD --chown=1 --from=node:20 /a /b\n",
    "RUN echo FROM fake:1\n",
    "RUN <<EOF\nFROM inside:heredoc\nEOF\n",
    "RUN <<-EOT bash\n\tFROM tabbed:heredoc\n\tEOT\n",
    "COPY <<EOF /etc/x\nFROM copied:heredoc\nEOF\n",
    "RUN cat <<'EOF' > f\nFROM quoted:heredoc\nEOF\n",
    "# FROM commented:out\n",
    "ENV A=1 \\\n    B=2\n",
    "RUN apt-get update \\\n    && apt-get install -y curl \\\n    # note\n    && rm -rf /var/lib/apt/lists/*\n",
    "ARG BASE=debian:12\n",
    "FROM ${BASE}\n",
    "FROM $BASE AS fromarg\n",
    "ONBUILD COPY --from=onbuild:1 /a /b\n",
    "CMD [\"nginx\", \"-g\", \"daemon off;\"]\n",
    "\n",
    "   \n",
    "\r\n",
    "FROM crlf:1\r\n",
    "FROM nginx:1 \\\r\n  AS crlfstage\r\n",
    "FROM nginx:1 as lower\n",
    "FROM \"quoted:1\"\n",
    "FROM --platform=linux/amd64 \\\n  debian:12\n",
    "FROM nginx:1 \\  \n  AS spaced\n",
    "FROM nginx:1 \\\n   # indented comment\n AS indented\n",
    "COPY --from=builder C:\\app C:\\app\n",
    "FROM nginx:1 AS\n",
    "FROM nginx:1 # not a comment\n",
    "COPY <<\"A\" <<B /dst/\nFROM first:heredoc\nA\nFROM second:heredoc\nB\n",
    "RUN --mount=type=cache,target=/x <<EOF\nFROM mounted:heredoc\nEOF\n",
    "FROM nginx:1\u2003AS wide\n",
    "FROM\u00a0nbsp:1\n",
    "FROM nginx:1 \\\n \t \n  AS whitespace_line\n",
    "FROM a:1 AS Mixed\nFROM mixed\nFROM Mixed\n",
    "COPY --from=MIXED /a /b\n",
    "COPY --from=+1 /a /b\n",
]
DIRECTIVES = ["", "# syntax=docker/dockerfile:1\n", "# escape=`\n", "# escape=\\\n", "#check=skip=all\n", "\ufeff",
              "\ufeff# escape=`\n", "# syntax=x\n# escape=`\n", "#escape = `\n\n"]


def random_dockerfile(rng: random.Random) -> str:
    directive = rng.choice(DIRECTIVES)
    body = "".join(rng.choice(AWKWARD_PIECES) for _ in range(rng.randint(1, 9)))
    if "escape" in directive and "`" in directive:
        body = body.replace("\\\n", "`\n").replace("\\\r\n", "`\r\n")
    return directive + body


def test_random_dockerfiles_agree_with_buildkit() -> None:
    rng = random.Random(20261129)
    checked = 0
    disagreements = []
    for _ in range(1500):
        text = random_dockerfile(rng)
        if buildkit_images(text) is not None:
            checked += 1
        problems = compare(text)
        if problems:
            disagreements.append((text, problems))
    assert checked > 1000  # most texts are ones BuildKit reads
    assert disagreements[:3] == []
