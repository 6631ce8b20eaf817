"""The dashboard's cell cache: re-reads only weeks whose ledger changed, everything after a deletion."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from printernizer_stats.analytics import FIGURES, FigureCache, Window, compute_figures
from printernizer_stats.analytics._sql import analytics_tables
from printernizer_stats.server import create_engine
from tests.analytics.conftest import STANDARD, K
from tests.analytics.loading import add_installation_week

WINDOW = Window.ending(STANDARD.last_week, STANDARD.weeks)


def add_installation(engine: sa.Engine, week_index: int, seed: int) -> None:
    add_installation_week(engine, STANDARD.period(week_index), seed)


def test_cache_equals_a_fresh_computation(standard_url: str) -> None:
    """Figures published from the cache are those computed straight from the tables."""
    engine = create_engine(standard_url)
    cache = FigureCache(engine)
    assert cache.figures(WINDOW, K) == compute_figures(engine, WINDOW, K)
    engine.dispose()


def test_only_changed_weeks_are_read_again(standard_url: str) -> None:
    """The first refresh reads every week; a late batch for one week makes the next refresh read that week
    only; within the minimum interval nothing is checked at all."""
    clock = [0.0]
    engine = create_engine(standard_url)
    cache = FigureCache(engine, min_interval_s=60, clock=lambda: clock[0])
    assert cache.refresh(WINDOW) == len(WINDOW.weeks)
    before = cache.figures(WINDOW, K)["active_installations"].week(STANDARD.period(20))[0].installations
    add_installation(engine, 20, seed=99)
    assert cache.refresh(WINDOW) == 0  # within the interval: not even looked at
    clock[0] += 61
    assert cache.refresh(WINDOW) == 1
    after = cache.figures(WINDOW, K)["active_installations"].week(STANDARD.period(20))[0].installations
    assert after == before + 1
    clock[0] += 61
    assert cache.refresh(WINDOW) == 0
    assert cache.figures(WINDOW, K) == compute_figures(engine, WINDOW, K)
    engine.dispose()


def test_a_deletion_makes_everything_stale(standard_url: str) -> None:
    """A new tombstone (an installation deleted from weeks nobody can name afterwards) re-reads all weeks."""
    engine = create_engine(standard_url)
    cache = FigureCache(engine, min_interval_s=0)
    cache.refresh(WINDOW)
    ledger = analytics_tables()["batches"]
    with engine.begin() as connection:
        connection.execute(ledger.insert(), {"batch_id": "tombstone", "kind": "deletion", "installation_id": None,
                                             "period": None, "receipt": "0" * 64, "stored_points": 0,
                                             "rejected_points": 0, "received_week": STANDARD.last_week})
    assert cache.refresh(WINDOW) == len(WINDOW.weeks)
    engine.dispose()


def test_sliding_window_reads_only_the_new_week(standard_url: str) -> None:
    """Moving the window on by a week reads that week; weeks already cached stay."""
    engine = create_engine(standard_url)
    cache = FigureCache(engine, specs=FIGURES[:2], min_interval_s=0)
    earlier = Window(WINDOW.first, WINDOW.last - timedelta(weeks=1))
    assert cache.refresh(earlier) == len(earlier.weeks)
    assert cache.refresh(WINDOW) == 1
    engine.dispose()
