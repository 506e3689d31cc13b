"""Plain value classes for the start-up path, instead of dataclasses.

``@dataclass`` writes and compiles the source of ``__init__``, ``__eq__`` and ``__repr__``
for every class when its module is imported: about 0.4 ms each, and a search used to define
a dozen before printing anything (issue 14).  A :class:`Record` subclass lists its fields
in ``__slots__`` and writes its own ``__init__``; equality and ``repr`` come from here,
defined once.
"""

from __future__ import annotations

from typing import Any


class Record:
    """Equality and ``repr`` by the fields named in ``__slots__``; unhashable, like a dataclass."""

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]  # mutable values, compared by content

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        fields = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
        return f"{type(self).__name__}({fields})"


class FrozenRecord(Record):
    """A Record that is hashable: for values never changed after they are made."""

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self._values())
