"""``BulkInsert``: the hot-path INSERT compiled for each dialect, rows handed to the driver as it expects them."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
import sqlglot
from sqlalchemy.dialects import mssql, postgresql, sqlite

from printernizer_stats.registry import Registry
from printernizer_stats.server import tables
from printernizer_stats.server._bulk import BulkInsert


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def exec_driver_sql(self, sql: str, params: object) -> None:
        self.calls.append((sql, params))


@pytest.mark.parametrize(("dialect", "positional", "date_value"), [
    (sqlite.dialect(), True, "2026-11-16"),
    (mssql.pyodbc.dialect(paramstyle="qmark"), True, date(2026, 11, 16)),
    (postgresql.psycopg.dialect(), False, date(2026, 11, 16)),
])
def test_rows_reach_the_driver_in_its_parameter_style(registry: Registry, dialect: object, positional: bool,
                                                      date_value: object) -> None:
    """Positional drivers get tuples in column order, named ones dicts; only SQLite gets dates as ISO text."""
    table = tables(registry)["batches"]
    bulk = BulkInsert(SimpleNamespace(dialect=dialect), table)  # type: ignore[arg-type]
    row = {"batch_id": "b", "kind": "weekly", "installation_id": "i", "period": date(2026, 11, 16), "receipt": "r",
           "stored_points": 3, "rejected_points": 0, "received_week": date(2026, 11, 23)}
    recorder = _Recorder()
    bulk.execute(recorder, [row, row])  # type: ignore[arg-type]
    sql, params = recorder.calls[0]
    assert sql.startswith("INSERT INTO batches (batch_id, kind, installation_id, period")
    assert isinstance(params, list) and len(params) == 2
    first = params[0]
    if positional:
        assert isinstance(first, tuple) and first[list(bulk.names).index("period")] == date_value
    else:
        assert isinstance(first, dict) and first["period"] == date_value
    if dialect.name == "mssql":  # type: ignore[attr-defined]
        sqlglot.parse_one(sql, read="tsql")


def test_no_rows_means_no_statement(registry: Registry) -> None:
    """An empty list sends nothing to the driver."""
    recorder = _Recorder()
    BulkInsert(SimpleNamespace(dialect=sqlite.dialect()), tables(registry)["batches"]).execute(  # type: ignore[arg-type]
        recorder, [])  # type: ignore[arg-type]
    assert recorder.calls == []
