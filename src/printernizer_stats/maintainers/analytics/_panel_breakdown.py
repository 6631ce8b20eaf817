"""``error_types_by_version`` and ``error_types`` for Grafana: ``_breakdown.protect_columns`` in SQL.

The breakdown's cells on the published version axis (``_linked.version_breakdown``), each cell's room
(``_breakdown.error_room``), then per column (error type) the hidden cells in hiding order: the column's
own-gate failures first, then by size and binary collation; a cell is hidden if it fails its own gate or
the cells before it are not yet protected (running sums over the preceding rows).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from printernizer_stats.maintainers.analytics import _figures as f
from printernizer_stats.maintainers.analytics._panel_sql import (
    BINARY,
    K,
    figure_cells,
    flag,
    least,
    partition_groups,
    publishable_overlap,
)
from printernizer_stats.maintainers.analytics._sql import Tables


def _on_version_axis(receiver: Tables, dialect: str) -> sa.CTE:
    """Cells summed into the published version groups, with the group's installations as trials."""
    versions = partition_groups(f.VERSIONS, receiver, dialect, "versions")
    groups = sa.select(versions.c.period, versions.c.label, sa.func.sum(versions.c.installations).label("n")
                       ).group_by(versions.c.period, versions.c.label).subquery("version_groups")
    raw = figure_cells(f.ERROR_TYPES_BY_VERSION, receiver, "breakdown_raw")
    axis = (sa.select(raw.c.period, versions.c.label.label("group_1"), raw.c.group_2,
                      sa.func.sum(raw.c.installations).label("installations"),
                      sa.func.sum(raw.c.errors).label("errors"))
            .join_from(raw, versions, sa.and_(versions.c.period == raw.c.period, versions.c.group_1 == raw.c.group_1))
            .group_by(raw.c.period, versions.c.label, raw.c.group_2).subquery("axis"))
    rows = sa.select(axis.c.period, sa.func.count(sa.distinct(axis.c.group_1)).label("rows")
                     ).group_by(axis.c.period).subquery("rows")
    return (sa.select(*axis.c, groups.c.n.label("version_installations"), rows.c.rows,
                      sa.func.count().over(partition_by=(axis.c.period, axis.c.group_2)).label("type_rows"))
            .join_from(axis, groups, sa.and_(groups.c.period == axis.c.period, groups.c.label == axis.c.group_1))
            .join(rows, rows.c.period == axis.c.period).cte("breakdown"))


def _with_room(cells: sa.CTE) -> sa.CTE:
    """``error_room``: spare errors of the cell, plus those of types every version group reports."""
    spare = cells.c.errors - cells.c.installations
    everywhere = sa.case((cells.c.type_rows == cells.c.rows, spare), else_=0)
    spares = sa.select(*cells.c, spare.label("spare"), everywhere.label("spare_everywhere"),
                       sa.func.sum(everywhere).over(partition_by=(cells.c.period, cells.c.group_1)).label("movable")
                       ).subquery("spares")
    room = least(spares.c.version_installations - spares.c.installations,
                 spares.c.spare + spares.c.movable - spares.c.spare_everywhere)
    return sa.select(*spares.c, room.label("room")).cte("breakdown_room")


def breakdown_cells(receiver: Tables, dialect: str) -> sa.CTE:
    """``error_types_by_version`` with ``published`` and, per column, ``unprotectable`` (both 0/1)."""
    cells = _with_room(_on_version_axis(receiver, dialect))
    totals = figure_cells(f.ERROR_TYPES, receiver, "type_totals")
    own_gate = publishable_overlap(cells.c.installations, cells.c.installations, cells.c.version_installations)
    fails = flag(sa.not_(own_gate))
    column = (cells.c.period, cells.c.group_2)
    order = (fails.desc(), cells.c.installations, sa.collate(cells.c.group_1, BINARY[dialect]))
    complement = cells.c.version_installations - cells.c.installations

    def before(value: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        return sa.func.coalesce(sa.func.sum(value).over(partition_by=column, order_by=order, rows=(None, -1)), 0)

    def in_column(value: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        return sa.func.sum(value).over(partition_by=column)

    ranked = (sa.select(
        *cells.c, fails.label("fails"), sa.func.max(fails).over(partition_by=column).label("column_hides"),
        flag(publishable_overlap(totals.c.installations, totals.c.installations, totals.c.active)).label("total_ok"),
        before(cells.c.installations).label("successes_before"), before(complement).label("complements_before"),
        before(cells.c.room).label("room_before"), in_column(cells.c.installations).label("successes_all"),
        in_column(complement).label("complements_all"), in_column(cells.c.room).label("room_all"))
        .join_from(cells, totals, sa.and_(totals.c.period == cells.c.period, totals.c.group_1 == cells.c.group_2),
                   isouter=True).subquery("ranked"))
    r = ranked.c
    unprotectable = sa.and_(r.column_hides == 1, sa.not_(sa.and_(
        r.successes_all >= K, r.complements_all >= K, r.room_all >= 1)))
    hidden = sa.or_(r.fails == 1, sa.and_(r.column_hides == 1, sa.not_(sa.and_(
        r.successes_before >= K, r.complements_before >= K, r.room_before >= 1))))
    return sa.select(*r, flag(unprotectable).label("unprotectable"), flag(sa.and_(
        r.total_ok == 1, sa.not_(unprotectable), sa.not_(hidden))).label("published")).cte("breakdown_published")


def error_type_cells(receiver: Tables, dialect: str) -> sa.CTE:
    """``error_types``: its own gate, minus the types whose breakdown column cannot be protected."""
    cells = figure_cells(f.ERROR_TYPES, receiver, "error_type_cells")
    breakdown = breakdown_cells(receiver, dialect)
    dropped = (sa.select(breakdown.c.period, breakdown.c.group_2).where(breakdown.c.unprotectable == 1)
               .distinct().subquery("dropped"))
    published = sa.and_(publishable_overlap(cells.c.installations, cells.c.installations, cells.c.active),
                        dropped.c.period.is_(None))
    return (sa.select(*cells.c, flag(published).label("published"))
            .join_from(cells, dropped, sa.and_(dropped.c.period == cells.c.period,
                                               dropped.c.group_2 == cells.c.group_1), isouter=True)
            .cte("error_types_published"))
