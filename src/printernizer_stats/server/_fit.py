"""Rows against their columns, before any SQL: every string ASCII and within its column's length. Pure.

Validation already holds every value to the registry's formats and closed sets, and the columns' lengths are
derived from the same registry; this is the last check before the database, so that a gap in validation is
a 400 naming the column rather than a database error (PostgreSQL refuses an over-long value, SQLite stores it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa


class ColumnLimits:
    """The string columns of some tables and their lengths, read from the tables themselves."""

    __slots__ = ("_lengths",)

    def __init__(self, tables: Iterable[sa.Table]) -> None:
        self._lengths: dict[str, tuple[tuple[str, int], ...]] = {
            table.name: tuple((column.name, column.type.length) for column in table.columns
                              if isinstance(column.type, sa.String) and column.type.length)
            for table in tables
        }

    def misfit(self, table: str, rows: Sequence[Mapping[str, Any]]) -> str | None:
        """The first column with a value that does not fit, named, or ``None`` (a column at a time, in C:
        this runs for every batch)."""
        for name, length in self._lengths[table]:
            values = [value for row in rows if (value := row.get(name)) is not None]
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
