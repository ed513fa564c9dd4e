"""policylint.records.NamedTuple makes the records typing.NamedTuple would make."""

import operator
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


class Size(NamedTuple):
    """Three fields, like Point: the two share one compiled __new__ under their own names."""

    width: int
    height: int = 1
    unit: str = "px"


class TypingSize(typing.NamedTuple):
    width: int
    height: int = 1
    unit: str = "px"


def test_records_of_one_arity_bind_their_own_names_and_defaults():
    assert Size(width=2, unit="em") == (2, 1, "em")
    assert Point(y=5, x=1) == (1, 5, "origin")
    assert Size.__new__.__code__ is not Point.__new__.__code__
    assert Size.__new__.__defaults__ == (1, "px") and Point.__new__.__defaults__ == (0, "origin")
    with pytest.raises(TypeError, match="unexpected keyword argument 'x'"):
        Size(x=1)
    with pytest.raises(TypeError, match="multiple values for argument 'width'"):
        Size(1, width=2)
    with pytest.raises(TypeError):
        Size(1, 2, "em", 4)


def test_helpers_behave_as_typing_namedtuple():
    import inspect

    size, typing_size = Size(2, 3), TypingSize(2, 3)
    assert str(inspect.signature(Size)) == str(inspect.signature(TypingSize))
    assert size._asdict() == typing_size._asdict() == {"width": 2, "height": 3, "unit": "px"}
    assert Size._make([4, 5, "em"]) == TypingSize._make([4, 5, "em"]) == (4, 5, "em")
    assert size._replace(unit="em") == typing_size._replace(unit="em") == (2, 3, "em")
    assert repr(size) == repr(typing_size).replace("TypingSize", "Size")
    assert Size.__match_args__ == ("width", "height", "unit")  # for `match`, as 3.10+ namedtuples
    assert getattr(TypingSize, "__match_args__", Size.__match_args__) == Size.__match_args__
    assert Size.width.__doc__ == TypingSize.width.__doc__
    for bad in (lambda: Size._make([1, 2]), lambda: size._replace(depth=1)):
        with pytest.raises(TypeError):
            bad()
    with pytest.raises(TypeError, match="depth"):
        size._replace(depth=1)
    assert type(size._replace(width=9)) is Size


@pytest.mark.parametrize("arity", range(1, 21))
def test_every_arity_binds_fields_in_order_with_defaults(arity):
    """Arities up to 13 use a template written in records.py, wider ones one compiled there:
    a template that dropped, swapped or repeated a field would show here."""
    names = [f"f{index}" for index in range(arity)]
    annotations = dict.fromkeys(names, int)
    defaults = {names[-1]: -1}
    ours = type(NamedTuple)(f"Wide{arity}", (), {"__annotations__": annotations, **defaults})
    theirs = typing.NamedTuple(f"Wide{arity}", list(annotations.items()))
    values = list(range(10, 10 + arity))
    assert ours(*values) == theirs(*values) == tuple(values)
    assert ours(**dict(zip(names, values))) == tuple(values)
    assert ours(*values[:-1]) == (*values[:-1], -1)
    assert ours(*values)._asdict() == dict(zip(names, values))
    assert ours.__new__.__code__.co_varnames[:arity + 1] == ("_cls", *names)
    with pytest.raises(TypeError):
        ours(*values, 0)


def test_the_shared_empty_mapping_reads_as_an_empty_dict_and_cannot_change():
    from policylint.model import EMPTY_MAPPING, Finding, Location, Severity

    assert EMPTY_MAPPING == {} and operator.eq({}, EMPTY_MAPPING) and EMPTY_MAPPING != {"a": 1}
    assert dict(EMPTY_MAPPING) == {} and list(EMPTY_MAPPING) == [] and len(EMPTY_MAPPING) == 0 and not EMPTY_MAPPING
    assert "a" not in EMPTY_MAPPING and EMPTY_MAPPING.get("a") is None and EMPTY_MAPPING.get("a", 3) == 3
    assert list(EMPTY_MAPPING.items()) == list(EMPTY_MAPPING.keys()) == list(EMPTY_MAPPING.values()) == []
    with pytest.raises(KeyError):
        EMPTY_MAPPING["a"]
    with pytest.raises(TypeError):
        EMPTY_MAPPING["a"] = 1  # type: ignore[index]
    with pytest.raises(AttributeError):
        EMPTY_MAPPING.update({"a": 1})  # type: ignore[attr-defined]
    finding = Finding("tag-missing", Severity.ERROR, "m", Location("p", 1, 1))
    assert finding.context is EMPTY_MAPPING and finding == finding._replace(context={})
    assert pickle.loads(pickle.dumps(finding)).context is EMPTY_MAPPING
