"""Rows against their columns, before any SQL: every string ASCII and within its column's length, every
integer within its column's range, every float finite. Pure.

Validation already holds every value to the registry's formats, closed sets and caps, and the columns are
derived from the same registry; this is the last check before the database, so that a gap in validation is
a 400 naming the column rather than a database error (PostgreSQL refuses an over-long value or an integer
beyond BIGINT, SQLite stores the one and its driver raises OverflowError for the other; SQL Server's INT is
32 bits).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

_INTEGER_BITS = ((sa.SmallInteger, 16), (sa.BigInteger, 64), (sa.Integer, 32))
"""Signed widths, most specific first (BigInteger and SmallInteger are Integers); the narrowest dialect's."""


def _integer_range(column_type: sa.types.TypeEngine[Any]) -> tuple[int, int] | None:
    for kind, bits in _INTEGER_BITS:
        if isinstance(column_type, kind):
            return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return None


_PLAIN_NUMBERS = frozenset({int, float})


def _numbers(values: Sequence[Any]) -> bool:
    """Whether every value is a number: their types collected in C first (a column of a group is hundreds
    of values), each value checked only when some type is not plainly int or float (bool, a subclass)."""
    return set(map(type, values)) <= _PLAIN_NUMBERS or all(isinstance(value, int | float) for value in values)


class ColumnLimits:
    """The string columns of some tables, their positions in a row (column order) and their lengths, read
    from the tables themselves."""

    __slots__ = ("_floats", "_integers", "_lengths")

    def __init__(self, tables: Iterable[sa.Table]) -> None:
        tables = list(tables)
        self._integers: dict[str, tuple[tuple[int, str, tuple[int, int]], ...]] = {
            table.name: tuple((index, column.name, bounds) for index, column in enumerate(table.columns)
                              if (bounds := _integer_range(column.type)) is not None)
            for table in tables
        }
        self._floats: dict[str, tuple[tuple[int, str], ...]] = {
            table.name: tuple((index, column.name) for index, column in enumerate(table.columns)
                              if isinstance(column.type, sa.Float))
            for table in tables
        }
        self._lengths: dict[str, tuple[tuple[int, str, int], ...]] = {
            table.name: tuple((index, column.name, column.type.length) for index, column in enumerate(table.columns)
                              if isinstance(column.type, sa.String) and column.type.length)
            for table in tables
        }

    def misfit(self, table: str, rows: Sequence[Sequence[Any]]) -> str | None:
        """The first column with a value that does not fit, named, or ``None``; ``rows`` are tuples in column
        order (a column at a time, in C: this runs for every group of batches)."""
        if not rows:
            return None
        columns = list(zip(*rows, strict=True))
        for index, name, length in self._lengths[table]:
            values = [value for value in columns[index] if value is not None]
            if not values:
                continue
            try:
                ascii_only = "".join(values).isascii()
            except TypeError:
                return f"{table}.{name}: not a string"
            if not ascii_only:
                return f"{table}.{name}: not an ASCII string"
            if max(map(len, values)) > length:
                return f"{table}.{name}: longer than its {length} characters"
        return self._number_misfit(table, columns)

    def _number_misfit(self, table: str, columns: Sequence[Sequence[Any]]) -> str | None:
        for index, name, (low, high) in self._integers[table]:
            values = [value for value in columns[index] if value is not None]
            if not values:
                continue
            if not _numbers(values):
                return f"{table}.{name}: not a number"
            if min(values) < low or max(values) > high:
                return f"{table}.{name}: outside the range of its column ({low}..{high})"
        for index, name in self._floats[table]:
            values = [value for value in columns[index] if value is not None]
            if not _numbers(values):
                return f"{table}.{name}: not a number"
            try:
                finite = all(map(math.isfinite, values))
            except OverflowError:  # an integer beyond any double
                finite = False
            if not finite:
                return f"{table}.{name}: not a finite number"
        return None
