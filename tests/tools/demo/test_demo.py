"""``demo``: a small population through the whole path; the summary says what the receiver stored, which is
what the installations recorded."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from printernizer_stats.cli import main
from printernizer_stats.host.client import StatsClient
from printernizer_stats.maintainers.analytics import (
    FIGURES_BY_NAME,
    Figure,
    Insights,
    Proportion,
    PublishedRow,
    Rate,
    Window,
)
from printernizer_stats.maintainers.collector import COLLECTOR_RELEASE
from printernizer_stats_tools.demo._render import RunFacts, render_summary
from printernizer_stats_tools.demo._report import Delivery
from tests.maintainers.collector.otelcol import otelcol_binary  # noqa: F401 - the fixture
from tests.maintainers.collector.rotel import rotel_agent  # noqa: F401 - the fixture

INSTALLATIONS, WEEKS, K = 12, 3, 5


def _demo(tmp_path: Path, capsys: pytest.CaptureFixture[str], *options: str) -> tuple[str, str, dict[str, Any]]:
    directory = tmp_path / "demo"
    code = main(["demo", "--installations", str(INSTALLATIONS), "--weeks", str(WEEKS), "--workers", "1",
                 "--dir", str(directory), *options])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out, err, json.loads((directory / "summary.json").read_text())


def _raw(db: Path) -> dict[str, Any]:
    """The receiver's rows, read with plain SQL: per week, installations, jobs and errors; and the latest
    week's installations per country (groups the summary must hide when under k)."""
    with sqlite3.connect(db) as connection:
        one = connection.execute
        latest = one("SELECT max(period) FROM daily_stats").fetchone()[0]
        return {
            "weekly_batches": one("SELECT count(*) FROM batches WHERE kind = 'weekly'").fetchone()[0],
            "weeks": {period: (n, jobs, errors) for period, n, jobs, errors in one(
                "SELECT period, count(DISTINCT installation_id), sum(jobs_created), sum(error_count) "
                "FROM daily_stats GROUP BY period")},
            "countries": Counter(dict(one(
                "SELECT i.country_code, count(*) FROM daily_stats d JOIN installations i "
                "ON i.installation_id = d.installation_id WHERE d.period = ? GROUP BY 1", (latest,)).fetchall())),
        }


def _recorded_jobs_created(directory: Path) -> int:
    """Jobs created as the installations themselves recorded them (their local weekly values)."""
    total = 0
    for db in sorted((directory / "installations").glob("*.db")):
        for value in StatsClient(db).services.weeks.values():
            if value.metric == "printernizer.jobs.events" and dict(value.attributes)["event"] in {
                    "created", "auto_created"}:
                total += int(value.value)
    return total


def _batch_line(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("batches"))


