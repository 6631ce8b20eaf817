"""The dashboard's cell cache: re-read from the rollups when due, so every process sees the shared state."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from printernizer_stats.maintainers.analytics import FIGURES, FigureCache, Window, compute_figures
from printernizer_stats.maintainers.server import create_engine
from tests.maintainers.analytics.conftest import STANDARD, K
from tests.maintainers.analytics.loading import add_installation_week

WINDOW = Window.ending(STANDARD.last_week, STANDARD.weeks)


def add_installation(engine: sa.Engine, week_index: int, seed: int) -> None:
    add_installation_week(engine, STANDARD.period(week_index), seed)


def test_cache_equals_a_fresh_computation(standard_url: str) -> None:
    """Figures published from the cache are those computed straight from the tables."""
    engine = create_engine(standard_url)
    cache = FigureCache(engine)
    assert cache.figures(WINDOW, K) == compute_figures(engine, WINDOW, K)
    engine.dispose()


def test_changes_are_seen_after_the_interval_only(standard_url: str) -> None:
    """The first refresh reads every week; a late batch for one week shows at the next refresh once the
    minimum interval has passed (and counts as one changed week); within it nothing is read at all."""
    clock = [0.0]
    engine = create_engine(standard_url)
    cache = FigureCache(engine, min_interval_s=60, clock=lambda: clock[0])
    assert cache.refresh(WINDOW) == len(WINDOW.weeks)
    before = cache.figures(WINDOW, K)["active_installations"].week(STANDARD.period(20))[0].installations
    add_installation(engine, 20, seed=99)
    read = cache.weeks_read
    assert cache.refresh(WINDOW) == 0 and cache.weeks_read == read  # within the interval: not even looked at
    clock[0] += 61
    version = cache.version
    assert cache.refresh(WINDOW) == 1 and cache.version == version + 1
    after = cache.figures(WINDOW, K)["active_installations"].week(STANDARD.period(20))[0].installations
    assert after == before + 1
    clock[0] += 61
    assert cache.refresh(WINDOW) == 0 and cache.version == version + 1
    assert cache.figures(WINDOW, K) == compute_figures(engine, WINDOW, K)
    engine.dispose()


def test_a_deletion_elsewhere_shows_at_the_next_refresh(standard_url: str) -> None:
    """Another process deleting rollup cells (as a deletion request does): the next refresh sees it."""
    engine = create_engine(standard_url)
    cache = FigureCache(engine, min_interval_s=0)
    cache.refresh(WINDOW)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE figure_rollups SET installations = installations - 1 "
                                   "WHERE figure = 'active_installations'"))
    assert cache.refresh(WINDOW) == len(WINDOW.weeks)
    assert cache.figures(WINDOW, K) == compute_figures(engine, WINDOW, K)
    engine.dispose()


def test_sliding_window_keeps_earlier_weeks(standard_url: str) -> None:
    """Moving the window on by a week brings that week; weeks already cached stay unchanged."""
    engine = create_engine(standard_url)
    cache = FigureCache(engine, specs=FIGURES[:2], min_interval_s=0)
    earlier = Window(WINDOW.first, WINDOW.last - timedelta(weeks=1))
    assert cache.refresh(earlier) == len(earlier.weeks)
    assert cache.refresh(WINDOW) == 1
    assert cache.covers(WINDOW)
    engine.dispose()
