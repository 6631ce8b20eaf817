"""``demo``: a small population through the whole path; the summary says what the receiver stored, which is
what the installations recorded."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from printernizer_stats.cli import main
from printernizer_stats.cli._demo_render import RunFacts, render_summary
from printernizer_stats.cli._demo_report import Rate, StoredSummary
from printernizer_stats.client import StatsClient
from tests.collector.rotel import rotel_agent  # noqa: F401 - the fixture

INSTALLATIONS, WEEKS = 5, 3


def _demo(tmp_path: Path, capsys: pytest.CaptureFixture[str], *options: str) -> tuple[str, str, dict[str, Any]]:
    directory = tmp_path / "demo"
    code = main(["demo", "--installations", str(INSTALLATIONS), "--weeks", str(WEEKS), "--workers", "1",
                 "--dir", str(directory), *options])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out, err, json.loads((directory / "summary.json").read_text())


def _receiver_figures(db: Path) -> dict[str, Any]:
    """The same figures, straight from the receiver's SQLite file with plain SQL."""
    with sqlite3.connect(db) as connection:
        one = connection.execute
        errors = Counter[str]()
        for attributes, value in one("SELECT attributes, value FROM events_summary WHERE metric = ?",
                                     ("printernizer.errors",)):
            errors[json.loads(attributes)["error_type"]] += int(value)
        return {
            "installations": one("SELECT count(*) FROM installations").fetchone()[0],
            "weekly_batches": one("SELECT count(*) FROM batches WHERE kind = 'week'").fetchone()[0],
            "by_mode": dict(one("SELECT deployment_mode, count(*) FROM installations GROUP BY 1").fetchall()),
            "jobs_created": one("SELECT sum(jobs_created) FROM daily_stats").fetchone()[0],
            "errors": one("SELECT sum(error_count) FROM daily_stats").fetchone()[0],
            "error_types": dict(errors),
        }


def _recorded_jobs_created(directory: Path) -> int:
    """Jobs created as the installations themselves recorded them (their local weekly values)."""
    total = 0
    for db in sorted((directory / "installations").glob("*.db")):
        for value in StatsClient(db).week_values():
            if value.metric == "printernizer.jobs.events" and dict(value.attributes)["event"] in {
                    "created", "auto_created"}:
                total += int(value.value)
    return total


def _batch_line(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("batches"))


@pytest.mark.collector
@pytest.mark.usefixtures("rotel_agent")
def test_demo_summary_is_what_the_receiver_stored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Through the collector: every batch stored once, and each summary figure equals the receiver's rows."""
    out, err, summary = _demo(tmp_path, capsys)
    stored, run = summary["stored"], summary["run"]
    figures = _receiver_figures(tmp_path / "demo" / "receiver.db")
    assert "rotel collector" in run["path"] and "collector" in err
    assert run["accepted"] == stored["weekly_batches"] == figures["weekly_batches"] == INSTALLATIONS * WEEKS
    assert stored["installations"] == figures["installations"] == INSTALLATIONS
    assert dict(stored["by_mode"]) == figures["by_mode"]
    assert stored["jobs_created"] == figures["jobs_created"] == _recorded_jobs_created(tmp_path / "demo")
    assert stored["errors"] == figures["errors"] == sum(figures["error_types"].values())
    assert dict(stored["error_types"]) == figures["error_types"]
    assert sum(rate["jobs"] for rate in stored["errors_by_week"]) == figures["jobs_created"]
    assert f"{INSTALLATIONS} installations × {WEEKS} weeks" in out
    assert _batch_line(out).startswith(f"batches   {INSTALLATIONS * WEEKS} accepted · {INSTALLATIONS * WEEKS} stored")
    assert " 0 lost" in _batch_line(out)


def test_demo_without_a_collector_sends_straight_to_the_receiver(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """--no-collector (or no rotel) still stores every batch, and the summary says which path was taken."""
    out, _, summary = _demo(tmp_path, capsys, "--no-collector")
    assert "direct" in summary["run"]["path"] and "path      clients → receiver (direct" in out
    assert summary["stored"]["weekly_batches"] == INSTALLATIONS * WEEKS
    assert "printernizer-stats serve --db-url sqlite:///" in out


def test_summary_rendering_marks_releases_and_rates() -> None:
    """The text names losses, rates per 1,000 jobs and marks the release weeks."""
    summary = StoredSummary(
        installations=2, weeks=("2026-W40", "2026-W41"), weekly_batches=3, rejected_points=0,
        by_mode=[("docker", 2)], by_version=[("2.43.0", 2)], by_country=[("DE", 2)],
        printers_by_type=[("bambu_lab", 3)], fleet_sizes=[("1", 1), ("2-3", 1)], jobs_created=2000,
        jobs_completed=1900, jobs_failed=50, errors=300, error_types=[("printer_connection", 300)],
        errors_by_version=[Rate("2.43.0", 2000, 300)],
        errors_by_week=[Rate("2026-W40", 1000, 100), Rate("2026-W41", 1000, 200)],
    )
    run = RunFacts(installations=2, weeks=2, path="clients → receiver", accepted=4, rejected=0, retrying=0,
                   elapsed_s=1.0, simulate_s=0.5, workers=1)
    text = render_summary(summary, run, {"2026-W41": "← 2.43.0 released"})
    assert "4 accepted · 3 stored, each once" in text and "· 1 lost" in text
    assert "Errors: 300 · 150.0 per 1,000 jobs" in text
    week = next(line for line in text.splitlines() if line.startswith("  2026-W41"))
    assert "200.0" in week and week.endswith("← 2.43.0 released")


def test_demo_serve_keeps_the_receiver_until_stopped(tmp_path: Path) -> None:
    """--serve prints the live receiver address and keeps it answering; SIGTERM stops everything cleanly."""
    process = subprocess.Popen(
        [sys.executable, "-m", "printernizer_stats.cli", "demo", "--installations", "2", "--weeks", "2",
         "--workers", "1", "--no-collector", "--serve", "--dir", str(tmp_path / "demo")],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        lines = iter(process.stdout.readline, "")
        next(line for line in lines if line.startswith("Pages (running until Ctrl-C)"))
        url = next(lines).split()[-1]
        with urllib.request.urlopen(url, timeout=5) as answer:
            assert json.loads(answer.read())["status"] == "ok"
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == 0
    finally:
        process.kill()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=2)


def test_demo_says_so_when_the_collector_is_unavailable(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the rotel binary (another platform), the demo explains and sends straight to the receiver."""
    import printernizer_stats.collector._local as local

    monkeypatch.setattr(local, "find_rotel_agent", lambda: None)
    out, err, summary = _demo(tmp_path, capsys)
    assert "collector  unavailable: rotel-agent not found" in err and "sending straight to the receiver" in err
    assert "[local collector unavailable]" in summary["run"]["path"] and "[local collector unavailable]" in out
    assert summary["stored"]["weekly_batches"] == INSTALLATIONS * WEEKS
