"""`NamedTuple` for policylint's records, cheap to define when policylint starts.

policylint defines about 25 records, and a one-file check (the pre-commit case) defines them all
before it reads its one file. Two costs are avoided:

- importing `typing` (about a third of the interpreter's own start); modules import their
  annotations' names under `if TYPE_CHECKING:` and their record base from here;
- `collections.namedtuple`, which compiles a fresh `__new__` from source for every record
  (about 60% of defining one): here records with the same number of fields share one compiled
  `__new__`, renamed to their fields, so it binds arguments and defaults exactly as namedtuple's
  does, at the same speed.

    from policylint.records import NamedTuple

    class Location(NamedTuple):
        path: str
        line: int = 1

Type checkers see `typing.NamedTuple`. At run time the class statement makes a tuple subclass
with what typing.NamedTuple gives: the annotated fields and their defaults, `_fields`,
`_field_defaults`, `_make`, `_replace`, `_asdict`, a repr, pickling, and the class body's
docstring, methods and properties.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NamedTuple as NamedTuple
else:
    from operator import itemgetter

    try:
        from _collections import _tuplegetter  # what namedtuple's fields use: faster than a property
    except ImportError:  # pragma: no cover - other interpreters
        def _tuplegetter(index: int, doc: str) -> property:
            return property(itemgetter(index), doc=doc)

    # typing.NamedTuple's rules: these names belong to namedtuple and cannot be redefined;
    # the first three are not copied onto the class.
    _NOT_COPIED = frozenset({"__module__", "__name__", "__annotations__"})
    _PROHIBITED = frozenset({"__new__", "__init__", "__slots__", "__getnewargs__", "_fields", "_field_defaults",
                             "_make", "_replace", "_asdict", "_source"})

    # `__new__` templates by arity, written out so they come compiled in the bytecode cache: an
    # eval per arity cost a one-file run about 3% of its instructions. Wider records compile one.
    _tuple_new = tuple.__new__
    _NEW_BY_ARITY: dict = {
        1: lambda _, a: _tuple_new(_, (a,)),
        2: lambda _, a, b: _tuple_new(_, (a, b)),
        3: lambda _, a, b, c: _tuple_new(_, (a, b, c)),
        4: lambda _, a, b, c, d: _tuple_new(_, (a, b, c, d)),
        5: lambda _, a, b, c, d, e: _tuple_new(_, (a, b, c, d, e)),
        6: lambda _, a, b, c, d, e, f: _tuple_new(_, (a, b, c, d, e, f)),
        7: lambda _, a, b, c, d, e, f, g: _tuple_new(_, (a, b, c, d, e, f, g)),
        8: lambda _, a, b, c, d, e, f, g, h: _tuple_new(_, (a, b, c, d, e, f, g, h)),
        9: lambda _, a, b, c, d, e, f, g, h, i: _tuple_new(_, (a, b, c, d, e, f, g, h, i)),
        10: lambda _, a, b, c, d, e, f, g, h, i, j: _tuple_new(_, (a, b, c, d, e, f, g, h, i, j)),
        11: lambda _, a, b, c, d, e, f, g, h, i, j, k: _tuple_new(_, (a, b, c, d, e, f, g, h, i, j, k)),
        12: lambda _, a, b, c, d, e, f, g, h, i, j, k, m: _tuple_new(_, (a, b, c, d, e, f, g, h, i, j, k, m)),
        13: lambda _, a, b, c, d, e, f, g, h, i, j, k, m, n: _tuple_new(_, (a, b, c, d, e, f, g, h, i, j, k, m, n)),
    }

    def _make_new(typename: str, fields: tuple, defaults: tuple):  # type: ignore[no-untyped-def]
        """`__new__(cls, *fields)` for a record: the shared one for its arity, with its field names."""
        template = _NEW_BY_ARITY.get(len(fields))
        if template is None:
            names = "".join(f"_{index}, " for index in range(len(fields)))
            template = eval(f"lambda _cls, {names}: _tuple_new(_cls, ({names}))", {"_tuple_new": _tuple_new})
            _NEW_BY_ARITY[len(fields)] = template
        code = template.__code__.replace(co_varnames=("_cls", *fields), co_name="__new__")
        if hasattr(code, "co_qualname"):  # Python 3.11+
            code = code.replace(co_qualname=f"{typename}.__new__")
        return type(template)(code, template.__globals__, "__new__", defaults or None)

    class _Record(tuple):
        """What every record shares; the per-record parts are set by `_RecordMaker`."""

        __slots__ = ()
        _fields: tuple = ()
        _field_defaults: dict = {}

        @classmethod
        def _make(cls, iterable):  # type: ignore[no-untyped-def]
            record = tuple.__new__(cls, iterable)
            if len(record) != len(cls._fields):
                raise TypeError(f"Expected {len(cls._fields)} arguments, got {len(record)}")
            return record

        def _replace(self, /, **changes):  # type: ignore[no-untyped-def]
            record = self._make(map(changes.pop, self._fields, self))
            if changes:
                raise TypeError(f"Got unexpected field names: {list(changes)!r}")
            return record

        def _asdict(self) -> dict:
            return dict(zip(self._fields, self))

        def __repr__(self) -> str:
            values = ", ".join(f"{name}={value!r}" for name, value in zip(self._fields, self))
            return f"{type(self).__name__}({values})"

        def __getnewargs__(self) -> tuple:
            return tuple(self)

    class _RecordMaker(type):
        def __new__(mcs, typename: str, bases: tuple, namespace: dict):  # type: ignore[no-untyped-def]
            annotations = namespace.get("__annotations__", {})
            fields = tuple(annotations)
            defaults = []
            for field in fields:
                if field in namespace:
                    defaults.append(namespace[field])
                elif defaults:
                    raise TypeError(f"non-default field {field!r} follows a default field in {typename}")
            body = {}
            for key, value in namespace.items():
                if key in _PROHIBITED:
                    raise AttributeError(f"cannot overwrite NamedTuple attribute {key}")
                if key not in _NOT_COPIED and key not in annotations:
                    body[key] = value
            body.update({
                "__slots__": (), "__module__": namespace.get("__module__"), "__annotations__": dict(annotations),
                "__match_args__": fields, "_fields": fields,
                "_field_defaults": dict(zip(fields[len(fields) - len(defaults):], defaults)),
                "__new__": _make_new(typename, fields, tuple(defaults)),
            })
            body["__new__"].__annotations__ = body["__annotations__"]  # as typing's, for inspect
            body.setdefault("__doc__", f"{typename}({', '.join(fields)})")
            for index, field in enumerate(fields):
                body[field] = _tuplegetter(index, f"Alias for field number {index}")
            return type.__new__(type, typename, (_Record,), body)

    NamedTuple = type.__new__(_RecordMaker, "NamedTuple", (), {})
