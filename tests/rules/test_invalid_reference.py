import pytest
from helpers import findings, lint


@pytest.mark.parametrize("image", ["Nginx:1.25", "nginx:-bad", "nginx@sha256:abc", "a" * 300 + ":1"])
def test_invalid_reference_reported(image):
    assert lint(f"FROM {image}\n") == [("invalid-reference", 1, 6)]


def test_message_says_why():
    (finding,) = findings("FROM Nginx:1.25\n")
    assert "lowercase" in finding.message
    assert finding.message.startswith("Nginx:1.25")


def test_valid_reference_not_reported():
    assert lint("FROM nginx:1.25\n") == []


def test_yaml_reference_invalid():
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: 'Bad Image'\n"
    assert lint(text, kind="yaml", path="pod.yaml") == [("invalid-reference", 7, 13)]
