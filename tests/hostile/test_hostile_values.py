"""Hostile values: an `image:` that is a number, a list, a map, null, empty, full of control
characters or 10,000 characters long, in every YAML kind; and every invalid reference form of
SPEC §2 in every kind. Each is either no reference or an `invalid-reference` finding at the
value's own position, never a crash."""

from __future__ import annotations

import re
from typing import List, Tuple

import pytest
from hostile_support import YAML_KINDS, image_document, yaml_quoted
from test_reference import INVALID

from policylint import engine
from policylint.model import Finding, SourceFile
from policylint.policy import default_policy

OPTIONS = engine.EngineOptions(policy=default_policy())
PATHS = {"compose": "compose.yaml", "kubernetes": "deploy.yaml", "helm": "values.yaml",
         "kustomize": "kustomization.yaml", "yaml": "deploy.yaml", "dockerfile": "Dockerfile"}
# Where image_document puts the value: (line, column) of its first character.
VALUE_AT = {"compose": (3, 12), "kubernetes": (8, 14), "yaml": (8, 14), "helm": (1, 8), "kustomize": (3, 14)}


def check(kind: str, text: str) -> List[Finding]:
    source = SourceFile(path=PATHS[kind], kind=kind, data=text.encode("utf-8", "surrogatepass"))
    report = engine.check_source(source, OPTIONS)
    for finding in report.findings:
        assert finding.location.line >= 1 and finding.location.column >= 1
    return report.findings


def rules(findings: List[Finding]) -> List[Tuple[str, int, int]]:
    return [(f.rule, f.location.line, f.location.column) for f in findings]


NOT_REFERENCES = {
    "number": "12",
    "float": "1.5",
    "hex": "0x1f",
    "bool": "true",
    "null": "null",
    "tilde": "~",
    "nothing": "",
    "empty-string": '""',
    "blank-string": "'   '",
    "list": "[nginx, redis]",
    "block-list": "\n        - nginx",
    "map": "{other: nginx}",
    "empty-map": "{}",
    "nested": "[[[{a: [b]}]]]",
    "anchor-to-map": "&x {a: *x}",
}


@pytest.mark.parametrize("kind", YAML_KINDS)
@pytest.mark.parametrize("name", sorted(NOT_REFERENCES))
def test_values_that_are_not_strings(kind: str, name: str) -> None:
    value = NOT_REFERENCES[name]
    if kind in ("compose", "kubernetes", "yaml", "kustomize") and name in REFUSED:
        # compose's schema, the API server and kustomize want a string: the tool refuses the file
        (finding,) = check(kind, image_document(kind, value))
        line, column = VALUE_AT[kind]
        where = (line + 1, 9) if name == "block-list" else (line, column)
        assert (finding.rule, finding.location.line, finding.location.column) == ("parse-error", *where)
        assert finding.message.startswith(("image must be a string, not a", "newName must be a string, not a"))
        return
    assert rules(check(kind, image_document(kind, value))) == []


# What compose, Kubernetes and kustomize refuse as an image; a null or empty one is only no image.
REFUSED = {"number", "float", "hex", "bool", "list", "block-list", "map", "empty-map", "nested", "anchor-to-map"}


HOSTILE_STRINGS = {
    "escape-sequence": "\x1b[31mnginx\x1b[0m:1",
    "bell": "nginx:1\x07",
    "backspaces": "nginx:1" + "\b" * 7 + "evil:latest",
    "carriage-return": "evil:latest\rnginx:1",
    "newline": "nginx:1\nevil:latest",
    "bidi-override": "nginx:\u202e1.2\u202c",
    "zero-width": "ng\u200binx:1",
    "c1-control": "nginx:1\x9b31m",
    "del": "nginx\x7f:1",
    "line-separator": "nginx:1\u2028",
    "name-10000": "a" * 10_000,
    "tag-10000": "nginx:" + "a" * 10_000,
    "path-10000": "a/" * 5_000 + "a",
    "digest-10000": "nginx@sha256:" + "f" * 10_000,
    "non-bmp": "nginx:\U0001f600",
    "fullwidth": "ｎｇｉｎｘ:1",
}


@pytest.mark.parametrize("kind", YAML_KINDS)
@pytest.mark.parametrize("name", sorted(HOSTILE_STRINGS))
def test_hostile_strings_are_invalid_references_at_the_value(kind: str, name: str) -> None:
    text = HOSTILE_STRINGS[name]
    findings = check(kind, image_document(kind, yaml_quoted(text)))
    if kind == "kustomize" and text != text.strip():  # kustomize values are read stripped
        text = text.strip()
        assert rules(findings) == [] and text == "nginx:1"
        return
    line, column = VALUE_AT[kind]
    assert rules(findings) == [("invalid-reference", line, column + 1)]  # past the opening quote
    assert findings[0].image == text


@pytest.mark.parametrize("name", sorted(HOSTILE_STRINGS))
def test_hostile_strings_in_a_dockerfile(name: str) -> None:
    text = HOSTILE_STRINGS[name]
    findings = check("dockerfile", f"FROM {text}\n")
    if not _dockerfile_literal(text):  # a line break ends the instruction, Unicode spaces are trimmed
        # a split FROM is one Docker refuses (parse-error); its first word is still judged
        assert all(f.rule in ("invalid-reference", "tag-denied", "tag-missing", "parse-error") for f in findings)
        return
    assert rules(findings) == [("invalid-reference", 1, 6)]
    assert findings[0].image == text


def _dockerfile_literal(text: str) -> bool:
    """Text that a Dockerfile's FROM reads literally (no spaces, quotes, escapes or variables)."""
    spaces = r"[\s$'\"\\\x00\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    return bool(text) and not re.search(spaces, text) and not text.startswith("-") and text.lower() != "scratch"


INVALID_TEXTS = [text for text, _ in INVALID]


@pytest.mark.parametrize("kind", ["dockerfile", *YAML_KINDS])
def test_every_invalid_reference_form_is_a_finding_in_every_kind(kind: str) -> None:
    checked = 0
    for text in INVALID_TEXTS:
        if not text.strip() or "{{" in text or ("$" in text and kind != "helm"):
            continue  # blank is no reference; templates and variables are reported otherwise
        if kind == "kustomize" and text != text.strip():
            continue  # kustomize values are read stripped
        if kind == "dockerfile":
            if not _dockerfile_literal(text):
                continue
            document = f"FROM {text}\n"
            position = (1, 6)
        else:
            document = image_document(kind, yaml_quoted(text))
            line, column = VALUE_AT[kind]
            position = (line, column + 1)
        findings = check(kind, document)
        assert rules(findings) == [("invalid-reference", *position)], (kind, text)
        assert findings[0].image == text
        checked += 1
    assert checked >= 120
