"""Offset maps (normalized position → original index, stored as runs) and the characters
normalization drops or keeps as a separator: shared by ``normalize`` and ``normalize_bulk``."""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from typing import overload

ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u200e\u200f")
SEPARATOR = "\x00"  # between the texts ``normalize_many`` joins: NFKC and fold keep it, no space


class OffsetMap(Sequence[int]):
    """``offsets[i]``: the index in the original of normalized character ``i``, for
    ``0 <= i <= n`` (``offsets[n]`` is the length of the original).

    Stored as runs, not one integer per character: run ``k`` starts at normalized position
    ``starts[k]`` and maps ``i`` to ``origins[k] + (i - starts[k])`` until the next run. Text
    that only lost a few spaces or zero-width characters has a handful of runs, so the map
    costs bytes, not the ~36 bytes a character a tuple of ints did (issue 17).
    """

    __slots__ = ("_starts", "_origins", "_len")

    def __init__(self, starts: array[int], origins: array[int], length: int) -> None:
        self._starts = starts
        self._origins = origins
        self._len = length

    @classmethod
    def identity(cls, n: int) -> OffsetMap:
        return cls(array("q", [0]), array("q", [0]), n + 1)

    @property
    def runs(self) -> int:
        return len(self._starts)

    def pack(self) -> bytes | None:
        """The runs as bytes (starts, then origins; None for the identity map)."""
        if len(self._starts) == 1 and self._starts[0] == 0 and self._origins[0] == 0:
            return None
        return self._starts.tobytes() + self._origins.tobytes()

    @classmethod
    def unpack(cls, packed: bytes | None, length: int) -> OffsetMap:
        """The map ``pack`` gave (``length``: len(normalized text) + 1)."""
        if packed is None:
            return cls.identity(length - 1)
        both = array("q")
        both.frombytes(packed)
        k = len(both) // 2
        return cls(both[:k], both[k:], length)

    def part(self, lo: int, hi: int, base: int) -> OffsetMap:
        """The map of positions ``lo … hi`` (both included), renumbered from 0, with ``base``
        taken off every offset: one text's own map out of the map of a joined text."""
        starts, origins = self._starts, self._origins
        first = bisect_right(starts, lo) - 1
        last = bisect_right(starts, hi)
        if last - first == 1:
            return OffsetMap(
                array("q", [0]),
                array("q", [origins[first] + lo - starts[first] - base]),
                hi - lo + 1,
            )
        new_starts = array("q", [0])
        new_origins = array("q", [origins[first] + lo - starts[first] - base])
        for k in range(first + 1, last):
            new_starts.append(starts[k] - lo)
            new_origins.append(origins[k] - base)
        return OffsetMap(new_starts, new_origins, hi - lo + 1)

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, i: int) -> int: ...
    @overload
    def __getitem__(self, i: slice) -> list[int]: ...
    def __getitem__(self, i: int | slice) -> int | list[int]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._len))]
        if i < 0:
            i += self._len
        if not 0 <= i < self._len:
            raise IndexError("offset index out of range")
        k = bisect_right(self._starts, i) - 1
        return self._origins[k] + (i - self._starts[k])

    def __iter__(self) -> Iterator[int]:
        starts, origins = self._starts, self._origins
        for k in range(len(starts)):
            stop = starts[k + 1] if k + 1 < len(starts) else self._len
            yield from range(origins[k], origins[k] + stop - starts[k])

    def __repr__(self) -> str:
        return f"OffsetMap({self._len} offsets in {len(self._starts)} runs)"
