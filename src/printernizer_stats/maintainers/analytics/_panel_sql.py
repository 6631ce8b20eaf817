"""The publishing rules of ``_kanon.py`` and ``_linked.py`` as SQL, for Grafana's panels (``_grafana.py``).

Each figure's cells come from the ingest rollups (``rollup_select``: weeks retention has not rolled up, with
Grafana's ``$__timeFilter``) UNION ALL its retention rollups; k is the dashboard constant ``$k``. The functions here
and in ``_panel_breakdown.py`` / ``_panel_printers.py`` compute what the Python function named in each
docstring computes, from the same quantities in the same order, a window function for each of its loops,
and return the cells with a ``published`` flag (0/1). A test runs every panel on PostgreSQL against
``publish_figures``, on weeks where each rule hides something.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from printernizer_stats.maintainers.analytics import _figures as f
from printernizer_stats.maintainers.analytics._model import OTHER_GROUP, FigureSpec
from printernizer_stats.maintainers.analytics._rollup_sql import rollup_select
from printernizer_stats.maintainers.analytics._sql import GROUP_COLUMNS, Tables, attribute_value

K: sa.ColumnElement[Any] = sa.literal_column("$k")
BINARY = {"postgresql": "C", "mssql": "Latin1_General_BIN2"}
DOUBLE = sa.Float(precision=53)


def figure_cells(spec: FigureSpec, receiver: Tables, name: str) -> sa.CTE:
    """``spec``'s raw cells: ingest rollups of weeks retention has not rolled up, UNION ALL its retention rollups."""
    rollups = receiver["weekly_rollups"]
    rolled_up = rollups.alias("rolled_up")

    def where(period: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
        # Ingest rollups only for weeks retention has not rolled up (an anti-join: the planner estimates it well).
        column = f"{period.table.name}.{period.name}"
        return sa.and_(sa.text(f"$__timeFilter({column})"), ~sa.exists().where(rolled_up.c.period == period))

    live = rollup_select(spec, receiver, where)
    names = [column.name for column in live.selected_columns]
    measures = [name for name in names if name not in {"period", "installations", *GROUP_COLUMNS}]
    rolled = sa.select(
        rollups.c.period, *(rollups.c[g] for g in GROUP_COLUMNS[: len(spec.dimensions)]), rollups.c.installations,
        *(sa.cast(attribute_value(rollups.c.measures, m), DOUBLE).label(m) for m in measures),
    ).where(rollups.c.figure == spec.name, sa.text("$__timeFilter(weekly_rollups.period)"))
    return sa.union_all(live, rolled).cte(name)


def flag(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.case((condition, 1), else_=0)


def least(a: sa.ColumnElement[Any], b: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    return sa.case((a < b, a), else_=b)  # LEAST is not in SQL Server before 2022


def safe_part(installations: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    """``_kanon.safe_part``: none, or at least k."""
    return sa.or_(installations == 0, installations >= K)


def publishable_overlap(installations: sa.ColumnElement[Any], successes: sa.ColumnElement[Any],
                        trials: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    """``_kanon.publishable_overlap``."""
    return sa.and_(installations >= K, trials >= K, safe_part(successes), safe_part(trials - successes))


def partition_groups(spec: FigureSpec, receiver: Tables, dialect: str, name: str) -> sa.CTE:
    """``_kanon.merge_small_groups`` for every week with at least k installations: per raw group
    (``group_1``) its published ``label`` (itself or ``other``), with ``week_total``. Window functions order
    a week's groups as Python does (small ones, a real ``other``, the rest by size, binary collation)."""
    cells = figure_cells(spec, receiver, f"{name}_cells")
    group, size = cells.c.group_1, cells.c.installations
    merge_order = sa.case((size < K, 0), (group == OTHER_GROUP, 1), else_=2)
    ranked = sa.select(
        *cells.c,
        sa.func.sum(size).over(partition_by=cells.c.period).label("week_total"),
        sa.func.min(size).over(partition_by=cells.c.period).label("week_smallest"),
        sa.func.coalesce(sa.func.sum(size).over(
            partition_by=cells.c.period, order_by=(merge_order, size, sa.collate(group, BINARY[dialect])),
            rows=(None, -1)), 0).label("merged_before"),
    ).cte(f"{name}_ranked")
    label = sa.case((sa.and_(ranked.c.week_smallest < K, sa.or_(
        ranked.c.installations < K, ranked.c.merged_before < K, ranked.c.group_1 == OTHER_GROUP)),
        sa.literal(OTHER_GROUP)), else_=ranked.c.group_1)
    return sa.select(*ranked.c, label.label("label")).where(ranked.c.week_total >= K).cte(f"{name}_groups")


def active_weeks(receiver: Tables) -> sa.CTE:
    cells = figure_cells(f.ACTIVE, receiver, "active_cells")
    return sa.select(cells.c.period, cells.c.installations.label("active")).where(
        cells.c.installations >= K).cte("active_weeks")


def feature_cells(receiver: Tables) -> sa.CTE:
    """Features: their own gate and rule 4 (``_linked.anonymous_week``)."""
    cells = figure_cells(f.FEATURES, receiver, "feature_cells")
    active = active_weeks(receiver)
    published = sa.and_(publishable_overlap(cells.c.installations, cells.c.enabled, cells.c.installations),
                        safe_part(active.c.active - cells.c.installations))
    return sa.select(*cells.c, flag(published).label("published")).join_from(
        cells, active, active.c.period == cells.c.period).cte("features_published")
