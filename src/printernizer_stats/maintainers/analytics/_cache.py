"""Raw cells per figure and week, held by the serving process and re-read from the rollups when due.

The rollups (``figure_rollups``, kept by every receiver at ingest) are the shared state: a week's figure
is a few hundred rows whatever the number of installations, so a refresh simply re-reads the whole window
(one query per figure) and no receiver or dashboard process holds anything another could contradict for
longer than ``min_interval_s``. What changed is found by comparing cells, so callers memoising what they
publish (``version``) only redo it when a figure moved.

The window is re-read at most every ``min_interval_s`` seconds, so request storms cost no queries; the
served app refreshes from a background task instead, and requests only read (``AnalyticsService``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta

import structlog
from sqlalchemy.engine import Engine

from printernizer_stats.maintainers.analytics._figures import FIGURES
from printernizer_stats.maintainers.analytics._linked import publish_figures
from printernizer_stats.maintainers.analytics._model import Cell, Figure, FigureSpec
from printernizer_stats.maintainers.analytics._queries import Window, fetch_cells, rollup_boundary, tune_for_analytics
from printernizer_stats.maintainers.analytics._sql import analytics_tables
from printernizer_stats.registry import Registry

_log = structlog.get_logger(__name__)
MAX_WEEKS = 104
"""Longest window served; cached weeks older than that behind the newest window are dropped."""


class FigureCache:
    """Raw cells of ``specs`` per week for one engine, read from the rollups; thread-safe.

    Args:
        engine: the receiver's database.
        min_interval_s: least time between two reads of the same window.
        clock: monotonic seconds (a parameter for tests).
    """

    def __init__(self, engine: Engine, registry: Registry | None = None, specs: Sequence[FigureSpec] = FIGURES,
                 min_interval_s: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.engine = engine
        self.receiver = analytics_tables(registry)
        self.specs = tuple(specs)
        self.min_interval_s = min_interval_s
        self.clock = clock
        self._lock = threading.Lock()
        self._cells: dict[date, dict[str, list[Cell]]] = {}
        self._checked: tuple[Window, float] | None = None
        self.version = 0
        """Increases whenever cached cells change (callers may memoise what they publish from them)."""
        self.weeks_read = 0

    def refresh(self, window: Window, force: bool = False) -> int:
        """Re-read ``window``'s weeks from the rollups if due; returns how many weeks changed."""
        with self._lock:
            now = self.clock()
            if (not force and self._checked is not None and self._checked[0] == window
                    and now - self._checked[1] < self.min_interval_s):
                return 0
            fresh: dict[date, dict[str, list[Cell]]] = {week: {spec.name: [] for spec in self.specs}
                                                        for week in window.weeks}
            with self.engine.connect() as connection:
                tune_for_analytics(connection)
                boundary = rollup_boundary(connection, self.receiver)
                for spec in self.specs:
                    for cell in fetch_cells(connection, self.receiver, spec, window, boundary):
                        fresh[cell.period][spec.name].append(cell)
            changed = [week for week in window.weeks if self._cells.get(week) != fresh[week]]
            self._cells.update(fresh)
            oldest = window.last - timedelta(weeks=MAX_WEEKS)
            for week in [week for week in self._cells if week < oldest]:
                del self._cells[week]
            self._checked = (window, now)
            self.weeks_read += len(window.weeks)
            if changed:
                self.version += 1
                _log.info("analytics.cache_refreshed", weeks=len(changed))
            return len(changed)

    def covers(self, window: Window) -> bool:
        """Whether every week of ``window`` has been read (possibly before newer batches arrived)."""
        with self._lock:
            return all(week in self._cells for week in window.weeks)

    def cells(self, spec: FigureSpec, window: Window) -> list[Cell]:
        with self._lock:
            return [cell for week in window.weeks for cell in self._cells.get(week, {}).get(spec.name, ())]

    def all_cells(self, window: Window) -> dict[str, list[Cell]]:
        """Every cached figure's raw cells over ``window`` (for ``publish_figures``, never for output)."""
        return {spec.name: self.cells(spec, window) for spec in self.specs}

    def figures(self, window: Window, k: int) -> dict[str, Figure]:
        """Every figure over ``window``, published together at ``k`` (refreshing first if due)."""
        self.refresh(window)
        return publish_figures(self.all_cells(window), k, self.specs)
