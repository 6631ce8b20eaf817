"""Retention on PostgreSQL drops whole weekly partitions: the old weeks' partitions are gone (pg_inherits),
nothing else changed, the figures and the ingest rollups are what they were and what recomputation gives;
a partition a long query holds is emptied by DELETE instead, and dropped by the next run."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
import sqlalchemy as sa

from printernizer_stats.maintainers.analytics import (
    MIN_RETENTION_DAYS,
    Window,
    apply_retention,
    compute_figures,
    recomputed_rollups,
    stored_rollups,
)
from printernizer_stats.maintainers.server import PARTITIONED_TABLES, create_engine, ensure_week_partitions, migrate
from printernizer_stats.maintainers.server._partitions import week_partitions
from tests.maintainers.analytics.conftest import K
from tests.maintainers.analytics.loading import load_population
from tests.maintainers.analytics.test_retention import CUTOFF_WEEK, SMALL, TODAY, counts, orphans
from tests.postgres import fresh_database

pytestmark = pytest.mark.postgres
WEEKS = [SMALL.period(n) for n in range(SMALL.weeks)]


@pytest.fixture
def engine() -> Iterator[sa.Engine]:
    """SMALL in a fresh PostgreSQL database, every week's rows in that week's partitions."""
    with fresh_database() as url:
        engine = create_engine(url)
        migrate(engine)
        with engine.begin() as connection:
            ensure_week_partitions(connection, WEEKS)
        load_population(engine, SMALL)
        yield engine
        engine.dispose()


def weekly(engine: sa.Engine) -> dict[str, dict[date, str]]:
    with engine.connect() as connection:
        return {name: week_partitions(connection, name) for name in PARTITIONED_TABLES}


def default_rows(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return sum(connection.execute(sa.text(f"SELECT count(*) FROM {name}_default")).scalar_one()
                   for name in PARTITIONED_TABLES)


def test_retention_drops_the_old_weeks_partitions(engine: sa.Engine) -> None:
    window = Window.ending(SMALL.last_week, SMALL.weeks)
    figures, before = compute_figures(engine, window, K), counts(engine)
    assert default_rows(engine) == 0
    result = apply_retention(engine, TODAY, MIN_RETENTION_DAYS, K)
    assert result.weeks == tuple(WEEKS[:CUTOFF_WEEK])
    for name, partitions in weekly(engine).items():
        assert not any(week < result.cutoff for week in partitions), name  # empty ones made ahead too
        assert set(WEEKS[CUTOFF_WEEK:]) <= set(partitions), name
    after = counts(engine)
    for name in ("daily_stats", "events_summary"):
        assert after[name] == before[name] - result.deleted[name] and result.deleted[name] > 0
    assert compute_figures(engine, window, K) == figures
    assert orphans(engine) == 0
    with engine.connect() as connection:
        assert stored_rollups(engine) == recomputed_rollups(connection)
    assert stored_rollups(engine)


def test_a_partition_held_by_a_long_query_is_emptied_then_dropped_later(engine: sa.Engine) -> None:
    """A reader holding one old week's partition: retention does not wait on it (the lock timeout), deletes
    that week's rows instead, and the next run drops the partition left empty."""
    window = Window.ending(SMALL.last_week, SMALL.weeks)
    figures = compute_figures(engine, window, K)
    held = weekly(engine)["events_summary"][WEEKS[3]]
    with engine.connect() as reader:
        reader.execute(sa.text(f"SELECT count(*) FROM {held}"))
        result = apply_retention(engine, TODAY, MIN_RETENTION_DAYS, K)
        assert {week for week in weekly(engine)["events_summary"] if week < result.cutoff} == {WEEKS[3]}
        assert not any(week < result.cutoff for week in weekly(engine)["daily_stats"])
        reader.rollback()
    with engine.connect() as connection:
        assert connection.execute(sa.text(f"SELECT count(*) FROM {held}")).scalar_one() == 0
    assert compute_figures(engine, window, K) == figures
    again = apply_retention(engine, TODAY, MIN_RETENTION_DAYS, K)
    assert again.weeks == ()
    assert WEEKS[3] not in weekly(engine)["events_summary"]
    assert min(weekly(engine)["events_summary"]) == result.cutoff == WEEKS[CUTOFF_WEEK]
