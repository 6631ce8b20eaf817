"""``BulkInsert``: the hot-path INSERT compiled for each dialect, rows handed to the driver as it expects them."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import sqlglot
from sqlalchemy.dialects import mssql, postgresql, sqlite

from printernizer_stats.maintainers.server import Storage, tables
from printernizer_stats.maintainers.server._bulk import BulkInsert
from printernizer_stats.maintainers.server._installations import installation_update
from printernizer_stats.registry import Registry


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def exec_driver_sql(self, sql: str, params: object) -> None:
        self.calls.append((sql, params))


_LEDGER_ROW = {"batch_id": "b", "kind": "weekly", "installation_id": "i", "period": date(2026, 11, 16), "receipt": "r",
               "stored_points": 3, "rejected_points": 0, "received_week": date(2026, 11, 23)}


@pytest.mark.parametrize(("dialect", "date_value"), [
    (sqlite.dialect(), "2026-11-16"),
    (mssql.pyodbc.dialect(paramstyle="qmark"), date(2026, 11, 16)),
])
def test_row_drivers_get_one_tuple_per_row(registry: Registry, dialect: sa.Dialect, date_value: object) -> None:
    """SQLite and SQL Server get an executemany of tuples in column order; only SQLite gets dates as ISO text."""
    bulk = BulkInsert(SimpleNamespace(dialect=dialect), tables(registry)["batches"])  # type: ignore[arg-type]
    row = bulk.row(_LEDGER_ROW)
    recorder = _Recorder()
    bulk.execute(recorder, [row, row])  # type: ignore[arg-type]
    sql, params = recorder.calls[0]
    assert sql.startswith("INSERT INTO batches (batch_id, kind, installation_id, period")
    assert isinstance(params, list) and len(params) == 2
    assert params[0] == row and row[bulk.names.index("period")] == date_value
    if dialect.name == "mssql":
        sqlglot.parse_one(sql, read="tsql")


def test_postgresql_gets_the_rows_as_one_json_text(registry: Registry) -> None:
    """PostgreSQL gets one INSERT ... SELECT FROM json_array_elements with every row in one JSON text."""
    table = tables(registry)["events_summary"]
    bulk = BulkInsert(SimpleNamespace(dialect=postgresql.psycopg.dialect()), table)  # type: ignore[arg-type]
    rows = [(bulk.driver_date(date(2026, 11, 16)), "i", "m", "{}", 3, None, None), ("2026-11-16", "i", "n", "{}", 0.1,
                                                                                    4, "[1]")]
    recorder = _Recorder()
    bulk.execute(recorder, rows)  # type: ignore[arg-type]
    ((sql, params),) = recorder.calls
    assert "SELECT CAST(r ->> 0 AS DATE), CAST(r ->> 1 AS TEXT)" in sql and "json_array_elements" in sql
    assert params == {"rows": '[["2026-11-16", "i", "m", "{}", 3, null, null], ["2026-11-16", "i", "n", "{}", 0.1, 4, '
                              '"[1]"]]'}


def test_no_rows_means_no_statement(registry: Registry) -> None:
    """An empty list sends nothing to the driver."""
    recorder = _Recorder()
    BulkInsert(SimpleNamespace(dialect=sqlite.dialect()), tables(registry)["batches"]).execute(  # type: ignore[arg-type]
        recorder, [])  # type: ignore[arg-type]
    assert recorder.calls == []


def test_an_upsert_inserts_and_updates_in_one_statement(storage: Storage, registry: Registry) -> None:
    """On the real database: new keys are inserted and existing ones updated by the rule, in one execution."""
    table = tables(registry)["installations"]
    bulk = BulkInsert(storage.engine, table, ["installation_id"], installation_update)
    facts = {column.name: "x" for column in table.columns if isinstance(column.type, sa.String)}
    first = {**facts, "installation_id": "a", "first_week": date(2026, 11, 9), "last_week": date(2026, 11, 9),
             "first_received_week": date(2026, 11, 16), "last_received_week": date(2026, 11, 16), "registry_version": 1}
    with storage.engine.begin() as connection:
        bulk.execute(connection, [bulk.row(first)])
        bulk.execute(connection, [bulk.row({**first, "first_week": date(2026, 11, 16), "last_week": date(2026, 11, 16),
                                            "app_version": "2.0"}),
                                  bulk.row({**first, "installation_id": "b"})])
        stored = {row.installation_id: row for row in connection.execute(sa.select(table))}
    assert set(stored) == {"a", "b"}
    assert (stored["a"].first_week, stored["a"].last_week) == (date(2026, 11, 9), date(2026, 11, 16))
    assert stored["a"].app_version == "2.0" and stored["b"].app_version == "x"
