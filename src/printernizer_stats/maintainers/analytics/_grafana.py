"""Grafana dashboards (PostgreSQL and SQL Server) generated from the same figure SQL the dashboard runs.

Each panel's query is ``rollup_select`` (the ingest rollups of weeks not rolled up by retention, Grafana's
``$__timeFilter`` on every period column) UNION ALL the figure's retention rollups, followed by the
publishing rules of ``publish_figures`` written in SQL (``_panel_sql.py`` and the two modules beside it),
with k the dashboard constant ``$k``:

- PARTITION figures: window functions order a week's groups as ``merge_small_groups`` does (small ones,
  then a real ``other``, then the rest by size and binary collation) and merge every group that
  ``_kanon`` would merge into ``other``; weeks with fewer than k installations return nothing.
- OVERLAP figures: a group's own gate (it, its successes and their complement 0 or >= k), then the rules
  across figures (``_linked.py``), computed from the cells of the figures it is linked to.

A test executes every PostgreSQL panel against populated databases and compares the results with
``publish_figures``; the SQL Server variant is parsed as T-SQL. Regenerate the shipped files with
``printernizer-stats grafana-dashboard --dialect postgresql|mssql``; a test keeps them in sync."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mssql, postgresql

from printernizer_stats.maintainers.analytics import _figures as f
from printernizer_stats.maintainers.analytics._kanon import DEFAULT_K
from printernizer_stats.maintainers.analytics._model import FigureSpec, GroupKind
from printernizer_stats.maintainers.analytics._panel_breakdown import breakdown_cells, error_type_cells
from printernizer_stats.maintainers.analytics._panel_printers import printer_type_cells
from printernizer_stats.maintainers.analytics._panel_sql import K, feature_cells, figure_cells, partition_groups
from printernizer_stats.maintainers.analytics._sql import Tables, analytics_tables

DATASOURCES = {
    "postgresql": {"type": "grafana-postgresql-datasource", "uid": "printernizer-stats-postgres"},
    "mssql": {"type": "mssql", "uid": "printernizer-stats-mssql"},
}
_DIALECTS: dict[str, sa.engine.Dialect] = {"postgresql": postgresql.dialect(), "mssql": mssql.dialect()}  # type: ignore[no-untyped-call]


@dataclass(frozen=True, slots=True)
class Panel:
    spec: FigureSpec
    title: str
    value: str
    """``share``, ``installations`` or ``rate`` (per 1,000 jobs); ``table`` for a table panel."""
    unit: str = "percentunit"


PANELS = (
    Panel(f.ACTIVE, "Active installations per week", "installations", "short"),
    Panel(f.ACTIVE, "Errors per 1,000 jobs, all installations", "rate", "short"),
    Panel(f.ERRORS_BY_VERSION, "Errors per 1,000 jobs by version", "rate", "short"),
    Panel(f.VERSIONS, "Versions: share of installations", "share"),
    Panel(f.DEPLOYMENT_MODES, "Deployment modes: share of installations", "share"),
    Panel(f.PRINTER_TYPES, "Printer types: share of installations with one", "share"),
    Panel(f.FLEET_SIZES, "Printer fleet size: share of installations", "share"),
    Panel(f.FEATURES, "Feature adoption: share of reporting installations", "share"),
    Panel(f.ERROR_TYPES, "Error types: share of installations reporting them", "share"),
    Panel(f.ERROR_TYPES_BY_VERSION, "Error types by version", "table", "short"),
    Panel(f.UPTIME, "Uptime (days a week): share of installations", "share"),
    Panel(f.COUNTRIES, "Countries: share of installations", "share"),
    Panel(f.PLATFORMS, "Operating systems: share of installations", "share"),
    Panel(f.PYTHON_VERSIONS, "Python versions: share of installations", "share"),
)


def _time(period: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    return sa.cast(period, sa.DateTime).label("time")


def _ratio(numerator: sa.ColumnElement[Any], denominator: sa.ColumnElement[Any], per: float = 1.0
           ) -> sa.ColumnElement[Any]:
    double = sa.Float(precision=53)
    top = sa.cast(numerator, double) * sa.literal_column(repr(per), double) if per != 1 else sa.cast(numerator, double)
    return (top / sa.func.nullif(sa.cast(denominator, double), 0, type_=double)).label("value")


def panel_select(panel: Panel, dialect: str, receiver: Tables) -> sa.Select[Any]:
    spec = panel.spec
    if spec.kind is GroupKind.OVERLAP:
        return _overlap(panel, dialect, receiver)
    if not spec.dimensions:
        cells = figure_cells(spec, receiver, "figure_cells")
        value = (sa.cast(cells.c.installations, sa.Float(precision=53)).label("value")
                 if panel.value == "installations" else _ratio(cells.c.errors, cells.c.jobs, 1000.0))
        return sa.select(_time(cells.c.period), value).where(cells.c.installations >= K).order_by(cells.c.period)
    groups = partition_groups(spec, receiver, dialect, "figure")
    if panel.value == "share":
        value = _ratio(sa.func.sum(groups.c.installations), sa.func.max(groups.c.week_total))
    else:
        value = _ratio(sa.func.sum(groups.c.errors), sa.func.sum(groups.c.jobs), 1000.0)
    return (sa.select(_time(groups.c.period), groups.c.label.label("metric"), value)
            .group_by(groups.c.period, groups.c.label).order_by(groups.c.period, groups.c.label))


_OVERLAP_CELLS = {f.FEATURES.name: lambda receiver, dialect: feature_cells(receiver),
                  f.PRINTER_TYPES.name: printer_type_cells, f.ERROR_TYPES.name: error_type_cells,
                  f.ERROR_TYPES_BY_VERSION.name: breakdown_cells}
"""The overlap figures' cells with their ``published`` flag, each with the rules across figures it takes."""


