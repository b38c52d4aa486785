"""Value classes without `dataclasses`: `==`, `hash` and `repr` from the fields, and `replace`.

A frozen dataclass compiles its `__init__`, `__repr__`, `__eq__`, `__setattr__` and
`__delattr__` with `exec` when its module is imported: about a millisecond a class, a third of a
`summarize --format json` process when the engine's ~50 value classes were dataclasses. Here a
class lists its fields in `__slots__` and writes its own `__init__` (storing each field with
`init`, since assignment is refused); `Frozen` gives it the rest, built from `__slots__`, the
same as the dataclass had: equality between instances of the same class field by field, a hash
of the fields, `Name(field=value, ...)` as repr, and `copy`/`pickle` through `__init__`.
`Record` is the same for a mutable class (no hash, plain assignment).

>>> class Point(Frozen):
...     __slots__ = ("x", "y")
...     def __init__(self, x: int, y: int = 0) -> None:
...         init(self, "x", x)
...         init(self, "y", y)
>>> p = Point(1)
>>> p, p == Point(1, 0), p == Point(1, 2), hash(p) == hash(Point(1, 0))
(Point(x=1, y=0), True, False, True)
>>> replace(p, y=5)
Point(x=1, y=5)
>>> p.x = 2
Traceback (most recent call last):
...
AttributeError: cannot assign to field 'x' of a frozen Point
"""

from __future__ import annotations

from typing import Any, TypeVar

V = TypeVar("V")

init = object.__setattr__  # stores a field of a Frozen instance (in its __init__ only)


def _fields_of(cls: type) -> tuple[str, ...]:
    """Every slot of the class and its bases, base classes' first, as a dataclass orders them."""
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        slots = klass.__dict__.get("__slots__", ())
        names += [slots] if isinstance(slots, str) else [s for s in slots if s not in names]
    return tuple(n for n in names if n not in ("__weakref__", "__dict__"))


class Record:
    """A mutable value: `==` field by field (same class only) and a dataclass's repr.
    `HIDDEN` fields (derived ones, such as an index) are left out of both."""

    __slots__ = ()
    FIELDS: tuple[str, ...] = ()
    HIDDEN: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.FIELDS = tuple(n for n in _fields_of(cls) if n not in cls.HIDDEN)

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.FIELDS)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]  # mutable: unhashable, as an eq dataclass

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.FIELDS)
        return f"{type(self).__qualname__}({shown})"


class Frozen(Record):
    """An immutable value: a Record whose fields are set once, by `__init__`, and hashable."""

    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field '{name}' of a frozen {type(self).__name__}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field '{name}' of a frozen {type(self).__name__}")

    def __hash__(self) -> int:
        return hash(self._values())

    def __reduce__(self) -> tuple[Any, ...]:  # copy and pickle: through __init__, fields in order
        return (type(self), self._values())


def replace(value: V, **changes: Any) -> V:
    """A copy of a Record or Frozen value with some fields changed (dataclasses.replace, which
    this hands a dataclass to: one `replace` for every value class of the project)."""
    if hasattr(type(value), "__dataclass_fields__"):
        import dataclasses

        return dataclasses.replace(value, **changes)  # type: ignore[type-var]
    fields = type(value).FIELDS  # type: ignore[attr-defined]
    for name in changes:
        if name not in fields:
            raise TypeError(f"{type(value).__name__} has no field '{name}'")
    return type(value)(**{name: changes.get(name, getattr(value, name)) for name in fields})
