"""StatsClient: off by default, DNT, opt-in/opt-out lifecycle, and a broken DB never hurting the host."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest

from printernizer_stats.host.client import StatsClient
from printernizer_stats.host.localdb import SCHEMA_VERSION

DAY = date(2026, 11, 18)


def _client(path: Path, environ: dict[str, str] | None = None) -> StatsClient:
    return StatsClient(path, "2.42.0", timezone="Europe/Berlin", environ=environ or {}, today=lambda: DAY,
                       export_interval_s=3600)


def test_off_by_default_records_nothing(tmp_path: Path) -> None:
    client = _client(tmp_path / "s.db")
    assert client.start() is False
    client.services.instruments.add("printernizer.app.starts")
    client.stop()
    assert client.services.store.readings() == []
    assert client.local_summary()["consent"]["opted_in"] is False


def test_opt_in_collects_and_opt_out_deletes_at_once(tmp_path: Path) -> None:
    client = _client(tmp_path / "s.db")
    state = client.opt_in()
    assert state.installation_id and client.services.gate.collecting()
    client.services.events.handle("job_created", {"filename": "a.3mf"})
    client.flush()
    assert any(r.metric == "printernizer.jobs.events" for r in client.services.store.readings())
    client.opt_out()
    assert client.services.store.readings() == []
    client.services.instruments.add("printernizer.app.starts")
    client.flush()
    assert client.services.store.readings() == []
    assert client.consent().previous_installation_id == state.installation_id


def test_reopt_in_gets_a_new_id(tmp_path: Path) -> None:
    client = _client(tmp_path / "s.db")
    first = client.opt_in().installation_id
    client.opt_out()
    assert client.opt_in().installation_id != first
    client.stop()


def test_do_not_track_refuses_opt_in_and_keeps_stored_consent_off(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    _client(path).opt_in()
    dnt = _client(path, {"DO_NOT_TRACK": "1"})
    assert dnt.start() is False and not dnt.services.gate.collecting()
    with pytest.raises(PermissionError, match="DO_NOT_TRACK"):
        dnt.opt_in()


def test_corrupt_db_degrades_to_off_without_raising(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    path.write_bytes(b"not sqlite" * 1000)
    client = _client(path)
    assert client.start() is False
    client.services.events.handle("job_created", {})
    client.record_error("PRINTER_CONNECTION", "printer")
    summary = client.local_summary()
    assert summary["consent"]["opted_in"] is False and summary["consent"]["off_reason"]


def test_db_broken_while_running_turns_off(tmp_path: Path, captured_logs: list[dict[str, object]]) -> None:
    path = tmp_path / "s.db"
    client = _client(path)
    client.opt_in()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.mkdir()  # the DB path is now a directory: every open fails
    client.services.events.handle("job_created", {})
    client.flush()
    assert client.services.gate.off_reason is not None
    client.services.events.handle("job_created", {})  # still never raises
    client.stop()
    assert [log["event"] for log in captured_logs if log["log_level"] == "warning"] == ["usage_stats.off"]


def test_read_only_dir_does_not_raise(read_only_dir: Path) -> None:
    client = _client(read_only_dir / "s.db")
    assert client.start() is False
    assert client.services.gate.off_reason is not None


def test_facts_are_stored_for_inspection(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    _client(path).opt_in()
    inspector = StatsClient(path)
    assert inspector.services.facts.current()["printernizer.country_code"] == "DE"
    assert inspector.services.facts.current()["printernizer.app_version"] == "2.42.0"


def test_a_db_from_a_newer_version_turns_statistics_off_with_one_log_line(
    tmp_path: Path, captured_logs: list[dict[str, object]],
) -> None:
    """Opted in by a newer printernizer-stats (a downgrade): nothing raises, nothing is touched, one warning."""
    path = tmp_path / "s.db"
    _client(path).opt_in(start=False)
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    client = _client(path)
    assert client.start() is False
    client.services.events.handle("job_created", {})
    status, summary = client.status(), client.local_summary()
    client.stop()
    assert status["opted_in"] is False and "newer" in str(status["off_reason"])
    assert summary["consent"]["off_reason"] == status["off_reason"]
    assert [log["event"] for log in captured_logs if log["log_level"] == "warning"] == ["usage_stats.off"]
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
