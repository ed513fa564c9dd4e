"""Quotes inside `${...}` in a Dockerfile, as BuildKit's lexer (`shell/lex.go`) reads them.

Each value below is what BuildKit's own lexer printed for the word (docker.io 26.1.5's
`frontend/dockerfile/shell`, built unchanged as an oracle) with `A=1.2` and `E=` set and `U`
unset. moby's own Dockerfile writes `ARG DELVE_SUPPORTED=${DELVE_SUPPORTED:-"supported"}` and
`FROM delve-${DELVE_SUPPORTED}`: the quotes go, as they do anywhere else in a word.
"""

from __future__ import annotations

import pytest

from policylint.model import Occurrence, ScanOptions
from policylint.scanners.dockerfile import scan

BUILDKIT_LEXER = [
    ('a${U:-"b"}', "ab"),
    ("a${U:-'b'}", "ab"),
    ('a${A:+"b"}', "ab"),
    ('a${U:-b"c"d}', "abcd"),
    ('a${U:-"${A}"}', "a1.2"),
    ("a${U:-'$A'}", "a$A"),
    ('a${A/1/"x"}', "ax.2"),
    ('a${A/"1"/x}', "ax.2"),
    ('a${A#"1"}', "a.2"),
    ("a${A%'2'}", "a1."),
    ('a${U:-a${A:+"-q"}}', "aa-q"),
    ("a${A:+'\"'}", 'a"'),
    ('a${U:-"a}b"}', "aa}b"),
    ("a${U:-'}'}x", "a}x"),
    ("a${U:-{x}}", "a{x}"),  # a bare `{` opens nothing: the first `}` closes
    ("a${E-{}b", "ab"),
    ("a${A#{}c", "a1.2c"),
    ("${E//}1$A/}", ""),  # the pattern runs to the `/`, past a `}`
    ('a${U:-"\\"q\\""}', 'a"q"'),
    ('a${U:-"\\$A"}', "a$A"),
    ('a${U:-"x\\y"}', "ax\\y"),  # in double quotes only `"`, `$` and the escape are escaped
    ('${A:-_{\\$/}$E""', "1.2"),
]


@pytest.mark.parametrize("word,value", BUILDKIT_LEXER)
def test_quotes_and_braces_inside_expansions_follow_buildkit(word: str, value: str) -> None:
    text = f"ARG A=1.2\nARG E=\nFROM alpine:3.20 AS base\nFROM x{word}\n"
    found = [item for item in scan(text, "Dockerfile", ScanOptions()) if isinstance(item, Occurrence)]
    written = [item for item in found if item.location.line == 4]
    assert len(written) == 1, found
    assert written[0].resolved == "x" + value
    assert written[0].unresolved == ()  # U's default is used: nothing is missing


def test_moby_delve_stage_and_a_quoted_default_tag() -> None:
    """moby's Dockerfile: the quoted defaults choose a stage and a tag, not text with quotes."""
    text = (
        'ARG DELVE_SUPPORTED=${TARGETPLATFORM#linux/amd64} DELVE_SUPPORTED=${DELVE_SUPPORTED#linux/arm64}\n'
        'ARG DELVE_SUPPORTED=${DELVE_SUPPORTED:+"unsupported"}\n'
        'ARG DELVE_SUPPORTED=${DELVE_SUPPORTED:-"supported"}\n'
        'ARG ALPINE=${UNSET:-"3.19"}\n'
        "FROM alpine:${ALPINE} AS base\n"
        "FROM base AS delve-supported\n"
        "FROM scratch AS delve-unsupported\n"
        "FROM delve-${DELVE_SUPPORTED} AS delve\n"
    )
    found = list(scan(text, "Dockerfile", ScanOptions(build_args={"TARGETPLATFORM": "linux/amd64"})))
    assert [(item.written, item.resolved) for item in found] == [("alpine:${ALPINE}", "alpine:3.19")]


@pytest.mark.parametrize("piece", ['${A:-${A}', '${A:-"${A}', "${A#${A}", "${A/${A}/", '${A:-"${A:-"', '${A:-${A:-"}'])
def test_nested_expansions_that_never_close_are_read_in_bounded_time(piece: str) -> None:
    """`${A:-${A}` repeated, never closed: each `${` was tried again from every enclosing one
    (thirty of them took minutes, before and after quotes were read). Now each is found
    unclosed once, and a word's reading has a step budget: it ends kept as written."""
    import time

    text = f"ARG A=1\nFROM a{piece * 3000}x\n"
    started = time.perf_counter()
    found = list(scan(text, "Dockerfile", ScanOptions()))
    assert time.perf_counter() - started < 10
    assert len([item for item in found if isinstance(item, Occurrence)]) == 1


def test_compose_interpolation_of_unclosed_nesting_is_bounded() -> None:
    import time

    from policylint.variables import expand

    started = time.perf_counter()
    result = expand("${A:-${A}" * 3000, lambda name: "1")
    assert time.perf_counter() - started < 10
    assert result.value.startswith("${A:-")  # never closed: kept as written
