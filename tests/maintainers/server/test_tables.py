"""The receiver's tables: derived from the registry, migrations equal to them, SQL Server DDL and schema file."""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path

import pytest
import sqlalchemy as sa
import sqlglot
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.dialects import mssql
from sqlalchemy.schema import CreateIndex, CreateTable

from printernizer_stats.contract import BatchKind
from printernizer_stats.maintainers.server import (
    build_metadata,
    create_engine,
    figure_columns,
    migrate,
    schema_sql,
    tables,
)
from printernizer_stats.maintainers.server._partitions import include_name
from printernizer_stats.registry import Registry


def test_daily_stats_figures_come_from_the_registry(registry: Registry, minimal_registry: Registry) -> None:
    """Every ``daily_stats:`` column the registry declares is a daily_stats column, and nothing else is."""
    declared = [col for spec in registry.metrics.values() for col in spec.daily_stats]
    assert declared == ["jobs_created", "jobs_completed", "jobs_failed", "files_downloaded", "files_uploaded",
                        "error_count", "printer_count", "uptime_days"]
    daily = tables(registry)["daily_stats"]
    assert [c.name for c in daily.columns if c.name in figure_columns(registry)] == declared
    other = build_metadata(minimal_registry).tables["daily_stats"]
    assert "jobs_done" in other.columns and "jobs_created" not in other.columns


def test_installation_facts_come_from_the_resource_fields(registry: Registry) -> None:
    """The installations table has a column per descriptive resource field, never the batch id."""
    columns = set(tables(registry)["installations"].columns.keys())
    assert {"app_version", "deployment_mode", "country_code", "python_version", "platform"} <= columns
    assert "batch_id" not in columns


def test_primary_keys_start_with_period_then_installation(registry: Registry) -> None:
    """Per-installation tables are keyed (period, installation_id, ...): week scans are ranges, one batch's rows
    are contiguous; the ledger, which deletion starts from, is indexed by installation."""
    for name in ("daily_stats", "events_summary"):
        table = tables(registry)[name]
        assert [c.name for c in table.primary_key.columns][:2] == ["period", "installation_id"]
        assert table.dialect_options["sqlite"]["with_rowid"] is False
    ledger = tables(registry)["batches"]
    assert any([c.name for c in index.columns] == ["installation_id"] for index in ledger.indexes)


def test_every_table_compiles_for_sql_server(registry: Registry) -> None:
    """CREATE TABLE/INDEX for mssql uses DATE, BIGINT, FLOAT(53), VARCHAR(n), named keys, and parses as T-SQL."""
    for table in tables(registry).values():
        ddl = str(CreateTable(table).compile(dialect=mssql.dialect()))
        assert "DATETIME" not in ddl and "NVARCHAR" not in ddl and "VARCHAR(max)" not in ddl
        assert f"CONSTRAINT pk_{table.name} PRIMARY KEY" in ddl
        sqlglot.parse_one(ddl, read="tsql")
        for index in table.indexes:
            sqlglot.parse_one(str(CreateIndex(index).compile(dialect=mssql.dialect())), read="tsql")
    events = str(CreateTable(tables(registry)["events_summary"]).compile(dialect=mssql.dialect()))
    assert "period DATE NOT NULL" in events and "value FLOAT(53) NOT NULL" in events


def test_sql_server_key_fits_the_index_limit(registry: Registry) -> None:
    """Every primary key fits SQL Server's 900-byte clustered index key (VARCHAR is one byte a character)."""
    for table in tables(registry).values():
        size = sum(getattr(c.type, "length", None) or 8 for c in table.primary_key.columns)
        assert size <= 900, table.name


@pytest.mark.parametrize("url", ["mssql+pyodbc://user:pw@dsn", "mssql+pymssql://user:pw@host/db"])
def test_sql_server_urls_emit_the_schema(registry: Registry, url: str) -> None:
    """The pyodbc and pymssql dialects both turn the metadata into DDL (no driver needed to check)."""
    emitted: list[str] = []
    engine = sa.create_mock_engine(url, lambda sql, *a, **k: emitted.append(str(sql.compile(dialect=engine.dialect))))
    build_metadata(registry).create_all(engine, checkfirst=False)
    assert sum(s.strip().startswith("CREATE TABLE") for s in emitted) == 7  # the receiver's 5 and both rollups


