"""Raw cells per figure and week, kept in memory by the serving process and refreshed week by week.

Recomputing 26 weeks of every figure reads every stored series (about 16 million rows for 20,000
installations); a closed week changes only when late batches arrive for it or an installation is deleted.
So the dashboard keeps each week's raw cells and re-reads only weeks whose ledger changed:

1. Fingerprint: ledger rows per week (a new batch adds one), deletion tombstones (a deletion removes rows
   from weeks nobody can name afterwards: everything is re-read) and the rollup boundary (retention).
2. Re-read the changed weeks, each contiguous run of weeks with one query per figure (a week's rows are one
   primary-key range).
3. Publish from the cells on every request (cheap); the raw cells never leave this object.

The fingerprint is checked at most every ``min_interval_s`` seconds, so request storms cost no queries;
the served app refreshes from a background task instead, and requests only read (``AnalyticsService``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
import structlog
from sqlalchemy.engine import Connection, Engine

from printernizer_stats.analytics._figures import FIGURES
from printernizer_stats.analytics._linked import publish_figures
from printernizer_stats.analytics._model import Cell, Figure, FigureSpec
from printernizer_stats.analytics._queries import Window, fetch_cells, rollup_boundary, tune_for_analytics
from printernizer_stats.analytics._sql import Tables, analytics_tables
from printernizer_stats.registry import Registry

_log = structlog.get_logger(__name__)
MAX_WEEKS = 104
"""Longest window served; cached weeks older than that behind the newest window are dropped."""


@dataclass(frozen=True, slots=True)
class Fingerprint:
    ledger_rows: dict[date, int]
    tombstones: int
    boundary: date | None


def fingerprint(connection: Connection, receiver: Tables, window: Window) -> Fingerprint:
    ledger = receiver["batches"]
    counts = connection.execute(
        sa.select(ledger.c.period, sa.func.count()).where(ledger.c.period.between(window.first, window.last))
        .group_by(ledger.c.period)).all()
    tombstones = connection.execute(sa.select(sa.func.count()).where(ledger.c.period.is_(None))).scalar_one()
    rows = {(p if isinstance(p, date) else date.fromisoformat(str(p))): int(n) for p, n in counts}
    return Fingerprint(rows, int(tombstones), rollup_boundary(connection, receiver))


def _runs(weeks: Sequence[date]) -> list[Window]:
    """Contiguous runs of weeks as windows."""
    found: list[Window] = []
    for week in sorted(weeks):
        if found and week - found[-1].last == timedelta(weeks=1):
            found[-1] = Window(found[-1].first, week)
        else:
            found.append(Window(week, week))
    return found


class FigureCache:
    """Raw cells of ``specs`` per week for one engine; thread-safe.

    Args:
        engine: the receiver's database.
        min_interval_s: least time between two fingerprint checks.
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
        self._seen: Fingerprint | None = None
        self._checked: tuple[Window, float] | None = None
        self.version = 0
        """Increases whenever cached cells change (callers may memoise what they publish from them)."""
        self.weeks_read = 0

    def refresh(self, window: Window, force: bool = False) -> int:
        """Bring ``window``'s weeks up to date; returns how many weeks were re-read."""
        with self._lock:
            now = self.clock()
            if (not force and self._checked is not None and self._checked[0] == window
                    and now - self._checked[1] < self.min_interval_s):
                return 0
            with self.engine.connect() as connection:
                tune_for_analytics(connection)
                seen = fingerprint(connection, self.receiver, window)
                stale = self._stale(window, seen)
                for run in _runs(stale):
                    self._read(connection, run, seen.boundary)
            oldest = window.last - timedelta(weeks=MAX_WEEKS)
            for week in [week for week in self._cells if week < oldest]:
                del self._cells[week]
            self._seen, self._checked = seen, (window, now)
            if stale:
                self.version += 1
                self.weeks_read += len(stale)
                _log.info("analytics.cache_refreshed", weeks=len(stale))
            return len(stale)

    def _stale(self, window: Window, seen: Fingerprint) -> list[date]:
        before = self._seen
        if before is None or before.tombstones != seen.tombstones or before.boundary != seen.boundary:
            return list(window.weeks)
        return [week for week in window.weeks
                if week not in self._cells or seen.ledger_rows.get(week, 0) != before.ledger_rows.get(week, 0)]

    def _read(self, connection: Connection, run: Window, boundary: date | None) -> None:
        fresh: dict[date, dict[str, list[Cell]]] = {week: {spec.name: [] for spec in self.specs} for week in run.weeks}
        for spec in self.specs:
            for cell in fetch_cells(connection, self.receiver, spec, run, boundary):
                fresh[cell.period][spec.name].append(cell)
        self._cells.update(fresh)

    def covers(self, window: Window) -> bool:
        """Whether every week of ``window`` has been read (possibly before newer batches arrived)."""
        with self._lock:
            return self._seen is not None and all(week in self._cells for week in window.weeks)

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
