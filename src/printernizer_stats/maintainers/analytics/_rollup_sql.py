"""Figures from ``figure_rollups`` (kept by the receiver at ingest), and their full recomputation.

``rollup_select(spec, tables, where)`` returns the columns ``figure_select`` returns (``_sql.py``), read
from the rollups: a week's figure is a few hundred rows whatever the number of installations. The
measures one figure takes from another (the week's active installations beside printer and error types,
a version group's installations and jobs beside the error-type breakdown) are joined here.

``rebuild_rollups`` recomputes the table from the per-installation rows with ``figure_select`` over the
installations that count (batches received in two distinct weeks, ``server/_rollup_store.py``): an implementation
independent of the receiver's incremental one, so a test can hold them to the same bits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.engine import Connection, Engine

from printernizer_stats.maintainers.analytics._figures import FIGURES
from printernizer_stats.maintainers.analytics._model import Cell, FigureSpec
from printernizer_stats.maintainers.analytics._sql import (
    GROUP_COLUMNS,
    PeriodFilter,
    Tables,
    analytics_tables,
    figure_select,
)
from printernizer_stats.maintainers.server import MEASURES, STORED_MEASURES
from printernizer_stats.registry import Registry

_log = structlog.get_logger(__name__)
_JOINED: dict[str, tuple[str, dict[str, str], bool]] = {
    "printer_types": ("active_installations", {"active": "installations"}, False),
    "error_types": ("active_installations", {"active": "installations", "jobs": "jobs"}, False),
    "error_types_by_version": ("errors_by_version", {"version_installations": "installations", "jobs": "jobs"},
                               True),
}
"""figure -> (figure it joins, its column name -> that figure's column, joined on group_1 too)."""


def _number(value: Any) -> float:
    return float(value) if isinstance(value, Decimal | int | float) else 0.0


def as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def cells_from_rows(spec: FigureSpec, rows: Iterable[sa.RowMapping]) -> list[Cell]:
    """Cells from the rows of ``figure_select`` or ``rollup_select`` (measures: every column but period,
    groups and count)."""
    skip = {"period", "installations", *GROUP_COLUMNS}
    cells = []
    for row in rows:
        group = tuple(str(row[column]) for column in GROUP_COLUMNS[: len(spec.dimensions)])
        measures = {name: _number(value) for name, value in row.items() if name not in skip}
        cells.append(Cell(as_date(row["period"]), group, int(row["installations"]), measures))
    return cells


def rollup_select(spec: FigureSpec, receiver: Tables, where: PeriodFilter) -> sa.Select[Any]:
    """``spec``'s raw cells over the weeks ``where`` admits, from the rollups."""
    rollups = receiver["figure_rollups"]
    groups = [rollups.c[g] for g in GROUP_COLUMNS[: len(spec.dimensions)]]
    columns: list[sa.ColumnElement[Any]] = [rollups.c.period, *groups, rollups.c.installations]
    columns += [rollups.c[name] for name in STORED_MEASURES[spec.name]]
    select_from: Any = rollups
    joined = _JOINED.get(spec.name)
    if joined is not None:
        figure, names, by_group = joined
        other = rollups.alias("joined")
        on = [other.c.period == rollups.c.period, other.c.figure == figure]
        if by_group:
            on.append(other.c.group_1 == rollups.c.group_1)
        select_from = rollups.join(other, sa.and_(*on))
        columns += [other.c[source].label(name) for name, source in names.items()]
    return sa.select(*columns).select_from(select_from).where(rollups.c.figure == spec.name, where(rollups.c.period))


def counted_rows(receiver: Tables, where: PeriodFilter) -> PeriodFilter:
    """``where``, on rows of installations that count (batches received in two distinct weeks) only."""
    installations = receiver["installations"]
    members = sa.select(installations.c.installation_id).where(
        installations.c.first_received_week < installations.c.last_received_week)
    return lambda period: sa.and_(where(period), period.table.c.installation_id.in_(members))


def recomputed_rollups(connection: Connection, registry: Registry | None = None) -> list[dict[str, Any]]:
    """``figure_rollups`` as a full recomputation from the per-installation rows gives it, sorted by key."""
    receiver = analytics_tables(registry)
    where = counted_rows(receiver, lambda period: sa.true())
    rows: list[dict[str, Any]] = []
    for spec in FIGURES:
        for cell in cells_from_rows(spec, connection.execute(figure_select(spec, receiver, where)).mappings()):
            groups = (*cell.group, "", "")[: len(GROUP_COLUMNS)]
            rows.append({"period": cell.period, "figure": spec.name, **dict(zip(GROUP_COLUMNS, groups, strict=True)),
                         "installations": cell.installations,
                         **{name: float(cell.measures.get(name, 0.0)) if name in STORED_MEASURES[spec.name]
                            else 0.0 for name in MEASURES}})
    return sorted(rows, key=lambda row: (row["period"], row["figure"], row["group_1"], row["group_2"]))


def stored_rollups(engine: Engine, registry: Registry | None = None) -> list[dict[str, Any]]:
    """``figure_rollups`` as stored, sorted by key (for comparing with ``recomputed_rollups``)."""
    rollups = analytics_tables(registry)["figure_rollups"]
    with engine.connect() as connection:
        rows = [dict(row) for row in connection.execute(sa.select(rollups).order_by(
            rollups.c.period, rollups.c.figure, rollups.c.group_1, rollups.c.group_2)).mappings()]
    for row in rows:
        row["installations"] = int(row["installations"])
        row.update({name: float(row[name]) for name in MEASURES})
    return rows


def rollups_missing(engine: Engine, registry: Registry | None = None) -> bool:
    """Whether rows are stored but no rollup is: a database upgraded from before the rollups."""
    receiver = analytics_tables(registry)
    with engine.connect() as connection:
        def empty(name: str) -> bool:
            return connection.execute(sa.select(sa.literal(1)).select_from(receiver[name]).limit(1)).first() is None
        return empty("figure_rollups") and not empty("daily_stats")


def rebuild_rollups(engine: Engine, registry: Registry | None = None) -> int:
    """Replace ``figure_rollups`` with its full recomputation, in one transaction; returns its rows.

    The table is locked first (the delete takes SQLite's write lock): a batch stored concurrently either
    committed before and is recomputed, or adds its increment after this commits."""
    rollups = analytics_tables(registry)["figure_rollups"]
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("LOCK TABLE figure_rollups IN EXCLUSIVE MODE")
        connection.execute(rollups.delete())
        rows = recomputed_rollups(connection, registry)
        for chunk in range(0, len(rows), 5000):
            connection.execute(rollups.insert(), rows[chunk:chunk + 5000])
    _log.info("analytics.rollups_rebuilt", rows=len(rows))
    return len(rows)
