"""Write a synthetic population into a migrated receiver database: Core inserts, or COPY on PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from printernizer_stats.maintainers.analytics import rebuild_rollups
from printernizer_stats.maintainers.server import figure_rollups, tables
from printernizer_stats.registry import default_registry
from tests.maintainers.analytics.population import (
    BATCH_COLUMNS,
    DAILY_COLUMNS,
    EVENT_COLUMNS,
    INSTALLATION_COLUMNS,
    Population,
    Rows,
    generate,
)

_COLUMNS = {"daily_stats": DAILY_COLUMNS, "events_summary": EVENT_COLUMNS, "batches": BATCH_COLUMNS,
            "installations": INSTALLATION_COLUMNS}


def _present(engine: Engine) -> dict[str, tuple[tuple[str, ...], list[int]]]:
    """Each table's generated columns the database has (an older revision lacks some), and their places."""
    inspector = sa.inspect(engine)
    found = {}
    for name, columns in _COLUMNS.items():
        have = {column["name"] for column in inspector.get_columns(name)}
        places = [index for index, column in enumerate(columns) if column in have]
        found[name] = (tuple(columns[index] for index in places), places)
    return found


def load_population(engine: Engine, pop: Population) -> dict[str, int]:
    """Insert ``pop`` through SQLAlchemy Core (any dialect), then its rollups as the receiver would have
    kept them; returns rows written per table."""
    written = insert_population(engine, pop)
    rebuild_rollups(engine)
    return written


def insert_population(engine: Engine, pop: Population) -> dict[str, int]:
    if engine.dialect.name == "postgresql":
        return copy_population(engine, pop)
    receiver = tables(default_registry())
    written = dict.fromkeys(_COLUMNS, 0)
    present = _present(engine)

    sqlite = engine.dialect.name == "sqlite"

    def flush(pending: Rows) -> None:
        with engine.begin() as connection:
            for name, (columns, places) in present.items():
                rows = [tuple(row[index] for index in places) for row in getattr(pending, name)]
                if not rows:
                    continue
                if sqlite:  # the driver directly: ~20x faster than Core's per-parameter processing
                    marks = ", ".join("?" * len(columns))
                    connection.exec_driver_sql(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})",
                                               [tuple(_sqlite(v) for v in row) for row in rows])
                else:
                    connection.execute(receiver[name].insert(), [dict(zip(columns, row, strict=True)) for row in rows])
                written[name] += len(rows)

    for rows in generate(pop):
        flush(rows)
    return written


def _sqlite(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def copy_population(engine: Engine, pop: Population) -> dict[str, int]:
    """``COPY ... FROM STDIN`` through psycopg 3: the bench loads millions of rows this way."""
    written = dict.fromkeys(_COLUMNS, 0)
    present = _present(engine)
    raw: Any = engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            copies = {name: f"COPY {name} ({', '.join(columns)}) FROM STDIN" for name, (columns, _) in present.items()}
            for chunk in generate(pop):
                for name, (_, places) in present.items():
                    rows = getattr(chunk, name)
                    if rows:
                        with cursor.copy(copies[name]) as copy:
                            for row in rows:
                                copy.write_row(tuple(row[index] for index in places))
                        written[name] += len(rows)
        raw.commit()
    finally:
        raw.close()
    return written


def truncate(engine: Engine) -> None:
    with engine.begin() as connection:
        for table in (figure_rollups(default_registry()), *reversed(list(tables(default_registry()).values()))):
            connection.execute(sa.delete(table))


def add_installation_week(engine: Engine, period: date, seed: int) -> None:
    """One more installation's rows (data and ledger) for the week of ``period``, as if its batch came late."""
    first = Population().first_week
    weeks = (period - first).days // 7 + 1
    chunks = generate(Population(installations=1, weeks=weeks, seed=seed, skip=0, growth=0, churn=0))
    rows = next(chunk for chunk in chunks if chunk.daily_stats and chunk.daily_stats[0][0] == period)
    receiver = tables(default_registry())
    daily = dict(zip(_COLUMNS["daily_stats"], rows.daily_stats[0], strict=True))
    # An installation that has sent before (it counts: batches received in two distinct weeks), its earlier
    # weeks long gone.
    installation = {name: daily.get(name) for name in _COLUMNS["installations"]}
    installation.update(first_week=first - timedelta(weeks=1), last_week=period, first_received_week=first,
                        last_received_week=period + timedelta(weeks=1), registry_version=1)
    with engine.begin() as connection:
        connection.execute(receiver["installations"].insert(), installation)
        for name in ("daily_stats", "events_summary", "batches"):
            columns = _COLUMNS[name]
            connection.execute(receiver[name].insert(),
                               [dict(zip(columns, row, strict=True)) for row in getattr(rows, name)])
    rebuild_rollups(engine)

