"""Each figure's SQL on a hand-built week, checked cell by cell, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
import sqlglot
from sqlalchemy.dialects import mssql

from printernizer_stats.maintainers.analytics import (
    FIGURES,
    FIGURES_BY_NAME,
    Cell,
    Window,
    compute_figures,
    latest_complete_week,
    rebuild_rollups,
)
from printernizer_stats.maintainers.analytics._queries import fetch_cells
from printernizer_stats.maintainers.analytics._sql import analytics_tables, attribute_value, between, figure_select
from printernizer_stats.maintainers.server import create_engine

WEEK = date(2026, 3, 2)
FACTS = {  # installation -> (deployment, country, version, jobs, errors, printers, uptime)
    "a": ("docker", "DE", "2.42.0", 10, 2, 3, 7), "b": ("docker", "DE", "2.42.0", 20, 1, 1, 5),
    "c": ("homeassistant", "US", "2.41.7", 0, 0, 0, None), "d": ("homeassistant", "US", "2.41.7", 5, 3, 12, 7),
    "e": ("pi", "AT", "2.42.0", 8, 0, None, 2), "f": ("standalone", "AT", "2.42.0", 7, 4, 2, 7),
}
EVENTS = {  # installation -> [(metric, attributes, value)]
    "a": [("printernizer.printers", {"printer_type": "bambu_lab"}, 2),
          ("printernizer.printers", {"printer_type": "prusa_core"}, 1),
          ("printernizer.errors", {"error_type": "printer_connection", "component": "printer"}, 1),
          ("printernizer.errors", {"error_type": "printer_connection", "component": "system"}, 1)],
    "b": [("printernizer.printers", {"printer_type": "bambu_lab"}, 1),
          ("printernizer.errors", {"error_type": "file_download", "component": "file"}, 1)],
    "c": [("printernizer.printers", {"printer_type": "bambu_lab"}, 0)],
    "d": [("printernizer.printers", {"printer_type": "octoprint"}, 12),
          ("printernizer.errors", {"error_type": "printer_connection", "component": "printer"}, 3)],
    "e": [],
    "f": [("printernizer.printers", {"printer_type": "prusa_core"}, 2),
          ("printernizer.errors", {"error_type": "file_download", "component": "file"}, 4)],
}
FEATURES_ON = {"a": {"library": 1, "mqtt": 0}, "b": {"library": 1, "mqtt": 1}, "c": {"library": 0, "mqtt": 1},
               "d": {"library": 1, "mqtt": 0}, "e": {"library": 1, "mqtt": 0}, "f": {"library": 1, "mqtt": 1}}


def iid(name: str) -> str:
    return f"00000000-0000-4000-8000-{ord(name):012d}"


def write_week(url: str) -> None:
    """The week above, as the receiver stores it (ledger rows included)."""
    tables = analytics_tables()
    daily, events, ledger = [], [], []
    for name, (mode, country, version, jobs, errors, printers, uptime) in FACTS.items():
        daily.append({"period": WEEK, "installation_id": iid(name), "app_version": version, "deployment_mode": mode,
                      "country_code": country, "python_version": "3.11", "platform": "linux", "jobs_created": jobs,
                      "jobs_completed": jobs, "jobs_failed": 0, "files_downloaded": 0, "files_uploaded": 0,
                      "error_count": errors, "printer_count": printers, "uptime_days": uptime})
        series = [*EVENTS[name], *(("printernizer.features.enabled", {"feature": feature}, on)
                                   for feature, on in FEATURES_ON[name].items())]
        events += [{"period": WEEK, "installation_id": iid(name), "metric": metric,
                    "attributes": json.dumps(attrs, sort_keys=True, separators=(",", ":")), "value": value,
                    "sample_count": None, "bucket_counts": None} for metric, attrs, value in series]
        ledger.append({"batch_id": iid(name).replace("4000", "5000"), "kind": "weekly", "installation_id": iid(name),
                       "period": WEEK, "receipt": "0" * 64, "stored_points": len(series), "rejected_points": 0,
                       "received_week": WEEK + timedelta(days=7)})
    # Every installation sent the week before too (it counts), those rows since gone.
    installations = [{"installation_id": row["installation_id"], "first_week": WEEK - timedelta(weeks=1),
                      "last_week": WEEK, "first_received_week": WEEK, "last_received_week": WEEK + timedelta(days=7),
                      **{c: row[c] for c in ("app_version", "deployment_mode", "country_code",
                                                               "python_version", "platform")},
                      "registry_version": 1} for row in daily]
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(tables["installations"].insert(), installations)
        connection.execute(tables["daily_stats"].insert(), daily)
        connection.execute(tables["events_summary"].insert(), events)
        connection.execute(tables["batches"].insert(), ledger)
    rebuild_rollups(engine)
    engine.dispose()


def cells(url: str, name: str) -> dict[tuple[str, ...], Cell]:
    engine = create_engine(url)
    with engine.connect() as connection:
        found = fetch_cells(connection, analytics_tables(), FIGURES_BY_NAME[name], Window(WEEK, WEEK), None)
    engine.dispose()
    assert all(cell.period == WEEK for cell in found)
    return {cell.group: cell for cell in found}


@pytest.fixture
def week_url(any_empty_url: str) -> str:
    write_week(any_empty_url)
    return any_empty_url


def test_active_installations_and_error_sums(week_url: str) -> None:
    """One row a week: installations, jobs, errors, printers (unreported gauges left out), sums of squares."""
    active = cells(week_url, "active_installations")[()]
    assert active.installations == 6
    assert active.measures == {"errors": 10, "jobs": 50, "errors_sq": 30, "jobs_sq": 638, "errors_jobs": 83,
                               "printers": 18}


def test_fact_splits_fleet_buckets_and_uptime(week_url: str) -> None:
    """Installation facts of the week, printer-count buckets and uptime days, 'unknown' for unreported gauges."""
    assert {g: c.installations for g, c in cells(week_url, "deployment_modes").items()} == {
        ("docker",): 2, ("homeassistant",): 2, ("pi",): 1, ("standalone",): 1}
    assert {g: c.installations for g, c in cells(week_url, "countries").items()} == {
        ("DE",): 2, ("US",): 2, ("AT",): 2}
    assert {g: c.installations for g, c in cells(week_url, "fleet_sizes").items()} == {
        ("3-5",): 1, ("1",): 1, ("0",): 1, ("11+",): 1, ("unknown",): 1, ("2",): 1}
    assert {g: c.installations for g, c in cells(week_url, "uptime").items()} == {
        ("7",): 3, ("5",): 1, ("unknown",): 1, ("2",): 1}


def test_printer_types_count_installations_with_at_least_one(week_url: str) -> None:
    """A type counts an installation only when it has a printer of it (a reported 0 does not count)."""
    found = cells(week_url, "printer_types")
    assert {g: (c.installations, c.measures["printers"], c.measures["active"]) for g, c in found.items()} == {
        ("bambu_lab",): (2, 3, 6), ("prusa_core",): (2, 3, 6), ("octoprint",): (1, 12, 6)}


def test_features_count_reporting_and_enabled(week_url: str) -> None:
    """Each feature: installations reporting it and those with it switched on."""
    found = cells(week_url, "features")
    assert {g: (c.installations, c.measures["enabled"]) for g, c in found.items()} == {
        ("library",): (6, 5), ("mqtt",): (6, 3)}


def test_error_types_count_each_installation_once(week_url: str) -> None:
    """A type reported by one installation from two components counts that installation once."""
    found = cells(week_url, "error_types")
    assert {g: (c.installations, c.measures["errors"], c.measures["active"], c.measures["jobs"])
            for g, c in found.items()} == {("printer_connection",): (2, 5, 6, 50), ("file_download",): (2, 5, 6, 50)}


def test_error_types_by_version_use_the_weeks_version(week_url: str) -> None:
    """Per version and type: installations, errors, the version's installations and jobs that week."""
    found = cells(week_url, "error_types_by_version")
    assert {g: (c.installations, c.measures["errors"], c.measures["version_installations"], c.measures["jobs"])
            for g, c in found.items()} == {
        ("2.42.0", "printer_connection"): (1, 2, 4, 45), ("2.42.0", "file_download"): (2, 5, 4, 45),
        ("2.41.7", "printer_connection"): (1, 3, 2, 5)}
    by_version = cells(week_url, "errors_by_version")
    assert {g: (c.installations, c.measures["errors"], c.measures["jobs"]) for g, c in by_version.items()} == {
        ("2.42.0",): (4, 7, 45), ("2.41.7",): (2, 3, 5)}


