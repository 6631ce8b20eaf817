"""PostgreSQL partitions by week (migration 0006, server/_partitions.py): the upgrade keeps every row and
figure, the receiver creates a new week's partitions (also two processes at once), the default partition
only catches stragglers."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from printernizer_stats.maintainers.analytics import (
    Window,
    compute_figures,
    rebuild_rollups,
    recomputed_rollups,
    rollups_missing,
    stored_rollups,
)
from printernizer_stats.maintainers.server import (
    Outcome,
    Storage,
    TimeWindow,
    ValidatedBatch,
    create_engine,
    migrate,
    tables,
)
from printernizer_stats.maintainers.server._migrations import alembic_config
from printernizer_stats.maintainers.server._partitions import (
    PARTITIONED_TABLES,
    WEEKS_AHEAD,
    WeekPartitions,
    accepted_weeks,
    week_partitions,
)
from printernizer_stats.registry import Registry, to_unix_nano, utc_today, week_start
from tests.maintainers.analytics.loading import insert_population, load_population
from tests.maintainers.analytics.population import Population
from tests.maintainers.server.batches import MONDAY, Installation, typical_series, week_request
from tests.postgres import fresh_database

pytestmark = pytest.mark.postgres
POPULATION = Population(installations=60, weeks=6, seed=15)
RECEIVED_WEEKS = ("first_received_week", "last_received_week")
"""Added by 0008, filled from the ledger (each generated week is received the week after it)."""
K = 5


@pytest.fixture
def engine() -> Iterator[sa.Engine]:
    with fresh_database() as url:
        engine = create_engine(url)
        yield engine
        engine.dispose()


def dump(engine: sa.Engine, registry: Registry) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every receiver table, in key order (the columns revision 0005 has)."""
    with engine.connect() as connection:
        return {name: [tuple(row) for row in connection.execute(sa.select(
            *(c for c in table.columns if c.name not in RECEIVED_WEEKS)).order_by(*table.primary_key.columns))]
            for name, table in tables(registry).items()}


def partitions(engine: sa.Engine) -> dict[str, dict[date, str]]:
    with engine.connect() as connection:
        return {name: week_partitions(connection, name) for name in PARTITIONED_TABLES}


def rows_by_partition(engine: sa.Engine, table: str) -> dict[str, int]:
    with engine.connect() as connection:
        return dict(connection.execute(sa.text(
            f"SELECT tableoid::regclass::text, count(*) FROM {table} GROUP BY 1")).all())


def relkind(engine: sa.Engine, table: str) -> str:
    with engine.connect() as connection:
        kind = connection.execute(sa.text("SELECT relkind FROM pg_class WHERE relname = :t"), {"t": table}).scalar()
    return str(kind)


