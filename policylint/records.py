"""`NamedTuple` for policylint's records, without importing `typing` when policylint runs.

Importing `typing` costs a one-file check (the pre-commit case) about a third of the
interpreter's own start; policylint needs it only for type checkers. Modules therefore import
their annotations' names under `if TYPE_CHECKING:` and their record base from here:

    from policylint.records import NamedTuple

    class Location(NamedTuple):
        path: str
        line: int = 1

Type checkers see `typing.NamedTuple`. At run time the class statement makes what
typing.NamedTuple makes: a `collections.namedtuple` with the annotated fields, their defaults,
and the class body's docstring, methods and properties.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NamedTuple as NamedTuple
else:
    import collections

    # typing.NamedTuple's rules: these names belong to namedtuple and cannot be redefined;
    # the first three are not copied onto the class.
    _NOT_COPIED = frozenset({"__module__", "__name__", "__annotations__"})
    _PROHIBITED = frozenset({"__new__", "__init__", "__slots__", "__getnewargs__", "_fields", "_field_defaults",
                             "_make", "_replace", "_asdict", "_source"})

    class _RecordMaker(type):
        def __new__(mcs, typename: str, bases: tuple, namespace: dict):  # type: ignore[no-untyped-def]
            annotations = namespace.get("__annotations__", {})
            defaults = []
            for field in annotations:
                if field in namespace:
                    defaults.append(namespace[field])
                elif defaults:
                    raise TypeError(f"non-default field {field!r} follows a default field in {typename}")
            record = collections.namedtuple(typename, list(annotations), defaults=defaults,
                                            module=namespace.get("__module__"))
            record.__annotations__ = dict(annotations)
            for key, value in namespace.items():
                if key in _PROHIBITED:
                    raise AttributeError(f"cannot overwrite NamedTuple attribute {key}")
                if key not in _NOT_COPIED and key not in annotations:
                    setattr(record, key, value)
            return record

    NamedTuple = type.__new__(_RecordMaker, "NamedTuple", (), {})