def test_compute_figures_publishes_at_k(week_url: str) -> None:
    """At k = 2 the single-installation groups are merged or suppressed; at k = 7 the week is gone."""
    engine = create_engine(week_url)
    figures = compute_figures(engine, Window(WEEK, WEEK), k=2)
    assert {row.group for row in figures["deployment_modes"].rows} == {("docker",), ("homeassistant",), ("other",)}
    assert {row.group for row in figures["printer_types"].rows} == {("bambu_lab",), ("prusa_core",)}
    assert all(not figure.rows for figure in compute_figures(engine, Window(WEEK, WEEK), k=7).values())
    engine.dispose()


def test_attribute_value_reads_one_attribute(any_empty_url: str) -> None:
    """The JSON attribute extraction works on the live dialect."""
    engine = create_engine(any_empty_url)
    literal = sa.literal('{"component":"file","error_type":"file_download"}', sa.String)
    with engine.connect() as connection:
        assert connection.execute(sa.select(attribute_value(literal, "error_type"))).scalar_one() == "file_download"
    engine.dispose()
    with pytest.raises(ValueError):
        attribute_value(literal, "x') OR 1=1 --")


def test_every_figure_compiles_for_sql_server() -> None:
    """Each figure's SELECT renders as T-SQL (JSON_VALUE, FLOAT(53)) that sqlglot parses."""
    for spec in FIGURES:
        sql = str(figure_select(spec, analytics_tables(), between(WEEK, WEEK)).compile(
            dialect=mssql.dialect(), compile_kwargs={"literal_binds": True}))  # type: ignore[no-untyped-call]
        sqlglot.parse_one(sql, read="tsql")
        assert "json_extract" not in sql and "->>" not in sql


def test_windows_are_whole_complete_weeks() -> None:
    """The newest week shown is the one before last; windows run Monday to Monday."""
    assert latest_complete_week(date(2026, 3, 18)) == date(2026, 3, 2)
    assert latest_complete_week(date(2026, 3, 16)) == date(2026, 3, 2)
    assert Window.ending(date(2026, 3, 2), 3).weeks == (date(2026, 2, 16), date(2026, 2, 23), date(2026, 3, 2))
    with pytest.raises(ValueError):
        Window(date(2026, 3, 3), date(2026, 3, 9))