def test_shipped_mssql_schema_is_current() -> None:
    """server/sql/mssql-schema.sql is exactly what the migrations render for SQL Server (regenerate with
    `printernizer-stats migrate --sql mssql > src/printernizer_stats/maintainers/server/sql/mssql-schema.sql`)."""
    shipped = (resources.files("printernizer_stats.maintainers.server") / "sql" / "mssql-schema.sql").read_text("utf-8")
    assert shipped == schema_sql("mssql")
    for statement in shipped.split("\nGO\n"):
        if statement.strip() and "CREATE" in statement:
            sqlglot.parse(statement, read="tsql")


def test_migrations_produce_the_table_metadata(db_url: str, registry: Registry) -> None:
    """A database migrated to head has exactly the tables, columns, types, keys and indexes of the metadata."""
    engine = create_engine(db_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": include_name})
        assert compare_metadata(context, build_metadata(registry)) == []
    engine.dispose()


def test_sql_server_stores_events_summary_as_a_clustered_columnstore() -> None:
    """SQL Server: events_summary clustered columnstore, its key a nonclustered primary key (0004)."""
    shipped = schema_sql("mssql")
    columnstore = shipped.index("CREATE CLUSTERED COLUMNSTORE INDEX cci_events_summary ON events_summary")
    key = shipped.index("ADD CONSTRAINT pk_events_summary PRIMARY KEY NONCLUSTERED "
                        "(period, installation_id, metric, attributes)")
    assert shipped.index("DROP CONSTRAINT pk_events_summary") < columnstore < key
    assert "COLUMNSTORE" not in schema_sql("postgresql")


def test_the_per_installation_tables_are_by_week_on_every_dialect(registry: Registry) -> None:
    """PostgreSQL partitions daily_stats and events_summary by week, from the metadata (with a default
    partition) as from the migrations; every dialect indexes the ledger by week (retention's lookups)."""
    emitted: list[str] = []
    engine = sa.create_mock_engine("postgresql+psycopg://", lambda sql, *a, **k: emitted.append(
        str(sql.compile(dialect=engine.dialect))))
    build_metadata(registry).create_all(engine, checkfirst=False)
    for name in ("daily_stats", "events_summary"):
        created = next(s for s in emitted if s.strip().startswith(f"CREATE TABLE {name} ("))
        assert created.rstrip().endswith("PARTITION BY RANGE (period)")
        assert f"CREATE TABLE {name}_default PARTITION OF {name} DEFAULT" in emitted
        assert f"CREATE TABLE {name} (LIKE {name}_unpartitioned INCLUDING DEFAULTS) PARTITION BY RANGE (period)" in (
            schema_sql("postgresql"))
    assert "PARTITION" not in schema_sql("mssql") and "PARTITION" not in schema_sql("sqlite")
    for dialect in ("mssql", "postgresql", "sqlite"):
        assert "CREATE INDEX ix_batches_period ON batches (period)" in schema_sql(dialect)


def test_batch_kinds_are_renamed_to_the_contracts_spelling(tmp_path: Path, registry: Registry) -> None:
    """0007: a ledger written as 'week' (before one spelling) reads 'weekly' after migrating; deletion stays."""
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine, "0006", registry)
    row = {"installation_id": None, "period": None, "receipt": "r", "stored_points": 0, "rejected_points": 0,
           "received_week": date(2026, 11, 16)}
    with engine.begin() as db:
        db.execute(sa.insert(tables(registry)["batches"]), [
            {**row, "batch_id": "00000000-0000-5000-8000-000000000001", "kind": "week"},
            {**row, "batch_id": "00000000-0000-5000-8000-000000000002", "kind": "deletion"}])
    migrate(engine, registry=registry)
    with engine.connect() as db:
        kinds = db.execute(sa.text("SELECT kind FROM batches ORDER BY batch_id")).scalars().all()
    assert kinds == [BatchKind.WEEKLY, BatchKind.DELETION]
    engine.dispose()
