"""Variable expansion: BuildKit's pattern forms (`#`, `##`, `%`, `%%`, `/`, `//`).

The glob matcher is compared with a slow definition written from BuildKit's rules (every
candidate cut of the value tried with a regular expression) on fixed and random inputs.
"""

from __future__ import annotations

import re
from typing import Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policylint.variables import MAX_SUBSTITUTED, expand

VALUES = {"V": "1.25.3-alpine", "P": "registry.acme.com/team/app", "S": "a*b?c\\d", "E": ""}


def dockerfile(text: str, values: Optional[dict] = None) -> tuple:
    expansion = expand(text, (VALUES if values is None else values).get, patterns=True)
    return expansion.value, expansion.unresolved


@pytest.mark.parametrize("text,value", [
    ("${V%.*}", "1.25"),
    ("${V%%.*}", "1"),
    ("${V#*.}", "25.3-alpine"),
    ("${V##*.}", "3-alpine"),
    ("${V%-*}", "1.25.3"),
    ("${V#1.}", "25.3-alpine"),
    ("${V#nomatch}", "1.25.3-alpine"),
    ("${V%?}", "1.25.3-alpin"),
    ("${V#??}", "25.3-alpine"),
    ("${V%}", "1.25.3-alpine"),
    ("${P##*/}", "app"),
    ("${P%/*}", "registry.acme.com/team"),
    ("${P%%/*}", "registry.acme.com"),
    ("${V/./_}", "1_25.3-alpine"),
    ("${V//./_}", "1_25_3-alpine"),
    ("${V//[0-9]/x}", "1.25.3-alpine"),  # no bracket expressions in BuildKit: `[` is a character
    ("${V/#1/x}", "1.25.3-alpine"),  # nor bash's `#`/`%` anchors: `#1` is text
    ("${V/*/x}", "x"),  # the longest match at the leftmost place
    ("${V//-*/}", "1.25.3"),
    ("${S#a\\*}", "b?c\\d"),  # `\*` is a star, not any text
    ("${S%\\?c\\\\d}", "a*b"),
    ("${E//x/y}", ""),
    ("x${V%%.*}y", "x1y"),
])
def test_pattern_forms(text: str, value: str) -> None:
    assert dockerfile(text) == (value, ())


@pytest.mark.parametrize("escape,text,value", [
    # BuildKit's shell lexer: the escape makes the next character literal; in a `${X:-word}` it
    # goes, in a glob or replacement text it stays, and an escaped `}` or `/` never ends them.
    ("\\", "he${XXX:-\\$V:}xx", "he$V:xx"),
    ("\\", "he${XXX:-\\${V}z}xx", "he${Vz}xx"),
    ("\\", "${XXX:-a\\}b}", "a}b"),
    ("`", "${XXX:-`$V}", "$V"),
    ("\\", "${B//\\//-}", "feature-x"),  # a branch name made a tag
    ("\\", "${F//\\//\\/}", "\\/tmp\\/foo.txt"),  # the replacement keeps its escapes
    ("\\", "${G#()[]{\\}^$.\\*\\?|\\\\}", "x"),
    ("\\", "${V%\\.*}", "${V%\\.*}"),  # `\.` is no escape BuildKit's globs know: refused
])
def test_escapes_inside_braces_follow_buildkit(escape: str, text: str, value: str) -> None:
    values = dict(VALUES, B="feature/x", F="/tmp/foo.txt", G="()[]{}^$.*?|\\x")
    assert expand(text, values.get, escape=escape, patterns=True).value == value


@pytest.mark.parametrize("text,value,unresolved", [
    # a shell's positional and special parameters are names BuildKit reads and no Dockerfile
    # or --build-arg can set: known to be empty, not unresolved
    ("$1", "", ()), ("he$1x", "hex", ()), ("$999aaa", "aaa", ()), ("$@@@", "@@", ()),
    ("${@}", "", ()), ("${@:-bbb}aaa", "bbbaaa", ()), ("${#:+bbb}", "", ()), ("$$", "", ()),
    ("$0", "", ()), ("${1:-x}", "x", ()), ("${12}", "", ()),
    ("${1:?set it}", "", ("1",)),  # BuildKit refuses the word: policylint says it cannot be known
])
def test_positional_and_special_parameters_are_never_set(text: str, value: str, unresolved: tuple) -> None:
    assert dockerfile(text) == (value, unresolved)


@pytest.mark.parametrize("text", [
    "${V:#x}", "${V:%x}",  # BuildKit: unsupported modifier
    "${V/x}", "${V//}",  # BuildKit: missing '/' in ${}
    "${V#a\\x}",  # BuildKit: invalid escape
    "${V%.*",  # no closing brace
])
def test_forms_buildkit_refuses_are_kept_as_written(text: str) -> None:
    assert dockerfile(text) == (text, ())


def test_unset_variable_or_unset_glob_is_unresolved() -> None:
    assert dockerfile("nginx:${U%.*}") == ("nginx:", ("U",))
    assert dockerfile("nginx:${V%$U}") == ("nginx:", ("U",))
    assert dockerfile("nginx:${V/$U/x}") == ("nginx:", ("U",))
    assert dockerfile("nginx:${V%${U:-.*}}") == ("nginx:1.25", ())


def test_compose_has_no_pattern_forms() -> None:
    assert expand("${V%.*}", VALUES.get, dollar_escape=True).value == "${V%.*}"


