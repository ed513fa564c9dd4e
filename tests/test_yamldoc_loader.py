"""yamldoc's faster loader and nesting pre-scan give exactly what PyYAML's safe loader and the
straightforward scans give: same node tree, same tags, same marks, same errors."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
import yaml

from policylint import yamldoc

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"

try:
    from yaml import CSafeLoader as Reference
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as Reference  # type: ignore[assignment]


def _tree(node):
    """Everything about a node tree that scanners can see, aliases kept as references."""
    seen = {}

    def walk(item):
        if id(item) in seen:
            return ("alias", seen[id(item)])
        seen[id(item)] = len(seen)
        marks = (item.start_mark.line, item.start_mark.column, item.start_mark.index,
                 item.end_mark.line, item.end_mark.column)
        if isinstance(item, yaml.ScalarNode):
            return ("scalar", item.tag, item.value, item.style, marks)
        if isinstance(item, yaml.SequenceNode):
            return ("seq", item.tag, item.flow_style, marks, [walk(child) for child in item.value])
        return ("map", item.tag, item.flow_style, marks, [(walk(key), walk(value)) for key, value in item.value])

    return walk(node)


def _reference(text):
    return [_tree(node) for node in yaml.compose_all(text, Loader=Reference) if node is not None]


SCALARS = [
    "yes", "No", "ON", "off", "y", "true", "False", "1.10", "1.1", "010", "0o17", "0x1F", "0b101", "1_000",
    "1:20", "-.inf", ".NaN", "~", "null", "Null", "", "<<", "=", "2001-12-14", "2001-12-14t21:59:43.10-05:00",
    "nginx:1.25", "image", "'1.10'", '"true"', "!!str 1.10", "! 123", "!custom x", "|\n  block\n", ">-\n  folded\n",
    "&a x", "@", "%", "+1", "-0", "0.", ".5", "1e3", "1.0e+3", "12:30:45.5", "!!int '7'",
]


@pytest.mark.parametrize("scalar", SCALARS)
def test_scalar_tags_match_the_safe_loader(scalar):
    for text in (f"key: {scalar}\n", f"- {scalar}\n", f"[{scalar}]\n" if "\n" not in scalar else "[a]\n"):
        try:
            expected = _reference(text)
        except yaml.YAMLError:
            with pytest.raises(yamldoc.YamlError):
                yamldoc.compose_all(text)
            continue
        assert [_tree(node) for node in yamldoc.compose_all(text)] == expected


def test_memo_table_stays_bounded(monkeypatch):
    monkeypatch.setattr(yamldoc, "_RESOLVED_MAX_ENTRIES", 10)
    yamldoc._resolved_plain.clear()
    yamldoc.compose_all("\n".join(f"k{index}: v{index}" for index in range(50)) + "\nlong: " + "x" * 500 + "\n")
    assert len(yamldoc._resolved_plain) <= 10
    assert all(len(value) <= yamldoc._RESOLVED_MAX_LENGTH for value in yamldoc._resolved_plain)


def test_merges_anchors_and_repeated_scalars_match():
    text = (
        "base: &b {image: nginx, tag: 1.10, on: yes}\n"
        "svc:\n  <<: *b\n  tag: 1.10\n  list: [*b, 1.10, yes, ~]\n"
        "---\n- 1.10\n- yes\n- !!str yes\n- '1.10'\n"
    )
    for _ in range(2):  # the second time from the memo table
        assert [_tree(node) for node in yamldoc.compose_all(text)] == _reference(text)


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}")
def test_corpus_trees_match_the_safe_loader():
    files = sorted(path for path in CORPUS.rglob("*") if path.suffix in (".yaml", ".yml") and path.is_file())
    compared = 0
    for path in files[::4]:  # a quarter of the corpus keeps this quick
        text = path.read_bytes().decode("utf-8", "replace")
        try:
            expected = _reference(text)
        except (yaml.YAMLError, RecursionError):
            continue
        assert [_tree(node) for node in yamldoc.compose_all(text)] == expected, path
        compared += 1
    assert compared > 100


def _simple_check_nesting(text):
    """The pre-scan as first written: every character walked, `^` tried at every position."""
    depth = 0
    for index, char in enumerate(text):
        if char in "[{":
            depth += 1
            if depth > yamldoc.MAX_FLOW_DEPTH:
                line = text.count("\n", 0, index) + 1
                return ("flow", line, index - (text.rfind("\n", 0, index) + 1) + 1)
        elif char in "]}" and depth:
            depth -= 1
    match = re.compile(r"^[ \t?:-]{%d,}" % yamldoc.MAX_BLOCK_PREFIX, re.M).search(text)
    if match is not None:
        return ("block", text.count("\n", 0, match.start()) + 1, 1)
    return None


def _fast_check_nesting(text):
    try:
        yamldoc._check_nesting(text)
    except yamldoc.YamlError as error:
        kind = "flow" if "flow" in error.message else "block"
        return (kind, error.line, error.column)
    return None


def test_nesting_prescan_matches_the_simple_one():
    rng = random.Random(7)
    limit, prefix = yamldoc.MAX_FLOW_DEPTH, yamldoc.MAX_BLOCK_PREFIX
    texts = [
        "[" * limit + "]" * limit,
        "[" * (limit + 1),
        "a: " + "{" * (limit - 1) + "x" + "}" * (limit - 1),
        "]]]]" + "[" * limit + "x\n" + "[",
        " " * prefix + "x",
        "a\n" + " " * (prefix - 1) + "x\n" + "- " * (prefix // 2) + "x",
        "a\n" + "?" * prefix,
        "\n" * 5 + "-\t" * prefix,
        "x" + " " * prefix,
    ]
    for _ in range(200):
        pieces = rng.choices(["[", "]", "{", "}", "a", "\n", " ", "- ", "'[", "#{"], k=rng.randint(0, 3000))
        texts.append("".join(pieces))
    for _ in range(60):  # mostly openers: depths around the limit
        weights = [10, rng.randint(3, 9), 10, rng.randint(3, 9), 2, 1, 1, 1]
        pieces = rng.choices(["[", "]", "{", "}", "a", "\n", " ", "x:"], weights=weights, k=rng.randint(1000, 6000))
        texts.append("".join(pieces))
    for text in texts:
        assert _fast_check_nesting(text) == _simple_check_nesting(text), text[:80]


def _exact_duplicate(text):
    """Straight from the definition: the earliest key (by position) that repeats an earlier
    scalar key of its own mapping; `<<` merge keys may repeat."""
    found = []
    seen_nodes = set()

    def walk(node):
        if id(node) in seen_nodes:
            return
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    if key.value in first:
                        found.append((key.start_mark.index, key.value, first[key.value].start_mark.index))
                    else:
                        first[key.value] = key
                walk(key)
                walk(value)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                walk(item)

    answers = []
    for document in yaml.compose_all(text, Loader=Reference):
        found.clear()
        seen_nodes.clear()
        walk(document)
        answers.append(min(found) if found else None)
    return answers


DUPLICATE_CASES = [
    "a: 1\nb: 2\n",
    "a: 1\na: 2\n",
    "a: {b: 1, c: {d: 1, d: 2}}\n",
    "- {x: 1}\n- [ {y: 1, y: 2} ]\n",
    "base: &b {x: 1}\nm:\n  <<: *b\n  <<: *b\n  y: 1\n",  # merge keys may repeat
    "base: &b {x: 1}\nm:\n  <<: *b\n  <<: *b\n  y: 1\n  y: 2\n",
    "? {k: 1, k: 2}\n: v\n",  # a duplicate inside a complex key
    "? [a, b]\n: 1\nz: 1\nz: 2\n",
    "'1': a\n1: b\n",  # the same text, quoted or not, is the same key here
    "a: &x {p: 1, p: 2}\nb: *x\nc: *x\n",  # reached three times, reported once, at its text
    "x: 1\n---\nx: 1\nx: 2\n---\n[1, 2]\n",
    "outer: {inner: [1, {q: 1}], q: 2}\nouter2: {q: 1, r: {q: 1, q: 1}}\nlast: 1\nlast: 2\n",
]


@pytest.mark.parametrize("text", DUPLICATE_CASES)
def test_duplicate_key_matches_the_definition(text):
    expected = _exact_duplicate(text)
    got = []
    for document in yamldoc.compose_all(text):
        found = yamldoc.duplicate_key(document, aliases="*" in text)
        got.append((found[0].start_mark.index, found[0].value, found[1].start_mark.index) if found else None)
    assert got == expected


def test_duplicate_key_matches_the_definition_on_random_documents():
    generator = random.Random(7)
    keys = ["a", "b", "'a'", "<<", "c"]

    def value(depth):
        roll = generator.random()
        if depth > 3 or roll < 0.4:
            return generator.choice(["1", "x", "~", "[]", "{}"])
        if roll < 0.7:
            return "[" + ", ".join(value(depth + 1) for _ in range(generator.randint(0, 3))) + "]"
        pairs = [f"{generator.choice(keys)}: {value(depth + 1)}" for _ in range(generator.randint(0, 4))]
        return "{" + ", ".join(pairs) + "}"

    checked = 0
    for _ in range(400):
        text = value(0) + "\n"
        text = text.replace("<<: 1", "<<: {m: 1}").replace("<<: x", "<<: {m: 2}")
        try:
            expected = _exact_duplicate(text)
        except yaml.YAMLError:
            continue
        got = []
        for document in yamldoc.compose_all(text):
            found = yamldoc.duplicate_key(document, aliases=False)
            got.append((found[0].start_mark.index, found[0].value, found[1].start_mark.index) if found else None)
        assert got == expected, text
        checked += 1
    assert checked > 200


def _nodes_composed(text):
    """How many nodes the composer resolves for `text`, counting those made before an error."""
    loader = yamldoc._CountingLoader(text)
    loader.nodes_left = 10**9
    try:
        while loader.check_node():
            loader.get_node()
    except yaml.YAMLError:
        pass
    finally:
        loader.dispose()
    return 10**9 - loader.nodes_left


DENSE_FORMS = ["{" + "a," * 500 + "}", "?\n" * 500, "-\n" * 500, "[" + "? ," * 300 + "]",
               "{" + "? ," * 300 + "}", "[" + "a: ," * 300 + "]", "[" + "{:}," * 300 + "]",
               "- - - - - - - - \n" * 50, "? ? ? ? ? ? ? ? \n", "a:\n" * 500, "[" + ":," * 500 + "]"]


@pytest.mark.parametrize("text", DENSE_FORMS)
def test_dense_forms_stay_within_the_nodes_per_character_bound(text):
    """Texts shorter than MAX_NODES / _NODES_PER_CHAR_BOUND are composed without counting
    nodes; that is safe only while no text makes more than that many nodes per character."""
    assert _nodes_composed(text) <= len(text) * yamldoc._NODES_PER_CHAR_BOUND / 2  # twice the margin


def test_random_texts_stay_within_the_nodes_per_character_bound():
    generator = random.Random(11)
    alphabet = ["[", "]", "{", "}", ",", ":", ": ", "? ", "- ", "\n", "\n  ", "a", "&x ", "*x", "!t ", "'q'", "~"]
    densest = 0.0
    for _ in range(3000):
        text = "".join(generator.choice(alphabet) for _ in range(generator.randint(1, 40)))
        densest = max(densest, _nodes_composed(text) / len(text))
    assert 0.5 < densest <= yamldoc._NODES_PER_CHAR_BOUND / 2


def test_the_node_budget_holds_for_long_texts_only_counted_ones(monkeypatch):
    """A text long enough to reach MAX_NODES is counted and refused; a short one is not counted."""
    monkeypatch.setattr(yamldoc, "MAX_NODES", 4000)
    long_text = "x: [" + "a, " * 5000 + "]\n"
    with pytest.raises(yamldoc.YamlError, match="more than 4000 YAML nodes"):
        yamldoc.compose_all(long_text)
    short_text = "x: [" + "a, " * 200 + "]\n"
    assert len(yamldoc.compose_all(short_text)[0].value[0][1].value) == 200


def _plain_scalars(node, found):
    if isinstance(node, yaml.ScalarNode):
        if node.style in (None, "") and node.value and "\n" not in node.value and " " not in node.value:
            found.append(node)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _plain_scalars(key, found)
            _plain_scalars(value, found)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _plain_scalars(item, found)
    return found


ODD_TEXTS = [
    "a: é😀x\r\nimage: nginx\r\n",
    "k: 'a\u2028b'\nimage: x\n",  # U+2028 is a line break to libyaml
    "k: a\x85b: c\nimage: y\n",  # so is NEL
    "k: \ufeffv\nimage: z\n",
    "---\r\nimage: q\r\n---\r\nk: é\r\nimage: w\r\n",
    "k: '\t😀'\nimage: t\n",
    "a: 💡💡💡\nb: [\"é\", 'ü', x]\nimage: r\n",
]


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_marks_index_characters_of_the_text(text):
    """The kubernetes pre-filter searches a document's own text between its marks: they must be
    offsets in characters of the very string composed, whatever its line breaks and code points."""
    try:
        documents = yamldoc.compose_all(text)
    except yamldoc.YamlError:
        pytest.skip("not YAML")
    scalars = [scalar for document in documents for scalar in _plain_scalars(document, [])]
    assert scalars
    for scalar in scalars:
        assert _starts_at(text, scalar), (scalar.value, scalar.start_mark)


def _starts_at(text, scalar):
    """The scalar's text, or its properties (`&anchor`, `!tag`) before it, start at its mark."""
    index = scalar.start_mark.index
    return text.startswith(scalar.value, index) or text.startswith(("&", "!"), index)


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}")
def test_marks_index_characters_across_the_corpus():
    checked = 0
    for path in sorted(CORPUS.rglob("*"))[::3]:
        if path.suffix not in (".yaml", ".yml") or not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", "replace").lstrip("\ufeff")
        try:
            documents = yamldoc.compose_all(text)
        except yamldoc.YamlError:
            continue
        for document in documents:
            for scalar in _plain_scalars(document, []):
                assert _starts_at(text, scalar), (path, scalar.value, scalar.start_mark)
                checked += 1
    assert checked > 10_000


