from helpers import findings, lint


def test_yaml_syntax_error_is_one_finding_at_the_parser_position():
    text = "services:\n  web:\n    image: nginx:1.25\n   ports: [80]\n"
    result = lint(text, kind="compose", path="compose.yaml")
    assert len(result) == 1
    rule, line, column = result[0]
    assert rule == "parse-error" and line == 4


def test_parse_error_message_comes_from_the_parser():
    (finding,) = findings("a: [\n", kind="compose", path="compose.yaml")
    assert finding.rule == "parse-error"
    assert finding.message


def test_nul_byte_is_a_parse_error():
    assert lint("FROM nginx:1\x00\n") == [("parse-error", 1, 13)]


def test_valid_file_has_no_parse_error():
    assert lint("services:\n  web:\n    image: nginx:1.25\n", kind="compose", path="compose.yaml") == []