def test_compose_balances_braces_in_a_default_and_buildkit_does_not() -> None:
    """compose-go's template: `ok ${JSON:-{"json":1}}` keeps the whole `{...}` as the default."""
    values = {"JSON": '{"json":2}'}
    assert expand('ok ${JSON:-{"json":1}}', values.get, dollar_escape=True).value == 'ok {"json":2}'
    assert expand('ok ${NONE-{"json":1}}', values.get, dollar_escape=True).value == 'ok {"json":1}'
    assert expand("${NONE:-x}}", values.get, dollar_escape=True).value == "x}"
    assert expand("${NONE:-{x}y}", values.get, patterns=True).value == "{xy}"  # BuildKit: the first `}` ends it


def test_replacement_output_is_bounded() -> None:
    value, _ = dockerfile("${V//a/" + "x" * 1000 + "}", {"V": "a" * 4000})
    assert len(value) == MAX_SUBSTITUTED


def test_backtracking_globs_are_answered() -> None:
    """`*a*a*...b` makes a backtracking regular expression take exponential time on `aaaa...`."""
    assert dockerfile("${V%%" + "*a" * 30 + "b}", {"V": "a" * 3000}) == ("a" * 3000, ())
    assert dockerfile("${V##" + "*a" * 30 + "}", {"V": "a" * 3000}) == ("", ())


def test_a_replacement_past_its_step_budget_is_kept_as_written() -> None:
    text = "${V//" + "?" * 100 + "/x}"
    assert dockerfile(text, {"V": "a" * 1000}) == (text, ())


# --- the definition: BuildKit turns a glob into a regular expression ------------------------

def _regex(glob: str, greedy: bool) -> str:
    out, index = [], 0
    while index < len(glob):
        char = glob[index]
        if char == "\\":
            index += 1
            out.append(re.escape(glob[index]))
        elif char == "*":
            out.append(".*" if greedy else ".*?")
        elif char == "?":
            out.append(".")
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)


def _trim_prefix(glob: str, value: str, longest: bool) -> str:
    cuts = [end for end in range(len(value) + 1) if re.fullmatch(_regex(glob, True), value[:end], re.DOTALL)]
    return value[(max(cuts) if longest else min(cuts)):] if cuts else value


def _replace(glob: str, value: str, replacement: str, every: bool) -> str:
    out, index, previous_end = [], 0, -1
    while index <= len(value):
        ends = [end for end in range(index, len(value) + 1)
                if re.fullmatch(_regex(glob, True), value[index:end], re.DOTALL)]
        if ends and not (max(ends) == index == previous_end):
            out.append(replacement)
            previous_end = max(ends)
            if not every:
                return "".join(out) + value[previous_end:]
            if previous_end > index:
                index = previous_end
                continue
        out.append(value[index:index + 1])
        index += 1
    return "".join(out)


GLOB = st.lists(st.sampled_from(["a", "b", ".", "*", "?", "\\*", "\\?", "-"]), max_size=6).map("".join)
VALUE = st.text(alphabet="ab.*?-", max_size=12)


@settings(max_examples=300, deadline=None, database=None)
@given(glob=GLOB, value=VALUE, operator=st.sampled_from(["#", "##", "%", "%%"]))
def test_trims_match_the_definition(glob: str, value: str, operator: str) -> None:
    if operator[0] == "#":
        expected = _trim_prefix(glob, value, longest=operator == "##")
    else:  # the suffix of the value is the prefix of both reversed (escapes kept before their character)
        tokens = re.findall(r"\\.|.", glob, re.DOTALL)
        expected = _trim_prefix("".join(reversed(tokens)), value[::-1], longest=operator == "%%")[::-1]
    assert dockerfile("${X" + operator + glob + "}", {"X": value}) == (expected, ())


@settings(max_examples=300, deadline=None, database=None)
@given(glob=GLOB, value=VALUE, every=st.booleans())
def test_replacements_match_the_definition(glob: str, value: str, every: bool) -> None:
    text = "${X" + ("//" if every else "/") + glob + "/R}"
    if not glob and not every:  # `${X//R}`: replace every `R}`..., with no closing `/` (BuildKit refuses it)
        assert dockerfile(text, {"X": value}) == (text, ())
        return
    assert dockerfile(text, {"X": value}) == (_replace(glob, value, "R", every), ())


# --- process_word: a whole Dockerfile word, as BuildKit's ProcessWord reads it -------------

@pytest.mark.parametrize("word, value", [
    ("a\\ b", "a b"),  # outside quotes an escape makes the next character literal
    ("'$A \\x'", "$A \\x"),  # single quotes: literal
    ('"$A \\x \\$A \\" \\\\"', '1.2 \\x $A " \\'),  # double quotes: `$` expands, escape only before " $ \
    ('${U:-"a b"}', "a b"),  # the same reading inside ${...}
    ('x"$A', "x1.2"),  # a quote never closed (BuildKit refuses the word) is read to the end
    ("x'$A", "x$A"),
    ("a\\", "a"),  # an escape at the very end: nothing
])
def test_process_word_reads_quotes_and_escapes_as_buildkit(word: str, value: str) -> None:
    from policylint.variables import process_word

    assert process_word(word, {"A": "1.2"}.get, escape="\\").value == value


def test_process_word_without_lookup_keeps_variables_as_written() -> None:
    from policylint.variables import process_word

    assert process_word('"EOF$X"', None, escape="\\") == ("EOF$X", ())  # a heredoc's name
    assert process_word("`$X", None, escape="`").value == "$X"


def test_process_word_names_the_unset_variables_once_in_the_order_met() -> None:
    from policylint.variables import process_word

    assert process_word("${C:-x}$B/${A}:$B-${D:-$A}", {}.get, escape="\\") == ("x/:-", ("B", "A"))
    seen = ["Z"]  # the caller's list: a lookup may add the names behind a value as it goes
    assert process_word("$B$A", {"A": "1"}.get, escape="\\", unresolved=seen) == ("1", ("Z", "B"))
