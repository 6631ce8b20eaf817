"""Each figure's cells as one SQLAlchemy Core SELECT over the receiver's tables (SQLite, PostgreSQL, SQL Server).

Every SELECT returns ``period``, one column per dimension (``group_1``, ``group_2``), ``installations`` (the
distinct installations in the group) and the figure's measures, so the Python path (``_queries.py``) and
the Grafana panels (``_grafana.py``) run the same SQL. The week range is a callable on the period column:
``between(first, last)`` for Python, Grafana's ``$__timeFilter(...)`` macro for panels.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import expression
from sqlalchemy.sql.compiler import SQLCompiler

from printernizer_stats.maintainers.analytics import _figures as f
from printernizer_stats.maintainers.analytics._model import FigureSpec
from printernizer_stats.maintainers.server import figure_rollups, rollup_table, tables
from printernizer_stats.registry import FLEET_SIZE_GROUPS, LARGEST_FLEET_SIZE, Registry, default_registry

PeriodFilter = Callable[[sa.ColumnElement[Any]], sa.ColumnElement[bool]]
Tables = dict[str, sa.Table]
GROUP_COLUMNS = ("group_1", "group_2")
_KEY = re.compile(r"^[a-z][a-z0-9_.]*$")


class attribute_value(expression.FunctionElement[str]):
    """``attribute_value(column, "name")``: one value of a canonical-JSON attributes column, per dialect."""

    type = sa.String()
    inherit_cache = True
    name = "attribute_value"

    def __init__(self, column: sa.ColumnElement[Any], key: str) -> None:
        if not _KEY.match(key):
            raise ValueError(f"not an attribute name: {key!r}")
        super().__init__(column, sa.literal(key, sa.String()))


def _parts(element: attribute_value, compiler: SQLCompiler, **kw: Any) -> tuple[str, str]:
    column, key = element.clauses.clauses
    return compiler.process(column, **kw), key.value


@compiles(attribute_value, "postgresql")
def _postgresql(element: attribute_value, compiler: SQLCompiler, **kw: Any) -> str:
    column, key = _parts(element, compiler, **kw)
    return f"(CAST({column} AS json) ->> '{key}')"


@compiles(attribute_value, "mssql")
def _mssql(element: attribute_value, compiler: SQLCompiler, **kw: Any) -> str:
    column, key = _parts(element, compiler, **kw)
    return f"JSON_VALUE({column}, '$.\"{key}\"')"


@compiles(attribute_value)
def _default(element: attribute_value, compiler: SQLCompiler, **kw: Any) -> str:
    column, key = _parts(element, compiler, **kw)
    return f"json_extract({column}, '$.\"{key}\"')"


def analytics_tables(registry: Registry | None = None) -> Tables:
    """The receiver's tables, its ingest rollups and the retention rollups, by name."""
    registry = registry or default_registry()
    return {**tables(registry), "figure_rollups": figure_rollups(registry), "weekly_rollups": rollup_table(registry)}


ANALYTICS_INDEX = "ix_events_summary_analytics"


def analytics_index_sql() -> str:
    """Optional index (PostgreSQL, and SQL Server as a filtered index) for the figures that read
    ``events_summary`` over many weeks at once: ``insights``, the dashboard's start-up fill, Grafana.
    Not created by the migrations: every batch would pay for it at ingest (docs/analytics.md)."""
    metrics = ", ".join(f"'{m}'" for m in (f.PRINTERS_METRIC, f.FEATURES_METRIC, f.ERRORS_METRIC))
    return (f"CREATE INDEX {ANALYTICS_INDEX} ON events_summary (metric, period, installation_id, attributes) "
            f"INCLUDE (value) WHERE metric IN ({metrics})")


def between(first: date, last: date) -> PeriodFilter:
    """The weeks from ``first`` to ``last`` (Mondays, inclusive)."""
    return lambda period: period.between(first, last)


