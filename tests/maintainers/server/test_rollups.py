"""``figure_rollups`` kept at ingest equal their full recomputation after any interleaving of batches,
replays, group commits and deletions received in varying weeks (SQLite and PostgreSQL), and only
installations whose batches arrived in two distinct weeks count."""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from printernizer_stats.maintainers.analytics import rebuild_rollups, recomputed_rollups, stored_rollups
from printernizer_stats.maintainers.server import Storage, TimeWindow, ValidatedBatch, create_engine, validate_batch
from printernizer_stats.registry import Registry, to_unix_nano
from tests.maintainers.server.batches import (
    MONDAY,
    Installation,
    Series,
    deletion_request,
    typical_series,
    week_request,
)

WINDOW = TimeWindow(to_unix_nano(MONDAY + timedelta(days=9)))
VERSIONS = ("2.41.7", "2.42.0")
MODES = ("docker", "pi")


def installation(number: int) -> Installation:
    return Installation(installation_id=f"00000000-0000-4000-8000-{number:012d}", app_version=VERSIONS[number % 2],
                        deployment_mode=MODES[number // 2 % 2], secret=f"{number:064x}")


def week_batch(registry: Registry, number: int, weeks_ago: int) -> ValidatedBatch:
    rng = random.Random(number * 100 + weeks_ago)
    series = typical_series(registry, rng)
    if rng.random() < 0.5:  # some weeks report another error type, or none of the usual ones
        series = [s for s in series if s.metric != "printernizer.errors"]
        series.append(Series("printernizer.errors", {"error_type": "database", "component": "system"},
                             rng.randint(1, 3)))
    batch = validate_batch(registry, week_request(registry, installation(number), MONDAY - timedelta(weeks=weeks_ago),
                                                  series), WINDOW)
    assert isinstance(batch, ValidatedBatch)
    return batch


def deletion(registry: Registry, number: int) -> ValidatedBatch:
    batch = validate_batch(registry, deletion_request(registry, installation(number)), WINDOW)
    assert isinstance(batch, ValidatedBatch)
    return batch


def _clear(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        for name in ("figure_rollups", "events_summary", "daily_stats", "batches", "installations", "verifiers"):
            connection.execute(sa.text(f"DELETE FROM {name}"))


RECEIVED = st.integers(0, 2)
"""Weeks after MONDAY the receiver's clock says it is (its day too: any weekday)."""
OPERATION = st.one_of(
    st.tuples(st.just("week"), st.integers(0, 5), st.integers(0, 3), RECEIVED),
    st.tuples(st.just("group"), st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3)), min_size=2, max_size=4),
              st.just(0), RECEIVED),
    st.tuples(st.just("delete"), st.integers(0, 5), st.just(0), RECEIVED),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(OPERATION, min_size=1, max_size=14))
def test_rollups_equal_their_recomputation(db_url: str, registry: Registry, operations: list[tuple]) -> None:
    engine = create_engine(db_url)
    _clear(engine)
    storage = Storage(engine, registry)
    for index, (kind, first, second, received) in enumerate(operations):
        today = MONDAY + timedelta(weeks=received, days=index % 7)
        if kind == "week":
            storage.store(week_batch(registry, first, second), today)  # a repeat is a replay
        elif kind == "group":
            storage.store_many([(week_batch(registry, n, w), today) for n, w in first])
        else:
            storage.store(deletion(registry, first), today)
    with engine.connect() as connection:
        assert stored_rollups(engine) == recomputed_rollups(connection)
    engine.dispose()


def test_an_installation_counts_from_its_second_distinct_received_week(db_url: str, registry: Registry) -> None:
    engine = create_engine(db_url)
    storage = Storage(engine, registry)
    storage.store_many([(week_batch(registry, 1, 3), MONDAY), (week_batch(registry, 1, 2), MONDAY)])
    storage.store(week_batch(registry, 1, 2), MONDAY + timedelta(weeks=1))  # a replay: nothing received
    storage.store(week_batch(registry, 1, 1), MONDAY + timedelta(days=6))  # the same received week
    assert stored_rollups(engine) == []  # three weeks of data, all received in one week: not counted
    with engine.connect() as connection:
        assert recomputed_rollups(connection) == []
    storage.store(week_batch(registry, 1, 0), MONDAY + timedelta(weeks=1))
    active = [row for row in stored_rollups(engine) if row["figure"] == "active_installations"]
    assert [(row["period"], row["installations"]) for row in active] == [
        (MONDAY - timedelta(weeks=weeks), 1) for weeks in (3, 2, 1, 0)]
    with engine.connect() as connection:
        assert stored_rollups(engine) == recomputed_rollups(connection)
    storage.store(deletion(registry, 1), MONDAY)
    assert stored_rollups(engine) == []
    engine.dispose()


def test_rebuild_gives_the_same_bits(db_url: str, registry: Registry) -> None:
    engine = create_engine(db_url)
    storage = Storage(engine, registry)
    for number in range(6):
        storage.store_many([(week_batch(registry, number, weeks_ago), MONDAY) for weeks_ago in (1, 3)])
        storage.store(week_batch(registry, number, 0), MONDAY + timedelta(weeks=number % 2))
    storage.store(deletion(registry, 2), MONDAY)
    incremental = stored_rollups(engine)
    assert incremental and rebuild_rollups(engine) == len(incremental)
    assert stored_rollups(engine) == incremental
    engine.dispose()
