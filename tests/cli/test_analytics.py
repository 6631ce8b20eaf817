"""``printernizer-stats insights``, ``rebuild-rollups`` and ``grafana-dashboard`` (``retention``:
tests/maintainers/analytics/test_retention.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from printernizer_stats.cli import main
from printernizer_stats.maintainers.analytics import stored_rollups
from printernizer_stats.maintainers.server import create_engine
from tests.maintainers.analytics.conftest import STANDARD, build_sqlite, today_after

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def standard_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The analytics tests' STANDARD population (read only here)."""
    return f"sqlite:///{build_sqlite(tmp_path_factory.mktemp('cli') / 'standard.db')}"


def test_insights_prints_a_readable_report(standard_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The report names the window and k, lists the planted anomalies, then each figure's latest week."""
    assert main(["insights", "--db-url", standard_url, "--today", today_after(STANDARD).isoformat()]) == 0
    report = capsys.readouterr().out
    assert report.startswith("printernizer-stats insights: weeks 2026-01-05 to 2026-06-29 (26 complete weeks), k = 5")
    assert "Active installations dropped" in report and "Version 2.44.0:" in report
    assert "New error type insufficient_material" in report and "Error type printer_busy" in report
    assert "Deployment modes (week of 2026-06-29):" in report and "n = " in report and "[" in report


def test_insights_json_and_a_higher_k(standard_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """--json gives the same insights as the API; --k 50 publishes coarser figures."""
    today = today_after(STANDARD).isoformat()
    assert main(["insights", "--db-url", standard_url, "--today", today, "--json", "--k", "50", "--weeks", "8"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["k"] == 50 and document["window"]["first"] == "2026-05-11"
    assert all(row["installations"] >= 50 for figure in document["figures"].values() for row in figure["rows"])


def test_insights_refuses_k_below_two(standard_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """k = 1 would show single installations: exit 2 with the reason."""
    assert main(["insights", "--db-url", standard_url, "--k", "1"]) == 2
    assert "k must be" in capsys.readouterr().err


@pytest.mark.parametrize(("dialect", "name"), [("postgresql", "postgres"), ("mssql", "mssql")])
def test_grafana_dashboard_prints_the_shipped_file(dialect: str, name: str, capsys: pytest.CaptureFixture[str]
                                                   ) -> None:
    """The command prints grafana/dashboards/printernizer-stats-<db>.json byte for byte."""
    assert main(["grafana-dashboard", "--dialect", dialect]) == 0
    assert capsys.readouterr().out == (ROOT / f"grafana/dashboards/printernizer-stats-{name}.json").read_text("utf-8")


def test_rebuild_rollups_restores_them_bit_for_bit(standard_url: str, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """``rebuild-rollups`` recomputes lost or damaged rollups from the per-installation rows, exactly."""
    copy = tmp_path / "copy.db"
    shutil.copy(standard_url.removeprefix("sqlite:///"), copy)
    url = f"sqlite:///{copy}"
    engine = create_engine(url)
    before = stored_rollups(engine)
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM figure_rollups WHERE figure = 'versions'"))
        connection.execute(sa.text("UPDATE figure_rollups SET jobs = jobs + 1"))
    assert stored_rollups(engine) != before
    capsys.readouterr()
    assert main(["rebuild-rollups", "--db-url", url]) == 0
    assert json.loads(capsys.readouterr().out) == {"rollup_rows": len(before)}
    assert stored_rollups(engine) == before
    engine.dispose()