def test_flow_depth_matches_a_walk_that_floors_at_zero():
    generator = random.Random(3)

    def walked(text):
        depth = deepest = 0
        for char in text:
            if char in "[{":
                depth += 1
                deepest = max(deepest, depth)
            elif char in "]}" and depth:
                depth -= 1
        return deepest

    for _ in range(2000):
        text = "".join(generator.choice("[]{}a: ,\n") for _ in range(generator.randint(0, 60)))
        assert yamldoc._flow_depth(text) == walked(text), text
    assert yamldoc._flow_depth("]]]" + "[" * 5) == 5  # stray closers first: floored at 0
    assert yamldoc._flow_depth("[[x]]" * 3) == 2


def _deep_finding(text):
    try:
        yamldoc.compose_all(text)
    except yamldoc.YamlError as error:
        return error.message, error.line, error.column
    return None


DEEP_TEXTS = [
    "[" * 5000 + "]" * 5000,
    "a: " + "{b: " * 1200 + "c" + "}" * 1200,
    "image: " + "[" * 3000 + "\n",
    "- " * 3000 + "x\n",
    "".join(" " * level + "k:\n" for level in range(1500)),
    "".join(" " * level + "-\n" for level in range(1500)),
    "? " * 3000 + "x\n",
    "ok: 1\n---\n" + "[" * 1001 + "]" * 1001 + "\n",
]