def _rows(summary: dict[str, Any], name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = summary["insights"]["figures"][name]["rows"]
    return rows


@pytest.mark.collector
@pytest.mark.usefixtures("otelcol_binary")
def test_demo_summary_is_what_the_receiver_stored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Through the real collector (HTTPS, otelcol.yaml): every batch stored once, and the weekly figures equal
    the receiver's rows and what the installations recorded."""
    out, err, summary = _demo(tmp_path, capsys)
    run = summary["run"]
    raw = _raw(tmp_path / "demo" / "receiver.db")
    assert f"OpenTelemetry Collector {COLLECTOR_RELEASE}" in run["path"] and "https://127.0.0.1:" in err
    assert run["accepted"] == summary["delivery"]["weekly_batches"] == raw["weekly_batches"] == INSTALLATIONS * WEEKS
    active = {row["period"]: row for row in _rows(summary, "active_installations")}
    assert set(active) == set(raw["weeks"]) and len(active) == WEEKS
    for period, (installations, jobs, errors) in raw["weeks"].items():
        measures = active[period]["measures"]
        assert (active[period]["installations"], measures["jobs"], measures["errors"]) == (installations, jobs, errors)
    assert sum(row["measures"]["jobs"] for row in active.values()) == _recorded_jobs_created(tmp_path / "demo")
    assert f"{INSTALLATIONS} installations × {WEEKS} weeks" in out
    assert _batch_line(out).startswith(f"batches   {INSTALLATIONS * WEEKS} accepted · {INSTALLATIONS * WEEKS} stored")
    assert " 0 lost" in _batch_line(out)


def test_demo_summary_shows_no_group_under_k(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Countries with fewer than k installations in the latest week are neither in the summary's figures nor
    printed; the others are printed with their exact sample size."""
    out, _, summary = _demo(tmp_path, capsys, "--no-collector")
    countries = _raw(tmp_path / "demo" / "receiver.db")["countries"]
    small = {code for code, n in countries.items() if n < K}
    assert small, "the population should have a country under k"
    latest = summary["insights"]["window"]["last"]
    published = {row["group"][0]: row["installations"] for row in _rows(summary, "countries")
                 if row["period"] == latest}
    assert not small & set(published) and all(n >= K for n in published.values())
    for code in small:
        assert not re.search(rf"\s{code}\s+\d+\.\d %", out), code
    for code, n in published.items():
        assert re.search(rf"\s{code}\s+\d+\.\d % \[\d+–\d+\]\s+{n}\b", out), code
    assert f"What the maintainers see (k = {K})" in out


def test_demo_without_a_collector_sends_straight_to_the_receiver(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """--no-collector (or no rotel) still stores every batch, and the summary says which path was taken."""
    out, _, summary = _demo(tmp_path, capsys, "--no-collector")
    assert "direct" in summary["run"]["path"] and "path      clients → receiver (direct" in out
    assert summary["delivery"]["weekly_batches"] == INSTALLATIONS * WEEKS
    assert "printernizer-stats serve --db-url sqlite:///" in out and "/dashboard" in out


def _row(period: date, group: tuple[str, ...], n: int, share: float | None = None,
         rate: tuple[float, float] | None = None) -> PublishedRow:
    proportion = Proportion(round(share * 100), 100, share, share - 0.05, share + 0.05) if share else None
    per = Rate(rate[1], rate[0], 1000.0, 1000 * rate[1] / rate[0], 100.0, 300.0) if rate else None
    measures = {"jobs": rate[0], "errors": rate[1]} if rate else {}
    return PublishedRow(period, group, n, proportion, per, measures)


def test_summary_rendering_marks_releases_rates_and_sample_sizes() -> None:
    """The text names losses, rates per 1,000 jobs with intervals, marks the release weeks, and gives every
    row its sample size."""
    w40, w41 = date(2026, 9, 28), date(2026, 10, 5)
    figures = {
        "active_installations": Figure(FIGURES_BY_NAME["active_installations"], K, (
            _row(w40, (), 20, rate=(1000, 100)), _row(w41, (), 20, rate=(1000, 200)))),
        "deployment_modes": Figure(FIGURES_BY_NAME["deployment_modes"], K, (
            _row(w41, ("docker",), 13, share=0.65), _row(w41, ("other",), 7, share=0.35))),
    }
    insights = Insights(Window(w40, w41), K, figures, ())
    run = RunFacts(installations=20, weeks=2, path="clients → receiver", accepted=41, rejected=0, retrying=0,
                   elapsed_s=1.0, simulate_s=0.5, workers=1)
    text = render_summary(Delivery(weekly_batches=40, rejected_points=0), insights, run,
                          {"2026-W41": "← 2.43.0 released"})
    assert "41 accepted · 40 stored, each once" in text and "· 1 lost" in text
    assert "jobs 2,000 · errors 300 (150.0 per 1,000 jobs)" in text
    week = next(line for line in text.splitlines() if line.startswith("  2026-W41"))
    assert "200.0 [100–300]" in week and week.endswith("← 2.43.0 released")
    assert re.search(r"  docker\s+65\.0 % \[60–70\]\s+13\b", text)
    assert "version" in text and "(no group of k or more)" in text  # a figure with nothing published says so
    assert "Anomalies found (0)" in text and "  none" in text


def test_demo_serve_keeps_the_receiver_until_stopped(tmp_path: Path) -> None:
    """--serve prints the live receiver and dashboard addresses and the dashboard's token, keeps them answering
    (the analytics only with the token); SIGTERM stops everything cleanly."""
    process = subprocess.Popen(
        [sys.executable, "-m", "printernizer_stats.cli", "demo", "--installations", "2", "--weeks", "2",
         "--workers", "1", "--no-collector", "--serve", "--dir", str(tmp_path / "demo")],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        assert process.stdout is not None
        lines = iter(process.stdout.readline, "")
        next(line for line in lines if line.startswith("Pages (running until Ctrl-C)"))
        url = next(lines).split()[-1]
        with urllib.request.urlopen(url, timeout=5) as answer:
            assert json.loads(answer.read())["status"] == "ok"
        dashboard = next(lines).split()[-1]
        token = next(lines).split()[-1]
        analytics = dashboard.removesuffix("/dashboard") + "/v1/analytics"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(analytics, timeout=5)
        assert refused.value.code == 401
        signed = urllib.request.Request(analytics, headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(signed, timeout=5) as answer:
            assert "figures" in json.loads(answer.read())
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == 0
    finally:
        with contextlib.suppress(ProcessLookupError):  # a failed test leaves no receiver or viewer behind
            os.killpg(process.pid, signal.SIGKILL)
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=2)


@pytest.mark.collector
@pytest.mark.usefixtures("rotel_agent")
def test_demo_falls_back_to_rotel_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the built collector the demo announces its quick fallback, rotel, and still stores every batch."""
    import printernizer_stats_tools.demo._collector as demo_collector

    monkeypatch.setattr(demo_collector, "find_otelcol", lambda: None)
    out, err, summary = _demo(tmp_path, capsys)
    assert "OpenTelemetry Collector is not built" in err and "quick fallback, rotel" in err
    assert "rotel collector (quick fallback" in summary["run"]["path"] and "rotel collector" in _path_line(out)
    assert summary["delivery"]["weekly_batches"] == INSTALLATIONS * WEEKS


def _path_line(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("path"))


def test_demo_says_so_when_the_collector_is_unavailable(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Without either collector (another platform), the demo explains and sends straight to the receiver."""
    import printernizer_stats_tools.collectors._local as local
    import printernizer_stats_tools.demo._collector as demo_collector

    monkeypatch.setattr(demo_collector, "find_otelcol", lambda: None)
    monkeypatch.setattr(local, "find_rotel_agent", lambda: None)
    out, err, summary = _demo(tmp_path, capsys)
    assert "collector  unavailable: rotel-agent not found" in err and "sending straight to the receiver" in err
    assert "[local collector unavailable]" in summary["run"]["path"] and "[local collector unavailable]" in out
    assert summary["delivery"]["weekly_batches"] == INSTALLATIONS * WEEKS
