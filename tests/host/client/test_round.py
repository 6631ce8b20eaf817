"""The daily round and the upkeep it runs, over a local file that fails for real: the disk full, a write
lock held elsewhere, a file that is no database, a schema too new. Nothing reaches the caller; statistics
turn off with the reason and one log line."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path

import pytest

from printernizer_stats.host.client import StatsClient
from printernizer_stats.host.localdb import SCHEMA_VERSION
from printernizer_stats.registry import DayReading

MONDAY = date(2026, 11, 16)
STARTS = "printernizer.app.starts"


def _opted_in_with_old_days(path: Path) -> StatsClient:
    """Opted in with 8 weeks of days, so this Monday's upkeep has days to compact: it must write."""
    client = StatsClient(path, "2.42.0", timezone="Europe/Berlin", environ={}, today=lambda: MONDAY,
                         export_interval_s=3600)
    client.opt_in(start=False)
    store = client.services.store
    kinds = {name: spec.kind for name, spec in client.registry.metrics.items()}
    store.add([DayReading(MONDAY - timedelta(days=d), STARTS, (), 1.0) for d in range(1, 57)], kinds)
    return client


def _fill(disk: Path) -> None:
    """Another file takes the rest of the disk (unbuffered: closing it has nothing left to flush)."""
    with open(disk / "filler", "wb", buffering=0) as filler:
        try:
            while True:
                filler.write(bytes(65536))
        except OSError:
            pass


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs mounted on a directory (root only, as ``read_only_dir``), unmounted after."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (not root)")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)


def _assert_off_without_raising(client: StatsClient, expected: str, logs: list[dict[str, object]]) -> None:
    assert client.services.rounds.tick() is None  # nothing raised into the caller
    assert client.services.rounds.upkeep() is False  # nor from the round's local part alone
    assert client.start() is False
    client.record_error("DATABASE", "system")
    reason = client.services.gate.off_reason
    assert reason is not None and expected in reason.lower()
    assert client.status()["off_reason"] == reason
    assert [log["event"] for log in logs if log["log_level"] == "warning"] == ["usage_stats.off"]


def test_the_disk_full_turns_statistics_off_and_the_round_returns(
    small_disk: Path, captured_logs: list[dict[str, object]],
) -> None:
    client = _opted_in_with_old_days(small_disk / "stats.db")
    with closing(sqlite3.connect(small_disk / "stats.db")) as viewer:  # open, as the host's viewer may be:
        viewer.execute("SELECT count(*) FROM settings").fetchone()  # the WAL index stays, writes need space
        _fill(small_disk)
        _assert_off_without_raising(client, "database or disk is full", captured_logs)
    with closing(sqlite3.connect(small_disk / "stats.db")) as conn:  # what was stored before is intact
        assert conn.execute("SELECT count(*) FROM daily_readings").fetchone()[0] == 56


def _locked(path: Path) -> Callable[[], None]:
    """Another process holds the write lock (reads still work, in WAL): the client's writes time out."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder.close


def _no_database(path: Path) -> Callable[[], None]:
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.write_bytes(b"not sqlite" * 1000)
    return lambda: None


@pytest.mark.parametrize(("breaks", "expected"), [(_locked, "database is locked"),
                                                   (_no_database, "not a database")])
def test_a_failing_file_turns_statistics_off_and_the_round_returns(
    tmp_path: Path, captured_logs: list[dict[str, object]], monkeypatch: pytest.MonkeyPatch,
    breaks: Callable[[Path], Callable[[], None]], expected: str,
) -> None:
    monkeypatch.setattr("printernizer_stats.host.localdb._connection.BUSY_TIMEOUT_S", 0.05)
    client = _opted_in_with_old_days(tmp_path / "stats.db")
    release = breaks(tmp_path / "stats.db")
    try:
        _assert_off_without_raising(client, expected, captured_logs)
    finally:
        release()


def test_a_schema_too_new_turns_statistics_off_and_the_round_returns(
    tmp_path: Path, captured_logs: list[dict[str, object]],
) -> None:
    _opted_in_with_old_days(tmp_path / "stats.db")
    with closing(sqlite3.connect(tmp_path / "stats.db")) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    client = StatsClient(tmp_path / "stats.db", "2.42.0", environ={}, today=lambda: MONDAY)
    _assert_off_without_raising(client, "newer", captured_logs)
