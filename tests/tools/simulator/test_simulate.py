"""The simulator drives the real pipeline: day rollups equal exactly what was emitted."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from printernizer_stats.registry import OTHER
from printernizer_stats_tools.simulator import simulate_installation

FIRST = date(2026, 10, 5)
_JOB_EVENTS = {"job_created": "created", "job_auto_created": "auto_created", "job_status_changed:printing": "started",
               "job_status_changed:completed": "completed", "job_status_changed:failed": "failed",
               "job_status_changed:cancelled": "cancelled"}
_KNOWN_CODES = {"PRINTER_CONNECTION": "printer_connection", "CONNECTION_TIMEOUT": "connection_timeout",
                "FILE_DOWNLOAD": "file_download", "PRINTER_BUSY": "printer_busy", "VALIDATION_ERROR": "validation",
                "FILE_NOT_FOUND": "file_not_found", "DATABASE": "database"}


def test_day_rollups_equal_what_was_recorded(tmp_path: Path) -> None:
    """Per day: job events, errors (unknown codes as `other`) and request counts match the emission log."""
    client, sim = simulate_installation(str(tmp_path / "s.db"), 3, seed=11, first_day=FIRST)
    stored = Counter[tuple[date, str, tuple[tuple[str, str], ...]]]()
    requests = Counter[tuple[date, str]]()
    for r in client.services.store.readings():
        if r.metric == "http.server.request.duration":
            requests[(r.day, dict(r.attributes)["http.route"])] += r.count
        else:
            stored[(r.day, r.metric, r.attributes)] += int(r.value)

    expected_jobs = Counter[tuple[date, str, tuple[tuple[str, str], ...]]]()
    for (day, name), n in sim.log.events.items():
        if name in _JOB_EVENTS:
            expected_jobs[(day, "printernizer.jobs.events", (("event", _JOB_EVENTS[name]),))] += n
    for key, n in expected_jobs.items():
        assert stored[key] == n, key

    expected_errors = Counter[tuple[date, str, tuple[tuple[str, str], ...]]]()
    for (day, code, component), n in sim.log.errors.items():
        attrs = (("component", component), ("error_type", _KNOWN_CODES.get(code, OTHER)))
        expected_errors[(day, "printernizer.errors", attrs)] += n
    for (day, name), n in sim.log.events.items():
        if name == "file_download_failed":
            expected_errors[(day, "printernizer.errors", (("component", "file"), ("error_type", "file_download")))] += n
    stored_errors = {k: v for k, v in stored.items() if k[1] == "printernizer.errors"}
    assert stored_errors == dict(expected_errors)

    expected_requests = Counter[tuple[date, str]]()
    for (day, route, _method, _status), n in sim.log.requests.items():
        expected_requests[(day, route)] += n
    assert sum(requests.values()) == sum(expected_requests.values())

    uptime_days = sorted(r.day for r in client.services.store.readings() if r.metric == "printernizer.uptime")
    assert uptime_days == sim.log.days_up


def test_same_seed_same_data(tmp_path: Path) -> None:
    one, _ = simulate_installation(str(tmp_path / "a.db"), 2, seed=5, first_day=FIRST)
    two, _ = simulate_installation(str(tmp_path / "b.db"), 2, seed=5, first_day=FIRST)
    assert one.services.store.readings() == two.services.store.readings()
    assert one.services.facts.current() == two.services.facts.current()


def test_only_simulated_days_are_stored(tmp_path: Path) -> None:
    client, _ = simulate_installation(str(tmp_path / "s.db"), 1, seed=2, first_day=FIRST)
    days = {r.day for r in client.services.store.readings()}
    assert min(days) >= FIRST and max(days) <= FIRST + timedelta(days=6)
