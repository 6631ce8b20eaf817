"""Rows against their columns, before any SQL: every string ASCII and within its column's length. Pure.

Validation already holds every value to the registry's formats and closed sets, and the columns' lengths are
derived from the same registry; this is the last check before the database, so that a gap in validation is
a 400 naming the column rather than a database error (PostgreSQL refuses an over-long value, SQLite stores it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa


class ColumnLimits:
    """The string columns of some tables, their positions in a row (column order) and their lengths, read
    from the tables themselves."""

    __slots__ = ("_lengths",)

    def __init__(self, tables: Iterable[sa.Table]) -> None:
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
        return None
