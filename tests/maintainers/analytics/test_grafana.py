"""Grafana: the shipped dashboards and provisioning, every panel's SQL executed on PostgreSQL (macros
substituted as Grafana does) and compared with what ``publish`` gives, the SQL Server variant parsed as T-SQL."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import sqlglot
import yaml

from printernizer_stats.maintainers.analytics import Figure, GroupKind, Window, apply_retention, compute_figures
from printernizer_stats.maintainers.analytics._grafana import DATASOURCES, PANELS, Panel, dashboard, dashboard_json
from printernizer_stats.maintainers.server import create_engine
from tests.maintainers.analytics.conftest import RARE_TOKENS, STANDARD, K
from tests.maintainers.analytics.loading import load_population
from tests.maintainers.analytics.test_linked import write_world
from tests.maintainers.analytics.test_retention import MIN_RETENTION_DAYS, SMALL, TODAY
from tests.maintainers.analytics.worlds import WEEK, issue_world, random_world

ROOT = Path(__file__).resolve().parents[3]
FILES = {"postgresql": ROOT / "grafana/dashboards/printernizer-stats-postgres.json",
         "mssql": ROOT / "grafana/dashboards/printernizer-stats-mssql.json"}


def grafana_sql(sql: str, first: date, last: date, k: int = K) -> str:
    """What Grafana sends: ``$__timeFilter(col)`` -> ``col BETWEEN '<from>' AND '<to>'`` (RFC 3339, UTC), $k."""
    start, end = f"'{first.isoformat()}T00:00:00Z'", f"'{(last + timedelta(days=6)).isoformat()}T23:59:59Z'"
    sql = re.sub(r"\$__timeFilter\(([^)]+)\)", lambda m: f"{m.group(1)} BETWEEN {start} AND {end}", sql)
    return re.sub(r"\$k\b", str(k), sql)


def expected(panel: Panel, figure: Figure) -> dict[tuple[Any, ...], tuple[float, ...]]:
    """What the panel should return, from the published figure: (week, groups...) -> values."""
    found: dict[tuple[Any, ...], tuple[float, ...]] = {}
    for row in figure.rows:
        key = (row.period, *row.group)
        if panel.value == "installations":
            found[key] = (row.installations,)
        elif panel.value == "rate":
            if row.rate is not None:
                found[key] = (row.rate.value,)
        elif panel.value == "share":
            assert row.share is not None
            found[key] = (row.share.value,)
        else:
            assert row.share is not None
            found[key] = (row.installations, row.share.value)
    return found


def returned(rows: list[sa.Row[Any]]) -> dict[tuple[Any, ...], tuple[float, ...]]:
    found = {}
    for row in rows:
        values = tuple(row)
        week = values[0].date()
        groups = tuple(v for v in values[1:] if isinstance(v, str))
        numbers = tuple(v for v in values[1:] if not isinstance(v, str))
        if numbers and numbers[-1] is not None:
            found[(week, *groups)] = tuple(float(v) for v in numbers)
    return found


def run_panels(url: str, window: Window, k: int = K) -> dict[str, tuple[dict[Any, Any], dict[Any, Any]]]:
    """Per panel: (rows the PostgreSQL panel returned, rows publish gives) over ``window``."""
    engine = create_engine(url)
    figures = compute_figures(engine, window, k)
    results = {}
    with engine.connect() as connection:
        for panel in PANELS:
            sql = grafana_sql(dashboard("postgresql")["panels"][PANELS.index(panel)]["targets"][0]["rawSql"],
                              window.first, window.last, k)
            rows = connection.execute(sa.text(sql)).all()
            results[panel.title] = (returned(rows), expected(panel, figures[panel.spec.name]))
    engine.dispose()
    return results


@pytest.mark.parametrize("dialect", ["postgresql", "mssql"])
def test_shipped_dashboards_are_generated(dialect: str) -> None:
    """grafana/dashboards/*.json is exactly what `printernizer-stats grafana-dashboard` prints (regenerate it)."""
    assert FILES[dialect].read_text("utf-8") == dashboard_json(dialect)
    document = json.loads(FILES[dialect].read_text("utf-8"))
    assert document["templating"]["list"] == [{"type": "constant", "name": "k", "label": "k (smallest group shown)",
                                               "query": str(K), "hide": 2}]
    assert len(document["panels"]) == len(PANELS)
    for panel in document["panels"]:
        assert panel["datasource"] == DATASOURCES[dialect]
        sql = panel["targets"][0]["rawSql"]
        assert "$k" in sql and "$__timeFilter(" in sql and panel["targets"][0]["rawQuery"] is True


def test_provisioning_files_match_the_dashboards() -> None:
    """The datasource files define the uids the dashboards use; the dashboard provider loads files."""
    for dialect, name in (("postgresql", "postgres"), ("mssql", "mssql")):
        config = yaml.safe_load((ROOT / f"grafana/provisioning/datasources/{name}.yaml").read_text("utf-8"))
        source = config["datasources"][0]
        assert {"type": source["type"], "uid": source["uid"]} == DATASOURCES[dialect]
        assert source["editable"] is False and "password" in source["secureJsonData"]
    provider = yaml.safe_load((ROOT / "grafana/provisioning/dashboards/printernizer-stats.yaml").read_text("utf-8"))
    assert provider["providers"][0]["type"] == "file" and provider["providers"][0]["allowUiUpdates"] is False


def test_sql_server_panels_parse_as_t_sql() -> None:
    """Every SQL Server panel, macros substituted, is valid T-SQL (no SQL Server here to run it)."""
    for panel, document in zip(PANELS, dashboard("mssql")["panels"], strict=True):
        sql = grafana_sql(document["targets"][0]["rawSql"], STANDARD.first_week, STANDARD.last_week)
        sqlglot.parse_one(sql, read="tsql")
        assert "->>" not in sql and "json_extract" not in sql
        if panel.spec.kind is GroupKind.PARTITION and panel.spec.dimensions:
            assert "COLLATE Latin1_General_BIN2" in sql


@pytest.mark.postgres
def test_every_postgres_panel_returns_what_publish_gives(standard_postgres: str) -> None:
    """Each panel, run on the STANDARD population, returns exactly the published rows (same weeks, groups
    and values): the k rules in SQL are those of ``publish``; no rare value is returned."""
    window = Window.ending(STANDARD.last_week, STANDARD.weeks)
    for title, (got, want) in run_panels(standard_postgres, window).items():
        assert got.keys() == want.keys(), title
        for key, values in want.items():
            assert got[key] == pytest.approx(values, rel=1e-9), (title, key)
        assert not {token for key in got for token in RARE_TOKENS if token in key}, title
    assert any(panel.spec.kind is GroupKind.OVERLAP for panel in PANELS)


@pytest.mark.postgres
def test_panels_read_the_rollups_after_retention(postgres_scratch: str) -> None:
    """After retention the panels return the same figures, old weeks coming from weekly_rollups."""
    engine = create_engine(postgres_scratch)
    load_population(engine, SMALL)
    window = Window.ending(SMALL.last_week, SMALL.weeks)
    before = run_panels(postgres_scratch, window)
    assert apply_retention(engine, TODAY, MIN_RETENTION_DAYS, K).weeks
    engine.dispose()
    after = run_panels(postgres_scratch, window)
    for title, (got, want) in after.items():
        assert got.keys() == want.keys() == before[title][0].keys(), title
        for key, values in want.items():
            assert got[key] == pytest.approx(values, rel=1e-9), (title, key)


RULE_WEEKS = {"issue 13's week": (None, 5), "feature not reported by a few": (0, 3),
              "a column that cannot be protected": (4, 4), "versions merged on the breakdown's axis": (3, 3),
              "printer types a": (11, 5), "printer types b": (59, 5), "printer types b again": (274, 4),
              "printer types b, a small type": (4649, 6), "printer types b, a 2-printer group": (1527419116, 5),
              "printer types c": (16, 4), "printer types c again": (35, 5), "printer types d": (20, 5),
              "printer types d again": (31, 4)}
"""Random weeks (worlds.py seeds) on which each rule across figures hides something (found by search)."""


@pytest.mark.postgres
@pytest.mark.parametrize("case", list(RULE_WEEKS))
def test_panels_apply_the_rules_across_figures_as_publish_does(postgres_scratch: str, case: str) -> None:
    """The rules across figures in SQL (``_panel_sql.py``) hide exactly what ``publish_figures`` hides, on
    weeks where each of them hides something, at the week's k."""
    seed, k = RULE_WEEKS[case]
    write_world(postgres_scratch, issue_world() if seed is None else random_world(seed))
    for title, (got, want) in run_panels(postgres_scratch, Window(WEEK, WEEK), k).items():
        assert got.keys() == want.keys(), title
        for key, values in want.items():
            assert got[key] == pytest.approx(values, rel=1e-9), (title, key)
