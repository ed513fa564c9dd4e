"""`Merged.get`, the memoized lookup the YAML scanners share, against `yamldoc.get`, which
follows `<<` merges the plain way (own keys first, then merge sources depth first)."""

from __future__ import annotations

import random

import pytest

from policylint import yamldoc
from policylint.scanners._yaml_common import Merged

KEYS = ["image", "name", "<<", "kind", "missing"]

TEXTS = [
    "a: &a {image: x, name: n}\nb: {<<: *a, image: y}\nc: {image: z, <<: *a}\nd: {<<: *a}\n",
    "a: &a {image: x}\nb: &b {name: n, <<: *a}\nc: {<<: [*b, {image: w}], kind: k}\n",
    "a: {'<<': {image: q}, image: own}\nb: {\"<<\": x, image: p}\n",  # a quoted `<<` is a plain key
    "a: &a {image: x}\nb: {!!merge m: *a, name: n}\n",  # an explicitly tagged merge key
    "a: {[1, 2]: list-key, image: x, image: second}\n",  # a collection as a key; the first one wins
    "a: &a {image: x}\nb: &b {<<: *a}\nc: {<<: *b, <<: {image: later}}\n",
    "a: &a {name: n}\nb: {<<: [*a, *a], kind: k}\n",
]


def _mappings(node, seen=None):
    seen = set() if seen is None else seen
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yamldoc.MappingNode):
        yield node
        for key, value in node.value:
            yield from _mappings(key, seen)
            yield from _mappings(value, seen)
    elif isinstance(node, yamldoc.SequenceNode):
        for item in node.value:
            yield from _mappings(item, seen)


def _same_as_plain_lookup(text: str) -> int:
    compared = 0
    for document in yamldoc.compose_all(text):
        merged = Merged()
        for mapping in _mappings(document):
            for key in KEYS:
                assert merged.get(mapping, key) is yamldoc.get(mapping, key), (text, key)
                compared += 1
    return compared


@pytest.mark.parametrize("text", TEXTS)
def test_lookup_matches_the_plain_one(text: str) -> None:
    assert _same_as_plain_lookup(text) > 0


def test_lookup_matches_the_plain_one_on_random_documents() -> None:
    rng = random.Random(5)
    compared = 0
    for _ in range(300):
        anchors = []
        lines = []
        for index in range(rng.randint(1, 6)):
            pairs = []
            for _ in range(rng.randint(0, 4)):
                choice = rng.random()
                if choice < 0.3 and anchors:
                    pairs.append("<<: " + rng.choice([f"*{rng.choice(anchors)}",
                                                      "[" + ", ".join(f"*{a}" for a in rng.sample(anchors, 1)) + "]"]))
                else:
                    pairs.append(f"{rng.choice(KEYS[:2] + ['kind'])}: v{rng.randint(0, 9)}")
            lines.append(f"m{index}: &a{index} {{{', '.join(pairs)}}}")
            anchors.append(f"a{index}")
        compared += _same_as_plain_lookup("\n".join(lines) + "\n")
    assert compared > 1000


def test_a_repeated_key_answers_with_its_last_value_as_lenient_loaders_do() -> None:
    """Helm (sigs.k8s.io/yaml) and PyYAML keep the last value of a repeated key; own keys still
    win over merged ones, wherever the merge key stands. Scanners drop the earlier pairs of a
    document with a repeated key (`keep_last_values`) once `duplicate_key` has found it."""
    import yaml

    text = ("base: &b {image: merged, tag: m}\nitem:\n  image: first\n  <<: *b\n  image: last\n  other: 1\n"
            "list:\n- {a: 1, a: 2, <<: *b, <<: *b}\n")
    (document,) = yamldoc.compose_all(text)
    assert yamldoc.duplicate_key(document) is not None
    yamldoc.keep_last_values(document)
    assert yamldoc.duplicate_key(document) is None
    item = yamldoc.get(document, "item")
    assert yamldoc.get(item, "image").value == "last"
    assert Merged().get(item, "image").value == "last"
    assert yamldoc.get(item, "tag").value == "m"
    pairs = [(key.value, value.value) for key, value in yamldoc.mapping_items(item)]
    assert pairs == [("image", "last"), ("other", "1"), ("tag", "m")]
    assert yaml.safe_load(text)["item"] == {"image": "last", "other": 1, "tag": "m"}
    (entry,) = yamldoc.get(document, "list").value
    assert [key.value for key, _ in entry.value] == ["a", "<<", "<<"] and yamldoc.get(entry, "a").value == "2"
