"""Bulk inserts on the hot path: a Core INSERT compiled once for the engine's dialect, run as one executemany.

SQLAlchemy processes every parameter of every row on its way to the driver (about 6 µs a row here); a
weekly batch is 30-60 rows, and that processing was the largest single cost of an ingest. The statement is
still compiled by SQLAlchemy for the dialect; only the rows go to the driver as built here, so values must
already be what the driver takes: Python numbers, strings, None, and dates (turned into SQLAlchemy's own
ISO text on SQLite, passed as ``date`` to every other driver).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine


class BulkInsert:
    """``INSERT INTO table (every column) VALUES (...)`` for many rows at once; or ``statement``, an
    insert-like statement taking every column of ``table`` as its parameters (an upsert)."""

    def __init__(self, engine: Engine, table: sa.Table, statement: Any = None) -> None:
        compiled = (statement if statement is not None else table.insert()).compile(dialect=engine.dialect)
        self.sql = str(compiled)
        self.table = table
        self.positional = bool(compiled.positional)
        self.names: tuple[str, ...] = tuple(compiled.positiontup or ()) if self.positional else tuple(
            column.name for column in table.columns)
        getter = operator.itemgetter(*self.names)
        self._row_values = getter if len(self.names) > 1 else (lambda row: (getter(row),))
        # SQLite takes dates as SQLAlchemy stores them there, as ISO text: the positions of the DATE columns.
        dates = {column.name for column in table.columns if isinstance(column.type, sa.Date)}
        sqlite = engine.dialect.name == "sqlite"
        self._text_dates = tuple(index for index, name in enumerate(self.names) if sqlite and name in dates)

    def _positional(self, row: dict[str, Any]) -> tuple[Any, ...]:
        values: tuple[Any, ...] = self._row_values(row)
        if not self._text_dates:
            return values
        converted = list(values)
        for index in self._text_dates:
            if converted[index] is not None:
                converted[index] = converted[index].isoformat()
        return tuple(converted)

    def execute(self, connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
        """Insert ``rows`` (each with every column) in one driver executemany."""
        if not rows:
            return
        if self.positional:
            params: list[Any] = [self._positional(row) for row in rows]
        else:
            params = [{name: row[name] for name in self.names} for row in rows]
        connection.exec_driver_sql(self.sql, params)


class DriverQuery:
    """A SELECT compiled once for the engine's dialect, run at the driver with named parameters: rows come
    back as the driver gives them (dates as ISO text on SQLite)."""

    def __init__(self, engine: Engine, statement: sa.Select[Any]) -> None:
        compiled = statement.compile(dialect=engine.dialect)
        self.sql = str(compiled)
        self.names: tuple[str, ...] = tuple(compiled.positiontup or ()) if compiled.positional else ()
        self._sqlite = engine.dialect.name == "sqlite"

    def rows(self, connection: Connection, **params: Any) -> list[tuple[Any, ...]]:
        if self._sqlite:
            params = {name: value.isoformat() if isinstance(value, date) else value for name, value in params.items()}
        given: Any = tuple(params[name] for name in self.names) if self.names else params
        return [tuple(row) for row in connection.exec_driver_sql(self.sql, given)]