@pytest.mark.skipif(not yamldoc._NESTING_LIMITED_BY_LIBYAML, reason="libyaml before 0.2.6 has no nesting limit")
@pytest.mark.parametrize("text", DEEP_TEXTS, ids=range(len(DEEP_TEXTS)))
def test_deep_nesting_gives_the_same_finding_with_and_without_libyamls_limit(text, monkeypatch):
    """libyaml 0.2.6 refuses the text itself and policylint places the finding; an older libyaml
    is protected by the pre-scan. Both give the same message at the same place."""
    with_limit = _deep_finding(text)
    monkeypatch.setattr(yamldoc, "_NESTING_LIMITED_BY_LIBYAML", False)
    assert with_limit is not None and "nested deeper than" in with_limit[0]
    assert _deep_finding(text) == with_limit


@pytest.mark.skipif(not yamldoc._NESTING_LIMITED_BY_LIBYAML, reason="libyaml before 0.2.6 has no nesting limit")
def test_deep_looking_text_that_is_not_nesting_is_read():
    """A line of 1,000 spaces or dashes in a block scalar looks deep to the pre-scan alone; where
    libyaml itself limits nesting it is read as what it is."""
    text = "data: |\n  art:\n  " + " " * 1200 + "x\n  " + "-" * 1200 + "\nimage: nginx:1.27\n"
    (document,) = yamldoc.compose_all(text)
    assert yamldoc.scalar_text(yamldoc.get(document, "image")) == "nginx:1.27"


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_positions_count_lines_at_newlines_only(separator):
    """YAML 1.1 makes NEL, U+2028 and U+2029 line breaks; editors, annotations and `fix` do not."""
    text = f'a: "x{separator}y"\nimage: nginx\n'
    (document,) = yamldoc.compose_all(text)
    key = document.value[1][0]
    assert (key.value, yamldoc.node_position(key)) == ("image", (2, 1))
    with pytest.raises(yamldoc.YamlError) as raised:
        yamldoc.compose_all(f'a: "x{separator}y"\nb: ]\n')
    assert (raised.value.line, raised.value.column) == (2, 4)
