"""Severity: three singleton strings, ordered by rank, that behave as the text they name."""

import json
import pickle

import pytest

from policylint.model import Finding, Location, Severity


def test_there_is_one_of_each_and_they_iterate_most_serious_first():
    assert list(Severity) == ["error", "warning", "note"]
    assert [severity.rank for severity in Severity] == [3, 2, 1]
    assert Severity("error") is Severity.ERROR
    assert Severity("warning") is Severity.WARNING
    assert Severity("note") is Severity.NOTE
    assert Severity(Severity.NOTE) is Severity.NOTE


@pytest.mark.parametrize("text", ["ERROR", "fatal", "", None, 3])
def test_any_other_value_is_a_value_error(text):
    with pytest.raises(ValueError, match="is not a valid Severity"):
        Severity(text)


def test_each_reads_prints_and_encodes_as_its_text():
    severity = Severity.WARNING
    assert severity == "warning" and hash(severity) == hash("warning")
    assert severity.value == "warning" and type(severity.value) is str
    assert str(severity) == "warning" and f"{severity}" == "warning" and f"{severity:>8}" == " warning"
    assert json.dumps({"level": severity}) == '{"level": "warning"}'
    assert repr(severity) == "Severity.WARNING"
    assert {severity: 1}["warning"] == 1


def test_a_pickled_finding_comes_back_with_the_same_severity_object():
    finding = Finding("tag-missing", Severity.ERROR, "m", Location("p", 1, 1))
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        again = pickle.loads(pickle.dumps(finding, protocol))
        assert again == finding and again.severity is Severity.ERROR


def test_it_cannot_take_attributes():
    with pytest.raises(AttributeError):
        Severity.ERROR.extra = 1  # type: ignore[attr-defined]
