"""``figure_rollups`` kept at ingest equal their full recomputation after any interleaving of batches,
replays, group commits and deletions (SQLite and PostgreSQL), and only installations that sent two
distinct weeks count."""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from printernizer_stats.analytics import rebuild_rollups, recomputed_rollups, stored_rollups
from printernizer_stats.registry import Registry, to_unix_nano
from printernizer_stats.server import Storage, TimeWindow, ValidatedBatch, create_engine, validate_batch
from tests.server.batches import MONDAY, Installation, Series, deletion_request, typical_series, week_request

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


OPERATION = st.one_of(
    st.tuples(st.just("week"), st.integers(0, 5), st.integers(0, 3)),
    st.tuples(st.just("group"), st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3)), min_size=2, max_size=4)),
    st.tuples(st.just("delete"), st.integers(0, 5), st.just(0)),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(OPERATION, min_size=1, max_size=14))
def test_rollups_equal_their_recomputation(db_url: str, registry: Registry, operations: list[tuple]) -> None:
    engine = create_engine(db_url)
    _clear(engine)
    storage = Storage(engine, registry)
    for kind, first, second in ((op[0], op[1], op[2] if len(op) > 2 else 0) for op in operations):
        if kind == "week":
            storage.store(week_batch(registry, first, second), MONDAY)  # a repeat is a replay
        elif kind == "group":
            storage.store_many([(week_batch(registry, n, w), MONDAY) for n, w in first])
        else:
            storage.store(deletion(registry, first), MONDAY)
    with engine.connect() as connection:
        assert stored_rollups(engine) == recomputed_rollups(connection)
    engine.dispose()


def test_an_installation_counts_from_its_second_distinct_week(db_url: str, registry: Registry) -> None:
    engine = create_engine(db_url)
    storage = Storage(engine, registry)
    storage.store(week_batch(registry, 1, 2), MONDAY)
    storage.store(week_batch(registry, 1, 2), MONDAY)  # the same week again: still one week
    assert stored_rollups(engine) == []
    storage.store(week_batch(registry, 1, 0), MONDAY)
    active = [row for row in stored_rollups(engine) if row["figure"] == "active_installations"]
    assert [(row["period"], row["installations"]) for row in active] == [
        (MONDAY - timedelta(weeks=2), 1), (MONDAY, 1)]
    storage.store(deletion(registry, 1), MONDAY)
    assert stored_rollups(engine) == []
    engine.dispose()


def test_rebuild_gives_the_same_bits(db_url: str, registry: Registry) -> None:
    engine = create_engine(db_url)
    storage = Storage(engine, registry)
    for number in range(6):
        storage.store_many([(week_batch(registry, number, weeks_ago), MONDAY) for weeks_ago in (0, 1, 3)])
    storage.store(deletion(registry, 2), MONDAY)
    incremental = stored_rollups(engine)
    assert incremental and rebuild_rollups(engine) == len(incremental)
    assert stored_rollups(engine) == incremental
    engine.dispose()
