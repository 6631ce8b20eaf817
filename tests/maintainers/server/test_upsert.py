"""``upsert``: ON CONFLICT on SQLite and PostgreSQL (run live), MERGE on SQL Server (compiled and parsed)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
import sqlglot
from sqlalchemy.dialects import mssql
from sqlalchemy.exc import CompileError

from printernizer_stats.maintainers.server import Storage, tables, upsert
from printernizer_stats.maintainers.server._installations import installation_update
from printernizer_stats.registry import Registry


def _row(week: date, version: str) -> dict[str, object]:
    return {"installation_id": "5f0c7b8e-2f47-4b2a-9a51-1d8f3e6c2a10", "first_week": week, "last_week": week,
            "first_received_week": week, "last_received_week": week,
            "app_version": version, "deployment_mode": "docker", "country_code": "DE", "python_version": "3.11",
            "platform": "linux", "registry_version": 1}


def test_installation_upsert_keeps_the_span_and_the_latest_facts(storage: Storage, registry: Registry) -> None:
    """Weeks arriving out of order widen first/last week; facts follow the latest week only."""
    table = tables(registry)["installations"]
    statement = upsert(storage.engine.dialect.name, table, ["installation_id"], installation_update)
    with storage.engine.begin() as connection:
        connection.execute(statement, _row(date(2026, 11, 9), "2.41.0"))
        connection.execute(statement, _row(date(2026, 11, 23), "2.42.0"))
        connection.execute(statement, _row(date(2026, 11, 2), "2.40.0"))
        row = connection.execute(sa.select(table)).mappings().one()
    assert (row["first_week"], row["last_week"], row["app_version"]) == (date(2026, 11, 2), date(2026, 11, 23),
                                                                          "2.42.0")


def test_insert_or_keep_leaves_an_existing_row(storage: Storage, registry: Registry) -> None:
    """Without update rules, upsert inserts a missing row and leaves an existing one alone."""
    table = tables(registry)["installations"]
    statement = upsert(storage.engine.dialect.name, table, ["installation_id"])
    with storage.engine.begin() as connection:
        connection.execute(statement, _row(date(2026, 11, 9), "2.41.0"))
        connection.execute(statement, _row(date(2026, 11, 23), "2.42.0"))
        assert connection.execute(sa.select(table.c.app_version)).scalar_one() == "2.41.0"


def test_merge_for_sql_server_is_positional_and_holds_its_lock(registry: Registry) -> None:
    """With pyodbc's qmark style the MERGE binds every column once, in column order, under HOLDLOCK."""
    table = tables(registry)["installations"]
    compiled = upsert("mssql", table, ["installation_id"], installation_update).compile(
        dialect=mssql.pyodbc.dialect(paramstyle="qmark"))
    sql = str(compiled)
    assert sql.startswith("MERGE INTO installations WITH (HOLDLOCK) AS target")
    assert sql.count("?") == len(table.columns)
    assert compiled.positiontup == [c.name for c in table.columns]
    assert "WHEN MATCHED THEN UPDATE SET first_week = CASE WHEN (target.first_week > source.first_week)" in sql
    assert sql.rstrip().endswith(";")
    sqlglot.parse_one(sql, read="tsql")


def test_merge_without_updates_only_inserts(registry: Registry) -> None:
    """An insert-or-keep MERGE has no WHEN MATCHED clause."""
    sql = str(upsert("mssql", tables(registry)["batches"], ["batch_id"]).compile(dialect=mssql.pymssql.dialect()))
    assert "WHEN MATCHED" not in sql and "WHEN NOT MATCHED THEN INSERT" in sql
    sqlglot.parse_one(sql, read="tsql")


def test_unknown_dialect_is_refused(registry: Registry) -> None:
    """A dialect without an upsert fails loudly instead of writing twice."""
    with pytest.raises(CompileError):
        upsert("oracle", tables(registry)["batches"], ["batch_id"])
