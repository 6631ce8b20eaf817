"""Bulk writes on the hot path: one statement per table and group commit, compiled once, run at the driver.

SQLAlchemy processes every parameter of every row on its way to the driver (about 6 µs a row here), and
psycopg runs an executemany as one prepared execution per row (about 50 µs of Python each); a weekly batch
is 30-60 rows. So rows are tuples in the table's column order, handed to the driver as they are:

- SQLite (and SQL Server): one ``executemany`` of the compiled INSERT (the sqlite3 module loops in C);
- PostgreSQL: one ``INSERT ... SELECT ... FROM json_array_elements(:rows)``, the whole group's rows as one
  JSON text (``json.dumps`` in C; psycopg's array dumpers work element by element in Python), a single
  execution whatever the group's size. JSON numbers are the shortest text that round-trips a double, so
  every value arrives exactly.

Values must already be what the driver takes: Python numbers, strings, None, and dates as
``driver_date`` gives them (ISO text on SQLite and PostgreSQL, ``date`` on SQL Server).
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Engine

from printernizer_stats.maintainers.server._upsert import UpdateRule, upsert


def json_source(table: sa.Table, dialect: sa.Dialect) -> sa.TextClause:
    """``SELECT CAST(r ->> 0 AS type), ... FROM json_array_elements(CAST(:rows AS json)) AS r`` over every
    column of ``table`` (PostgreSQL): the rows arrive as one JSON array of arrays.

    Strings as TEXT: an explicit cast to VARCHAR(n) would truncate an over-long value, where the INSERT's
    own assignment to the column refuses it."""
    def sql_type(column: sa.Column[Any]) -> str:
        return "TEXT" if isinstance(column.type, sa.String) else column.type.compile(dialect)

    values = ", ".join(f"CAST(r ->> {index} AS {sql_type(column)})" for index, column in enumerate(table.columns))
    return sa.text(f"SELECT {values} FROM json_array_elements(CAST(:rows AS json)) AS r")  # noqa: S608 - schema only


class BulkInsert:
    """``INSERT INTO table (every column) ...`` for many rows at once; with ``keys``, an upsert by those
    columns (``updates``: the new values of an existing row; none: leave it alone)."""

    def __init__(self, engine: Engine, table: sa.Table, keys: Sequence[str] = (),
                 updates: UpdateRule | None = None) -> None:
        dialect = engine.dialect
        self.table = table
        self.names: tuple[str, ...] = tuple(column.name for column in table.columns)
        self.as_json = dialect.name == "postgresql"
        self.text_dates = dialect.name in {"sqlite", "postgresql"}
        if self.as_json:
            source = json_source(table, dialect).columns(*(sa.column(name) for name in self.names))
            statement: Any = (upsert(dialect.name, table, keys, updates, source=source) if keys
                              else postgresql.insert(table).from_select(list(self.names), source))
        else:
            statement = upsert(dialect.name, table, keys, updates) if keys else table.insert()
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        if not self.as_json and compiled.positional and tuple(compiled.positiontup or ()) != self.names:
            raise ValueError(f"{table.name}: the compiled INSERT does not take the columns in table order")
        self._values = operator.itemgetter(*self.names)
        self._dates = tuple(i for i, column in enumerate(table.columns)
                            if self.text_dates and isinstance(column.type, sa.Date))

    def driver_date(self, value: date) -> date | str:
        """A DATE as this statement takes it: ISO text on SQLite (as SQLAlchemy stores it) and PostgreSQL
        (inside the JSON), else the date."""
        return value.isoformat() if self.text_dates else value

    def row(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """The row of a mapping of every column, dates as ``driver_date`` gives them."""
        row: tuple[Any, ...] = self._values(values)
        if not self._dates:
            return row
        converted = list(row)
        for index in self._dates:
            if converted[index] is not None:
                converted[index] = converted[index].isoformat()
        return tuple(converted)

    def execute(self, connection: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert ``rows`` (tuples in column order, dates as ``driver_date`` gives them) in one statement."""
        if not rows:
            return
        if self.as_json:
            connection.exec_driver_sql(self.sql, {"rows": json.dumps(rows, allow_nan=False)})
        else:
            connection.exec_driver_sql(self.sql, list(rows))


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


class InQuery:
    """``build(parameters)``: a SELECT whose WHERE holds ``column IN (parameters)``, compiled once for each
    count of values (callers chunk their values, 500 at most, so at most that many statements) and run at the
    driver like ``DriverQuery``, where SQLAlchemy would build and look up the statement again for every group."""

    def __init__(self, engine: Engine, build: Callable[[list[sa.BindParameter[Any]]], sa.Select[Any]]) -> None:
        self._engine = engine
        self._build = build
        self._queries: dict[int, DriverQuery] = {}

    def rows(self, connection: Connection, values: Sequence[Any]) -> list[tuple[Any, ...]]:
        query = self._queries.get(len(values))
        if query is None:
            query = self._queries[len(values)] = DriverQuery(
                self._engine, self._build([sa.bindparam(f"in_{i}") for i in range(len(values))]))
        return query.rows(connection, **{f"in_{i}": value for i, value in enumerate(values)})
