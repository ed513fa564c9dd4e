"""Ignore files: compiled so that they answer as pathspec (git's rules) does, in bounded time."""

import random
import re
import time

import pathspec
import pytest

from policylint import gitignore


@pytest.mark.parametrize("plain_from", [0, 200])  # the sets of a large ignore file, and the usual way
def test_ignore_files_answer_as_pathspec_does_for_any_pattern_and_path(monkeypatch, plain_from):
    """Neither the sets of plain names nor the one-expression pre-check of an ignore file ever
    changes pathspec's answer."""
    monkeypatch.setattr(gitignore, "PLAIN_FROM", plain_from)

    generator = random.Random(5)
    pieces = ["a", "b", "node_modules", "*.pyc", "*", "**", "?", "[ab]", "build", "x.yaml", "(?P<x>y)", "\\1", "c d",
              ".", "..", "a ", "#a", "a!", "]", "x\\ ", "a\t", "bu*", "*ld", "*.b", "a*", "*a", "*.*", "b*d"]

    def line() -> str:
        parts = [generator.choice(pieces) for _ in range(generator.randint(1, 3))]
        text = "/".join(parts)
        if generator.random() < 0.3:
            text = "/" + text
        if generator.random() < 0.3:
            text += "/"
        if generator.random() < 0.2:
            text = "!" + text
        return text

    names = ["a", "b", "node_modules", "x.pyc", "build", "x.yaml", "c d", "(?P<x>y)", "ab", "y", "#a", "a!", "]", "a ",
             "a\t", "x ", "bu", "ld", ".b", "ba"]
    decided = 0
    for _ in range(1500):
        lines = [line() for _ in range(generator.randint(0, 6))] + generator.choice([[], ["# comment", ""]])
        spec = pathspec.GitIgnoreSpec.from_lines(lines)
        ignore_file = gitignore.IgnoreFile.from_lines(lines)
        for _ in range(20):
            path = "/".join(generator.choice(names) for _ in range(generator.randint(1, 4)))
            path += generator.choice(["", "/"])
            expected = spec.check_file(path).include
            assert ignore_file.include(path) == expected, (lines, path)
            decided += expected is not None
    assert decided > 1500  # many paths are matched, not only missed


def test_an_ignore_pattern_that_cannot_be_joined_is_always_asked_of_pathspec():
    class Pattern:
        def __init__(self, regex, include=True):
            self.regex, self.include = regex, include

    class Spec:
        def __init__(self, *patterns):
            self.patterns = patterns

    assert gitignore._any_pattern_regex(Spec(Pattern(re.compile("^a", re.IGNORECASE)))) is None
    assert gitignore._any_pattern_regex(Spec(Pattern(re.compile(r"^(a)\1")))) is None
    assert gitignore._any_pattern_regex(Spec(Pattern(None))) is None
    joined = gitignore._any_pattern_regex(Spec(Pattern(re.compile("^a(?P<ps_d>/)")), Pattern(re.compile("^b(?P<ps_d>/)"))))
    assert joined is not None and joined.search("b/") and not joined.search("c/")
    assert gitignore._any_pattern_regex(Spec(Pattern(None, include=None))).search("anything") is None


def test_huge_generated_ignore_files_load_and_answer_fast():
    """100,000 names or `name*` patterns are set lookups; of other wildcard lines only the first
    MAX_PATTERNS are used (each is a regular expression), so time stays bounded."""
    started = time.perf_counter()
    names = gitignore.IgnoreFile.from_lines([f"n{index:06d}/" for index in range(100_000)] + ["tmp*", "*.log"])
    shapes = gitignore.IgnoreFile.from_lines([f"n{index:05d}?/x*y" for index in range(100_000)])
    answers = [names.include(f"svc/s{index:04d}/Dockerfile") for index in range(2000)]
    assert time.perf_counter() - started < 20
    assert answers == [None] * 2000
    assert names.include("a/n099999/Dockerfile") and names.include("tmp1/x") and names.include("a/b.log")
    assert names.include("n000001") is None  # a folder pattern does not match a file
    assert shapes.include(f"n{gitignore.MAX_PATTERNS - 1:05d}a/xzy") and shapes.include(f"n{gitignore.MAX_PATTERNS:05d}a/xzy") is None