def _overlap(panel: Panel, dialect: str, receiver: Tables) -> sa.Select[Any]:
    spec = panel.spec
    cells = _OVERLAP_CELLS[spec.name](receiver, dialect)
    successes = cells.c[spec.successes] if spec.successes else cells.c.installations
    trials = cells.c.installations if spec.trials in (None, "installations") else cells.c[spec.trials or ""]
    shown = cells.c.published == 1
    if panel.value == "table":
        return (sa.select(_time(cells.c.period), cells.c.group_1.label("version"), cells.c.group_2.label(f.ERROR_TYPE),
                          cells.c.installations, _ratio(successes, trials).label("share"))
                .where(shown).order_by(cells.c.period.desc(), cells.c.installations.desc()))
    return (sa.select(_time(cells.c.period), cells.c.group_1.label("metric"), _ratio(successes, trials))
            .where(shown).order_by(cells.c.period, cells.c.group_1))


def panel_sql(panel: Panel, dialect: str) -> str:
    receiver = analytics_tables()
    compiled = panel_select(panel, dialect, receiver).compile(dialect=_DIALECTS[dialect],
                                                              compile_kwargs={"literal_binds": True})
    return str(compiled).strip()


def dashboard(dialect: str, k: int = DEFAULT_K) -> dict[str, Any]:
    """The dashboard document for ``dialect`` (``postgresql`` or ``mssql``)."""
    source = DATASOURCES[dialect]
    panels = []
    x = y = 0
    for number, panel in enumerate(PANELS):
        table = panel.value == "table"
        width = 24 if table else 12
        if x + width > 24:
            x, y = 0, y + 8
        position = {"x": x, "y": y, "w": width, "h": 8}
        x += width
        panels.append({
            "id": number + 1, "type": "table" if table else "timeseries", "title": panel.title,
            "description": f"{panel.spec.description} Groups under k installations are merged into 'other' or "
                           "left out (k is the dashboard constant $k).",
            "datasource": source,
            "gridPos": position,
            "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
            "options": {"legend": {"displayMode": "list", "placement": "bottom"}} if not table else {},
            "targets": [{"refId": "A", "datasource": source, "editorMode": "code", "rawQuery": True,
                         "format": "table" if table else "time_series", "rawSql": panel_sql(panel, dialect)}],
        })
    return {
        "uid": f"printernizer-stats-{dialect}", "title": f"Printernizer usage statistics ({dialect})",
        "description": "k-anonymous figures from the printernizer-stats receiver (generated; do not edit).",
        "tags": ["printernizer-stats"], "timezone": "utc", "editable": False, "schemaVersion": 39, "version": 1,
        "time": {"from": "now-26w", "to": "now"}, "refresh": "1h",
        "templating": {"list": [{"type": "constant", "name": "k", "label": "k (smallest group shown)",
                                 "query": str(k), "hide": 2}]},
        "panels": panels,
    }


def dashboard_json(dialect: str) -> str:
    return json.dumps(dashboard(dialect), indent=2, sort_keys=True) + "\n"