def _float(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    # Squares of BIGINT sums overflow BIGINT on SQL Server; FLOAT(53) holds them.
    return sa.cast(column, sa.Float(precision=53))


def _error_sums(errors: sa.ColumnElement[Any], jobs: sa.ColumnElement[Any]) -> list[sa.ColumnElement[Any]]:
    """Errors, jobs and the sums of squares the clustered rate interval needs."""
    e, j = _float(errors), _float(jobs)
    return [sa.func.sum(e).label("errors"), sa.func.sum(j).label("jobs"), sa.func.sum(e * e).label("errors_sq"),
            sa.func.sum(j * j).label("jobs_sq"), sa.func.sum(e * j).label("errors_jobs")]


def _count() -> sa.ColumnElement[Any]:
    return sa.func.count().label("installations")


def _fleet_bucket(count: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    whens: list[tuple[sa.ColumnElement[bool], sa.ColumnElement[str]]] = [(count.is_(None), sa.literal(f.UNKNOWN))]
    whens += [(count <= most, sa.literal(label)) for _, most, label in FLEET_SIZE_GROUPS]
    return sa.case(*whens, else_=sa.literal(LARGEST_FLEET_SIZE))


def _active(daily: sa.Table, where: PeriodFilter, by_version: bool = False) -> sa.Subquery:
    """Per week (and version): active installations and jobs, the denominators of OVERLAP figures."""
    keys = [daily.c.period, *([daily.c.app_version] if by_version else [])]
    return (sa.select(*keys, sa.func.count().label("active"), sa.func.sum(_float(daily.c.jobs_created)).label("jobs"))
            .where(where(daily.c.period)).group_by(*keys).subquery("active"))


def figure_select(spec: FigureSpec, tables: Tables, where: PeriodFilter) -> sa.Select[Any]:
    """The SELECT of ``spec``'s raw cells over the weeks ``where`` admits."""
    daily, events = tables["daily_stats"], tables["events_summary"]
    period = daily.c.period
    if spec is f.ACTIVE:
        return (sa.select(period, _count(), *_error_sums(daily.c.error_count, daily.c.jobs_created),
                          sa.func.sum(_float(daily.c.printer_count)).label("printers"))
                .where(where(period)).group_by(period))
    if spec.name in f.FACT_FIGURES:
        fact = daily.c[f.FACT_FIGURES[spec.name]]
        return sa.select(period, fact.label("group_1"), _count()).where(where(period)).group_by(period, fact)
    if spec is f.FLEET_SIZES:
        bucket = _fleet_bucket(daily.c.printer_count)
        return (sa.select(period, bucket.label("group_1"), _count(),
                          sa.func.sum(_float(daily.c.printer_count)).label("printers"))
                .where(where(period)).group_by(period, bucket))
    if spec is f.UPTIME:
        days = sa.case((daily.c.uptime_days.is_(None), sa.literal(f.UNKNOWN)),
                       else_=sa.cast(daily.c.uptime_days, sa.String(8)))
        return sa.select(period, days.label("group_1"), _count()).where(where(period)).group_by(period, days)
    if spec is f.ERRORS_BY_VERSION:
        version = daily.c.app_version
        return (sa.select(period, version.label("group_1"), _count(),
                          *_error_sums(daily.c.error_count, daily.c.jobs_created))
                .where(where(period)).group_by(period, version))
    if spec is f.PRINTER_TYPES:
        return _single_attribute(events, f.PRINTERS_METRIC, f.PRINTER_TYPE, where, daily, value_name="printers")
    if spec is f.FEATURES:
        return _single_attribute(events, f.FEATURES_METRIC, f.FEATURE, where, None, value_name="enabled",
                                 only_positive=False)
    if spec is f.ERROR_TYPES:
        return _error_types(events, daily, where, by_version=False)
    if spec is f.ERROR_TYPES_BY_VERSION:
        return _error_types(events, daily, where, by_version=True)
    raise ValueError(f"no SQL for figure {spec.name!r}")


def _single_attribute(events: sa.Table, metric: str, attribute: str, where: PeriodFilter, daily: sa.Table | None,
                      value_name: str, only_positive: bool = True) -> sa.Select[Any]:
    """Cells of a one-attribute metric: grouped by the stored attributes text (cheap), the value decoded after.

    ``only_positive``: count an installation in the group only when its value is above 0 (has a printer of
    the type); otherwise every reporting installation (features: 0 or 1). With ``daily``, each week's active
    installations come along as ``active``."""
    conditions = [events.c.metric == metric, where(events.c.period)]
    if only_positive:
        conditions.append(events.c.value > 0)
    cells = (sa.select(events.c.period, events.c.attributes, _count(),
                       sa.func.sum(events.c.value).label(value_name))
             .where(*conditions).group_by(events.c.period, events.c.attributes).subquery("cells"))
    label = attribute_value(cells.c.attributes, attribute).label("group_1")
    columns: list[sa.ColumnElement[Any]] = [cells.c.period, label, cells.c.installations, cells.c[value_name]]
    if daily is None:
        return sa.select(*columns)
    active = _active(daily, where)
    return sa.select(*columns, active.c.active).join_from(cells, active, active.c.period == cells.c.period)


def _error_types(events: sa.Table, daily: sa.Table, where: PeriodFilter, by_version: bool) -> sa.Select[Any]:
    """Installations with at least one error of a type, its errors, and the week's (version's) active
    installations and jobs.

    An installation can report a type from several components: its rows are first summed per installation
    and type (in primary-key order, so without a sort), then counted, which is a distinct count."""
    error_type = attribute_value(events.c.attributes, f.ERROR_TYPE)
    per_installation = (
        sa.select(events.c.period, events.c.installation_id, error_type.label(f.ERROR_TYPE),
                  sa.func.sum(events.c.value).label("errors"))
        .where(events.c.metric == f.ERRORS_METRIC, events.c.value > 0, where(events.c.period))
        .group_by(events.c.period, events.c.installation_id, error_type).subquery("per_installation"))
    keys: list[sa.ColumnElement[Any]] = [per_installation.c.period]
    source: Any = per_installation
    if by_version:
        source = per_installation.join(daily, sa.and_(daily.c.period == per_installation.c.period,
                                                      daily.c.installation_id == per_installation.c.installation_id))
        keys.append(daily.c.app_version)
    cells = (sa.select(*keys, per_installation.c.error_type, sa.func.count().label("installations"),
                       sa.func.sum(per_installation.c.errors).label("errors"))
             .select_from(source).group_by(*keys, per_installation.c.error_type).subquery("cells"))
    active = _active(daily, where, by_version)
    on = [active.c.period == cells.c.period]
    groups: list[sa.ColumnElement[Any]] = [cells.c.error_type.label("group_1")]
    trials = active.c.active.label("active")
    if by_version:
        on.append(active.c.app_version == cells.c.app_version)
        groups = [cells.c.app_version.label("group_1"), cells.c.error_type.label("group_2")]
        trials = active.c.active.label("version_installations")
    return (sa.select(cells.c.period, *groups, cells.c.installations, cells.c.errors, trials, active.c.jobs)
            .join_from(cells, active, sa.and_(*on)))
