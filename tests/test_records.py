"""policylint.records.NamedTuple makes the records typing.NamedTuple would make."""

import pickle
import typing

import pytest

from policylint.records import NamedTuple


class Point(NamedTuple):
    """A point."""

    x: int
    y: int = 0
    label: str = "origin"

    @property
    def norm(self) -> int:
        return abs(self.x) + abs(self.y)

    def moved(self, dx: int) -> "Point":
        return self._replace(x=self.x + dx)


class TypingPoint(typing.NamedTuple):
    """A point."""

    x: int
    y: int = 0
    label: str = "origin"


def test_fields_defaults_and_tuple_behaviour_match_typing():
    assert Point._fields == TypingPoint._fields == ("x", "y", "label")
    assert Point._field_defaults == TypingPoint._field_defaults
    assert tuple(Point(1)) == tuple(TypingPoint(1)) == (1, 0, "origin")
    assert Point(1, 2) == (1, 2, "origin") and hash(Point(1, 2)) == hash((1, 2, "origin"))
    assert repr(Point(1, label="a")) == "Point(x=1, y=0, label='a')"
    assert Point.__annotations__ == TypingPoint.__annotations__
    with pytest.raises(TypeError):
        Point()  # x has no default
    with pytest.raises(AttributeError):
        Point(1).x = 2  # immutable


def test_class_body_keeps_docstring_methods_and_properties():
    assert Point.__doc__ == "A point."
    assert Point(3, -4).norm == 7
    assert Point(1).moved(2) == Point(3)
    assert Point.__module__ == __name__ and Point.__qualname__ == "Point"


def test_records_pickle_by_name():
    point = Point(1, 2, "p")
    assert pickle.loads(pickle.dumps(point)) == point
    assert type(pickle.loads(pickle.dumps(point))) is Point


def test_refuses_what_typing_refuses():
    with pytest.raises(TypeError, match="non-default field 'b'"):
        class Bad(NamedTuple):
            a: int = 1
            b: int

    with pytest.raises(AttributeError, match="_replace"):
        class Worse(NamedTuple):
            a: int

            def _replace(self):  # namedtuple's own
                return self
