"""Raw cells of each figure from the database: ingest rollups for recent weeks, retention rollups for older ones.

Which weeks: analytics looks at complete weeks only. A week's batches are built after it ends and sent
during the following week, so by default the newest week shown is the one before last
(``latest_complete_week``); the week still arriving would look like a drop in installations.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from printernizer_stats.maintainers.analytics._figures import FIGURES
from printernizer_stats.maintainers.analytics._kanon import DEFAULT_K
from printernizer_stats.maintainers.analytics._linked import publish_figures
from printernizer_stats.maintainers.analytics._model import Cell, Figure, FigureSpec
from printernizer_stats.maintainers.analytics._rollup_sql import as_date as _as_date
from printernizer_stats.maintainers.analytics._rollup_sql import cells_from_rows, rollup_select
from printernizer_stats.maintainers.analytics._sql import GROUP_COLUMNS, Tables, analytics_tables, between
from printernizer_stats.registry import Registry, week_start

DEFAULT_WEEKS = 26
SETTLE_WEEKS = 1
"""Weeks to wait after a week ends before it counts as complete (its batches arrive during the next week)."""


def latest_complete_week(today: date, settle_weeks: int = SETTLE_WEEKS) -> date:
    """The Monday of the newest week whose batches should all have arrived by ``today``."""
    return week_start(today) - timedelta(weeks=1 + settle_weeks)


@dataclass(frozen=True, slots=True)
class Window:
    """The weeks a report covers: Mondays from ``first`` to ``last`` inclusive."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.first.weekday() or self.last.weekday() or self.first > self.last:
            raise ValueError(f"a window runs from one Monday to a later one, not {self.first}..{self.last}")

    @classmethod
    def ending(cls, last: date, weeks: int = DEFAULT_WEEKS) -> Window:
        if weeks < 1:
            raise ValueError("weeks must be at least 1")
        return cls(last - timedelta(weeks=weeks - 1), last)

    @classmethod
    def for_today(cls, today: date, weeks: int = DEFAULT_WEEKS, settle_weeks: int = SETTLE_WEEKS) -> Window:
        return cls.ending(latest_complete_week(today, settle_weeks), weeks)

    @property
    def weeks(self) -> tuple[date, ...]:
        count = (self.last - self.first).days // 7 + 1
        return tuple(self.first + timedelta(weeks=i) for i in range(count))

    def to_json(self) -> dict[str, str]:
        return {"first": self.first.isoformat(), "last": self.last.isoformat()}


def tune_for_analytics(connection: Connection) -> None:
    """PostgreSQL: no JIT compilation for this transaction. The figure SQL is a few big scans and
    aggregations that JIT speeds up little, while compiling their plans took up to 1.6 s (bench/)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL jit = off")


def rollup_boundary(connection: Connection, receiver: Tables) -> date | None:
    """The newest week retention has rolled up (older weeks are read from rollups only)."""
    rollups = receiver["weekly_rollups"]
    newest = connection.execute(sa.select(sa.func.max(rollups.c.period))).scalar_one_or_none()
    return None if newest is None else _as_date(newest)


def rollup_cells(connection: Connection, receiver: Tables, spec: FigureSpec, window: Window) -> list[Cell]:
    rollups = receiver["weekly_rollups"]
    rows = connection.execute(sa.select(rollups).where(
        rollups.c.figure == spec.name, rollups.c.period.between(window.first, window.last))).mappings()
    return [Cell(_as_date(row["period"]), tuple(row[c] for c in GROUP_COLUMNS[: len(spec.dimensions)]),
                 int(row["installations"]), json.loads(row["measures"])) for row in rows]


def fetch_cells(connection: Connection, receiver: Tables, spec: FigureSpec, window: Window,
                boundary: date | None) -> list[Cell]:
    """Raw cells of ``spec`` over ``window``: retention rollups up to ``boundary``, ingest rollups after it."""
    cells: list[Cell] = []
    first = window.first
    if boundary is not None and boundary >= window.first:
        cells += rollup_cells(connection, receiver, spec, window)
        first = boundary + timedelta(weeks=1)
    if first <= window.last:
        cells += cells_from_rows(spec, connection.execute(
            rollup_select(spec, receiver, between(first, window.last))).mappings())
    return cells


def compute_figures(engine: Engine, window: Window, k: int = DEFAULT_K, specs: Sequence[FigureSpec] = FIGURES,
                    registry: Registry | None = None) -> dict[str, Figure]:
    """Every figure in ``specs`` over ``window``, published together (k-anonymous), over one connection.
    Every figure is read: the ones not asked for still take part in what may be published."""
    receiver = analytics_tables(registry)
    with engine.connect() as connection:
        tune_for_analytics(connection)
        boundary = rollup_boundary(connection, receiver)
        cells = {spec.name: fetch_cells(connection, receiver, spec, window, boundary) for spec in FIGURES}
    return publish_figures(cells, k, specs)
