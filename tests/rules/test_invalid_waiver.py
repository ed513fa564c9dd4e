from helpers import lint


def test_waiver_with_reason_waives_the_line_below():
    text = "# policylint: ignore=tag-denied -- upstream has no versions\nFROM node:latest\n"
    assert lint(text) == []


def test_waiver_without_reason_still_waives_but_is_noted():
    text = "# policylint: ignore=tag-denied\nFROM node:latest\n"
    assert lint(text) == [("invalid-waiver", 1, 1)]


def test_waiver_for_another_rule_does_not_waive():
    text = "# policylint: ignore=tag-missing -- wrong rule\nFROM node:latest\n"
    assert lint(text) == [("tag-denied", 2, 6)]


def test_unknown_rule_in_waiver_is_noted():
    text = "# policylint: ignore=tag-denid -- typo\nFROM node:latest\n"
    assert lint(text) == [("invalid-waiver", 1, 1), ("tag-denied", 2, 6)]


def test_several_rules_in_one_waiver():
    text = "# policylint: ignore=tag-denied,registry-not-allowed -- vendor image\nFROM quay.io/x/y:latest\n"
    assert lint(text, policy="version: 1\nregistries: {allow: [ghcr.io]}\n") == []


def test_waivers_turned_off_by_option_and_policy():
    text = "# policylint: ignore=tag-denied -- reason\nFROM node:latest\n"
    assert lint(text, inline_waivers=False) == [("invalid-waiver", 1, 1), ("tag-denied", 2, 6)]
    assert lint(text, policy="version: 1\ninline_waivers: false\n") == [
        ("invalid-waiver", 1, 1), ("tag-denied", 2, 6)]


def test_waiver_in_yaml_comment_on_the_same_line():
    text = ("services:\n  web:\n    image: node:latest  # policylint: ignore=tag-denied -- demo only\n")
    assert lint(text, kind="compose", path="compose.yaml") == []


def test_waiver_two_lines_above_does_not_apply():
    text = "# policylint: ignore=tag-denied -- reason\n\nFROM node:latest\n"
    assert lint(text) == [("tag-denied", 3, 6)]


def test_waiver_lines_count_newlines_only():
    """A form feed inside a RUN line is no line break: the waiver covers the FROM below it."""
    text = ("FROM golang:1.22 AS base\nRUN printf 'a' \f\f > /x\n"
            "# policylint: ignore=tag-missing -- builder is pinned elsewhere\nFROM golang AS builder\nFROM nginx\n")
    assert lint(text) == [("tag-missing", 5, 6)]


def test_a_reason_padded_with_spaces_is_read_in_linear_time():
    import time

    text = "# policylint: ignore=tag-missing -- a" + " " * 200_000 + "b  \nFROM nginx\n"
    started = time.perf_counter()
    assert lint(text) == []
    assert time.perf_counter() - started < 5
    assert lint("# policylint: ignore=tag-missing --   \nFROM nginx\n") == [("invalid-waiver", 1, 1)]


def test_waiver_in_a_yaml_file_with_classic_mac_line_endings():
    """YAML breaks lines at a lone CR too; the waiver's line is counted the same way."""
    text = "services:\r  web:\r    image: node:latest  # policylint: ignore=tag-denied -- demo only\r"
    assert lint(text, kind="compose", path="compose.yaml") == []


def test_in_a_dockerfile_a_waiver_is_a_comment_line_of_its_own():
    """`#` starts a Dockerfile comment only at the start of a line: after `RUN make` it is the
    shell's comment (it waived the FROM below), after `FROM x` more arguments."""
    shell = "FROM alpine:3.20\nRUN make # policylint: ignore=tag-missing -- x\nFROM ubuntu\n"
    assert lint(shell) == [("tag-missing", 3, 6)]
    indented = "FROM alpine:3.20\n  \t# policylint: ignore=tag-missing -- indented comment line\nFROM ubuntu\n"
    assert lint(indented) == []


def test_in_yaml_a_waiver_may_end_the_line_it_waives():
    text = "services:\n  web:\n    image: node:latest  # policylint: ignore=tag-denied -- no versions\n"
    assert lint(text, kind="compose", path="compose.yaml") == []
