"""What the analytics routes serve: insights and the community summary from one shared ``FigureCache``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Engine

from printernizer_stats.maintainers.analytics._cache import MAX_WEEKS, FigureCache
from printernizer_stats.maintainers.analytics._config import AnalyticsConfig
from printernizer_stats.maintainers.analytics._insights import Insights, build_insights
from printernizer_stats.maintainers.analytics._linked import publish_figures
from printernizer_stats.maintainers.analytics._queries import Window
from printernizer_stats.maintainers.analytics._summary import community_summary, encode_summary
from printernizer_stats.registry import Registry


class AnalyticsService:
    """Published insights per (window, k), memoised until the cache's data changes.

    Args:
        engine: the receiver's database.
        config: k, weeks, intervals (validated).
        now: the clock (UTC), a parameter for tests.
    """

    def __init__(self, engine: Engine, config: AnalyticsConfig, now: Callable[[], datetime],
                 registry: Registry | None = None) -> None:
        self.config = config.validate()
        self.now = now
        self.cache = FigureCache(engine, registry, min_interval_s=config.refresh_interval_s)
        self._lock = threading.Lock()
        self._insights: dict[tuple[Window, int], tuple[int, Insights]] = {}
        self._summary: tuple[tuple[Window, int], bytes, str] | None = None
        self.refreshed_in_background = False
        """Set once a background task keeps the cache current: requests then read it without a query
        (unless it lacks a week they need); without one, requests refresh it (at most once a minute)."""

    def _current(self, window: Window) -> None:
        if not self.refreshed_in_background or not self.cache.covers(window):
            self.cache.refresh(window)

    def window(self, weeks: int | None = None) -> Window:
        if weeks is not None and not 1 <= weeks <= MAX_WEEKS:
            raise ValueError(f"weeks must be between 1 and {MAX_WEEKS}")
        return Window.for_today(self.now().date(), weeks or self.config.weeks, self.config.settle_weeks)

    def effective_k(self, k: int | None) -> int:
        """``k`` if it is at least the configured k; a request can make figures coarser, never finer."""
        if k is None:
            return self.config.k
        if k < self.config.k:
            raise ValueError(f"k may be raised above {self.config.k}, never lowered")
        return k

    def insights(self, k: int | None = None, weeks: int | None = None) -> Insights:
        window, k = self.window(weeks), self.effective_k(k)
        self._current(window)
        with self._lock:
            memo = self._insights.get((window, k))
            if memo is not None and memo[0] == self.cache.version:
                return memo[1]
        figures = publish_figures(self.cache.all_cells(window), k)
        made = build_insights(figures, window, k, self.config.detector)
        with self._lock:
            if len(self._insights) > 32:
                self._insights.clear()
            self._insights[(window, k)] = (self.cache.version, made)
        return made

    def summary(self) -> tuple[bytes, str]:
        """(body, ETag) of the public summary for the latest complete week."""
        window = self.window()
        self._current(window)
        key = (window, self.cache.version)
        with self._lock:
            if self._summary is not None and self._summary[0] == key:
                return self._summary[1], self._summary[2]
        week = Window(window.last, window.last)
        k = self.config.public_k
        figures = publish_figures(self.cache.all_cells(week), k)
        body, etag = encode_summary(community_summary(figures, window.last, k))
        with self._lock:
            self._summary = (key, body, etag)
        return body, etag
