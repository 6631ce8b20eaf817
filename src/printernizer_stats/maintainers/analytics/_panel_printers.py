"""``printer_types`` for Grafana: ``_printers.protect_printer_types`` in SQL.

Rule a filters the types that pass their own gate; rules b, c and d each hide the smallest types left,
so what stays is a suffix of the filtered types in hiding order. Per type, with the suffix starting at it
(``position``): its installations (``suffix``), how many types it holds, and whether rule b or d would
stop there (rule b: no group merged into ``other`` bounded by the suffix or any later one, its largest
types); per week, where each rule stops (``keep_from``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from printernizer_stats.maintainers.analytics import _figures as f
from printernizer_stats.maintainers.analytics._model import OTHER_GROUP
from printernizer_stats.maintainers.analytics._panel_sql import (
    BINARY,
    K,
    figure_cells,
    flag,
    least,
    partition_groups,
    publishable_overlap,
    safe_part,
)
from printernizer_stats.maintainers.analytics._printers import NO_PRINTERS
from printernizer_stats.maintainers.analytics._sql import Tables
from printernizer_stats.registry import FLEET_SIZE_GROUPS, LARGEST_FLEET_SIZE

_MANY = 1000
"""Stands for "no upper bound" (the largest fleet-size group); always capped by a number of types."""


def most_printers(bucket: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """The most printers (so printer types) an installation in a fleet-size group can have."""
    whens: list[tuple[sa.ColumnElement[bool], Any]] = [(bucket == label, most) for _, most, label in FLEET_SIZE_GROUPS]
    return sa.case(*whens, (bucket == LARGEST_FLEET_SIZE, _MANY), else_=0)


def _fleet_week(fleet: sa.CTE) -> sa.Subquery:
    merged, without = fleet.c.label == OTHER_GROUP, fleet.c.group_1.in_(NO_PRINTERS)
    return sa.select(
        fleet.c.period, sa.func.sum(sa.case((merged, fleet.c.installations), else_=0)).label("other"),
        sa.func.sum(sa.case((sa.and_(~merged, ~without), fleet.c.installations), else_=0)).label("with_printers"),
        sa.func.max(flag(sa.and_(merged, ~without))).label("merged_with"),
        sa.func.max(sa.case((merged, most_printers(fleet.c.group_1)), else_=0)).label("most_merged"),
    ).group_by(fleet.c.period).subquery("fleet_week")


def _steps(raw: sa.CTE, fleet: sa.CTE, dialect: str) -> sa.CTE:
    """The types rule a keeps, in hiding order, with what rules b and d decide at each of them."""
    week = _fleet_week(fleet)
    typed = sa.select(*raw.c, sa.func.count().over(partition_by=raw.c.period).label("types")).subquery("typed")
    kept = sa.and_(publishable_overlap(typed.c.installations, typed.c.installations, typed.c.active),
                   safe_part(week.c.other + week.c.with_printers - typed.c.installations))
    order = (typed.c.installations, sa.collate(typed.c.group_1, BINARY[dialect]))
    ordered = (sa.select(
        *typed.c, *(column for column in week.c if column.name != "period"),
        (sa.func.row_number().over(partition_by=typed.c.period, order_by=order) - 1).label("position"),
        sa.func.count().over(partition_by=typed.c.period).label("kept"),
        sa.func.sum(typed.c.installations).over(partition_by=typed.c.period, order_by=order, rows=(0, None)
                                                ).label("suffix"))
        .join_from(typed, week, week.c.period == typed.c.period).where(kept).subquery("ordered"))
    o = ordered.c
    shown = fleet.alias("shown")
    most = most_printers(shown.c.group_1)
    capacity = (sa.select(o.period, o.group_1,
                          sa.func.coalesce(sa.func.sum(least(most, o.kept - o.position) * shown.c.installations), 0
                                           ).label("room"),
                          sa.func.coalesce(sa.func.sum(least(most, o.types) * shown.c.installations), 0
                                           ).label("capacity"))
                .join_from(ordered, shown, sa.and_(shown.c.period == o.period, shown.c.label != OTHER_GROUP),
                           isouter=True).group_by(o.period, o.group_1).subquery("capacity"))
    d_stops = capacity.c.capacity + least(o.most_merged, o.types) * o.other - o.suffix >= K
    needs = (sa.select(*o, capacity.c.room, flag(d_stops).label("d_stops"))
             .join_from(ordered, capacity, sa.and_(capacity.c.period == o.period, capacity.c.group_1 == o.group_1))
             .subquery("needs"))
    n, merged = needs.c, fleet.alias("merged")
    largest = n.kept - n.position
    spread, fewer = least(n.most_merged, largest), least(most_printers(merged.c.group_1), largest)
    bounds = sa.and_(fewer < spread, n.other * spread - (n.suffix - n.room) < K * (spread - fewer))
    bounding = (sa.select(n.period, n.group_1, sa.func.max(flag(bounds)).label("bounds"))
                .join_from(needs, merged, sa.and_(merged.c.period == n.period, merged.c.label == OTHER_GROUP),
                           isouter=True).group_by(n.period, n.group_1).subquery("bounding"))
    # the suffix from a position holds the largest types of every later one: rule b stops where none bounds
    later = sa.func.max(bounding.c.bounds).over(partition_by=n.period, order_by=n.position, rows=(0, None))
    b_stops = sa.or_(n.most_merged == 0, sa.func.coalesce(later, 0) == 0)
    return (sa.select(*(column for column in n if column.name != "room"), flag(b_stops).label("b_stops"))
            .join_from(needs, bounding, sa.and_(bounding.c.period == n.period, bounding.c.group_1 == n.group_1))
            .cte("printer_steps"))


def _keep_from(steps: sa.CTE) -> sa.Subquery:
    """Per week, the position of the first type kept after rules b, c and d."""
    s = steps.c
    after_b = sa.select(
        s.period, sa.func.coalesce(sa.func.min(sa.case((s.b_stops == 1, s.position))), sa.func.max(s.kept)
                                   ).label("after_b"),
        sa.func.max(s.kept).label("kept"), sa.func.max(s.types).label("types"),
        sa.func.max(s.merged_with).label("merged_with"), sa.func.max(s.with_printers).label("with_printers"),
        sa.func.max(sa.case((s.position == 0, s.suffix), else_=0)).label("total"),
    ).group_by(s.period).subquery("after_b")
    b = after_b.c
    c_hides = sa.and_(b.kept == b.types, b.after_b == 0, b.merged_with == 1, b.total - b.with_printers < K)
    after_c = sa.select(b.period, b.kept, b.types, (b.after_b + flag(c_hides)).label("after_c")).subquery("after_c")
    c = after_c.c
    d_stop = sa.func.coalesce(sa.func.min(sa.case((sa.and_(s.position >= c.after_c, s.d_stops == 1), s.position))),
                              c.kept)
    return (sa.select(c.period, sa.case((c.kept - c.after_c < c.types, d_stop), else_=c.after_c).label("keep_from"))
            .join_from(after_c, steps, steps.c.period == c.period)
            .group_by(c.period, c.kept, c.types, c.after_c).subquery("keep_from"))


def printer_type_cells(receiver: Tables, dialect: str) -> sa.CTE:
    """``printer_types`` with ``published`` (0/1)."""
    raw = figure_cells(f.PRINTER_TYPES, receiver, "printer_raw")
    steps = _steps(raw, partition_groups(f.FLEET_SIZES, receiver, dialect, "fleet"), dialect)
    keep_from = _keep_from(steps)
    published = sa.and_(steps.c.position.is_not(None), steps.c.position >= keep_from.c.keep_from)
    return (sa.select(*raw.c, flag(published).label("published"))
            .join_from(raw, steps, sa.and_(steps.c.period == raw.c.period, steps.c.group_1 == raw.c.group_1),
                       isouter=True)
            .join(keep_from, keep_from.c.period == raw.c.period, isouter=True).cte("printer_types_published"))