def downgrade(engine: sa.Engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_upgrade_of_a_populated_database_keeps_every_row_and_figure(engine: sa.Engine, registry: Registry) -> None:
    """0005 -> 0006 on stored weeks: every row of every table as before; each stored week has its own
    partitions holding exactly its rows; then 0008, and the rollups and figures are what a fresh load at head
    gives; the downgrade gives the rows back too."""
    migrate(engine, "0005")
    insert_population(engine, POPULATION)
    rows = dump(engine, registry)
    assert len(rows["events_summary"]) > 1000
    migrate(engine, "0006")
    assert {name: relkind(engine, name) for name in PARTITIONED_TABLES} == dict.fromkeys(PARTITIONED_TABLES, "p")
    stored_weeks = {POPULATION.period(n) for n in range(POPULATION.weeks)}
    coming = set(accepted_weeks(utc_today()))
    assert week_start(utc_today()) + timedelta(weeks=WEEKS_AHEAD) in coming
    for name, weekly in partitions(engine).items():
        assert set(weekly) == stored_weeks | coming, name
        by_partition = rows_by_partition(engine, name)
        assert f"{name}_default" not in by_partition
        assert set(by_partition) == {weekly[week] for week in stored_weeks}
    assert dump(engine, registry) == rows
    migrate(engine)
    assert rollups_missing(engine)  # who counts changed: the next start recomputes them
    installations = tables(registry)["installations"]
    with engine.connect() as connection:
        spans = connection.execute(sa.select(*(installations.c[name] for name in (
            "first_week", "last_week", *RECEIVED_WEEKS)))).all()
    assert spans and all((first + timedelta(days=7), last + timedelta(days=7)) == (received_first, received_last)
                         for first, last, received_first, received_last in spans)
    rebuild_rollups(engine)
    rollups = stored_rollups(engine)
    with engine.connect() as connection:
        assert recomputed_rollups(connection) == rollups
    window = Window.ending(POPULATION.last_week, POPULATION.weeks)
    figures = compute_figures(engine, window, K)
    with fresh_database() as url:
        fresh = create_engine(url)
        migrate(fresh)
        load_population(fresh, POPULATION)
        assert stored_rollups(fresh) == rollups and rollups
        assert compute_figures(fresh, window, K) == figures
        fresh.dispose()
    downgrade(engine, "0005")
    assert {name: relkind(engine, name) for name in PARTITIONED_TABLES} == dict.fromkeys(PARTITIONED_TABLES, "r")
    assert dump(engine, registry) == rows


def _batch(registry: Registry, monday: date, seed: int) -> ValidatedBatch:
    from printernizer_stats.maintainers.server import validate_batch

    window = TimeWindow(to_unix_nano(monday + timedelta(days=9)), max_age_weeks=52 * 5)
    request = week_request(registry, Installation(), monday, typical_series(registry, random.Random(seed)))
    batch = validate_batch(registry, request, window)
    assert isinstance(batch, ValidatedBatch)
    return batch


def test_a_new_week_gets_its_partitions_at_ingest(engine: sa.Engine, registry: Registry) -> None:
    """A batch for a week nobody made a partition for yet lands in that week's new partitions."""
    migrate(engine)
    week = MONDAY - timedelta(weeks=40)  # older than the receiver accepts today: not made ahead
    assert all(week not in weekly for weekly in partitions(engine).values())
    storage = Storage(engine, registry)
    assert storage.store(_batch(registry, week, 1), week + timedelta(days=8)).outcome is Outcome.STORED
    for name, weekly in partitions(engine).items():
        assert set(rows_by_partition(engine, name)) == {weekly[week]}, name
    assert storage.store(_batch(registry, week, 2), week + timedelta(days=8)).outcome is Outcome.STORED
    assert rows_by_partition(engine, "daily_stats") == {partitions(engine)["daily_stats"][week]: 2}


def test_rows_in_the_default_partition_move_to_their_week(engine: sa.Engine, registry: Registry) -> None:
    """Rows written for a week without a partition (a writer other than the receiver) wait in the default
    partition; creating the week's partition moves them there."""
    migrate(engine)
    week = MONDAY - timedelta(weeks=50)
    load_population(engine, Population(installations=12, weeks=2, seed=4, first_week=week))
    assert set(rows_by_partition(engine, "daily_stats")) == {"daily_stats_default"}
    before = dump(engine, registry)
    WeekPartitions(engine).ensure({week})
    weekly = partitions(engine)["daily_stats"]
    assert set(rows_by_partition(engine, "daily_stats")) == {"daily_stats_default", weekly[week]}
    WeekPartitions(engine).ensure({week + timedelta(weeks=1)})
    weekly = partitions(engine)["daily_stats"]
    assert set(rows_by_partition(engine, "daily_stats")) == {weekly[week], weekly[week + timedelta(weeks=1)]}
    assert dump(engine, registry) == before


def test_concurrent_creators_of_one_week_all_succeed(engine: sa.Engine,
                                                     captured_logs: list[dict[str, object]]) -> None:
    """Six connections (as six receiver processes would) make the same week's partitions at once: none
    fails, each table gets the partition once."""
    migrate(engine)
    week = MONDAY - timedelta(weeks=60)
    start = threading.Barrier(6)
    errors: list[BaseException] = []

    def create() -> None:
        own = create_engine(engine.url.render_as_string(hide_password=False))
        hook = WeekPartitions(own)
        start.wait()
        try:
            hook.ensure({week})
        except BaseException as exc:
            errors.append(exc)
        own.dispose()

    threads = [threading.Thread(target=create) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [log for log in captured_logs if log["event"] == "receiver.partition_not_created"] == []
    assert all(week in weekly for weekly in partitions(engine).values())
