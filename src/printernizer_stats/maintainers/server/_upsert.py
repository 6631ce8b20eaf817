"""One upsert for every dialect: ``INSERT ... ON CONFLICT`` on SQLite and PostgreSQL, ``MERGE`` on SQL Server.

SQLAlchemy has no MERGE construct, so ``Merge`` is a small compiled element (SQL Server only). It takes
``WITH (HOLDLOCK)`` on the target: without it two concurrent MERGEs of a new key can both insert.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement, ColumnElement, Executable, Selectable

Columns = Any
"""A column collection (``table.c``, ``excluded``, the MERGE target or source); typed loosely on purpose."""
UpdateRule = Callable[[Columns, Columns], Mapping[str, ColumnElement[Any]]]
"""(existing row, incoming row) -> column -> new value, for a row whose key already exists."""


def keep_existing(existing: Columns, incoming: Columns) -> Mapping[str, ColumnElement[Any]]:
    """An update rule that changes nothing: insert if absent, otherwise leave the row alone."""
    return {}


class Merge(Executable, ClauseElement):
    """``MERGE INTO table WITH (HOLDLOCK) USING (VALUES ...) ... WHEN MATCHED ... WHEN NOT MATCHED ...``."""

    inherit_cache = False

    def __init__(self, table: sa.Table, keys: Sequence[str], updates: UpdateRule) -> None:
        self.table = table
        self.keys = tuple(keys)
        self.updates = updates


@compiles(Merge)
def _merge_elsewhere(element: Merge, compiler: SQLCompiler, **kw: Any) -> str:
    raise CompileError(f"MERGE is compiled for SQL Server only, not {compiler.dialect.name}")


@compiles(Merge, "mssql")
def _merge_mssql(element: Merge, compiler: SQLCompiler, **kw: Any) -> str:
    table = element.table
    quote = compiler.preparer.quote
    names = [column.name for column in table.columns]
    target = table.alias("target")
    source = sa.table("source", *(sa.column(column.name, column.type) for column in table.columns))
    binds = ", ".join(compiler.process(sa.bindparam(c.name, type_=c.type), **kw) for c in table.columns)
    on = " AND ".join(f"target.{quote(key)} = source.{quote(key)}" for key in element.keys)
    updates = element.updates(target.c, source.c)
    lines = [
        f"MERGE INTO {compiler.preparer.format_table(table)} WITH (HOLDLOCK) AS target",
        f"USING (VALUES ({binds})) AS source ({', '.join(quote(name) for name in names)})",
        f"ON {on}",
    ]
    if updates:
        sets = ", ".join(f"{quote(name)} = {compiler.process(value, **kw)}" for name, value in updates.items())
        lines.append(f"WHEN MATCHED THEN UPDATE SET {sets}")
    # Identifiers are quoted by the dialect's preparer; every value is a bound parameter.
    columns, values = ", ".join(quote(n) for n in names), ", ".join(f"source.{quote(n)}" for n in names)
    lines.append(f"WHEN NOT MATCHED THEN INSERT ({columns}) VALUES ({values});")  # noqa: S608
    return "\n".join(lines)


def upsert(dialect_name: str, table: sa.Table, keys: Sequence[str], updates: UpdateRule | None = None, *,
           source: Selectable | None = None) -> Executable:
    """An executable statement that inserts rows (execute with one dict or a list) or updates them by ``keys``.

    Args:
        dialect_name: ``connection.dialect.name``: sqlite, postgresql or mssql.
        table: the target table; every row carries every column.
        keys: the columns that identify a row (a primary key or unique constraint).
        updates: for an existing row, the new value of each column to change (none: leave it alone).
        source: SQLite and PostgreSQL: the rows come from this SELECT of every column, in table order
            (``INSERT ... SELECT``), not from parameters.
    """
    updates = updates or keep_existing
    if dialect_name in {"sqlite", "postgresql"}:
        insert = sqlite.insert(table) if dialect_name == "sqlite" else postgresql.insert(table)
        if source is not None:
            insert = insert.from_select([column.name for column in table.columns], source)
        set_ = updates(table.c, insert.excluded)
        index = [table.c[key] for key in keys]
        if not set_:
            return insert.on_conflict_do_nothing(index_elements=index)
        return insert.on_conflict_do_update(index_elements=index, set_=dict(set_))
    if dialect_name == "mssql" and source is None:
        return Merge(table, keys, updates)
    raise CompileError(f"no upsert for the {dialect_name} dialect (sqlite, postgresql, mssql)")
