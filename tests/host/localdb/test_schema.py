"""The local file's schema by ``PRAGMA user_version``: new files, files from before versions, newer files."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest

from printernizer_stats.host.exporter import LocalStore, StoreUnavailable
from printernizer_stats.host.localdb import MIGRATIONS, SCHEMA_VERSION, SchemaTooNew, migrate, user_version
from printernizer_stats.host.localdb import _schema as schema
from printernizer_stats.host.sender import CommunitySummary, Outbox, OutboxUnavailable, SenderConfig
from tests.host.localdb.v0 import DAY, make_v0_file

TABLES = {"daily_readings", "weekly_readings", "settings", "outbox", "sent_log", "community_summary", "sender_state"}


def _inspect(path: Path) -> tuple[int, set[str]]:
    with closing(sqlite3.connect(path)) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return user_version(conn), tables


def test_a_new_file_gets_every_table_at_the_current_version(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    assert LocalStore(path).settings() == {}
    assert _inspect(path) == (SCHEMA_VERSION, TABLES)
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental


@pytest.mark.parametrize("sender_tables", [True, False], ids=["whole", "store-only"])
def test_a_file_from_before_versions_upgrades_in_place(tmp_path: Path, sender_tables: bool) -> None:
    """user_version 0 with the old tables (or only the store's): it gains what is missing, keeps its data."""
    path = tmp_path / "s.db"
    make_v0_file(path, sender_tables=sender_tables)
    assert _inspect(path)[0] == 0
    store = LocalStore(path)
    assert store.settings() == {"opt_in": "1", "installation_id": "old-id"}
    assert [(r.day, r.metric, r.value) for r in store.readings()] == [(DAY, "printernizer.app.starts", 2.0)]
    assert _inspect(path) == (SCHEMA_VERSION, TABLES)
    outbox = Outbox(path)
    assert outbox.queued() == [] and outbox.sent() == []
    assert outbox.last_batched_week() == (date(2026, 11, 9) if sender_tables else None)


def test_the_sender_opening_an_old_file_first_migrates_it_too(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    make_v0_file(path, sender_tables=False)
    assert CommunitySummary(path, SenderConfig()).cached() is None
    assert _inspect(path) == (SCHEMA_VERSION, TABLES)
    assert LocalStore(path).settings()["installation_id"] == "old-id"


def test_a_newer_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    """A file a newer version wrote: every part says unavailable (statistics off), nothing is created."""
    path = tmp_path / "s.db"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, origin TEXT)")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreUnavailable, match="newer"):
        LocalStore(path).settings()
    with pytest.raises(OutboxUnavailable, match="newer"):
        Outbox(path).queued()
    assert _inspect(path) == (SCHEMA_VERSION + 1, {"settings"})


def test_an_old_version_runs_only_the_migrations_after_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A current file and a next migration: only the new one runs, the data stays, the version moves on."""
    path = tmp_path / "s.db"
    LocalStore(path).update_settings({"opt_in": "1"})
    monkeypatch.setattr(schema, "MIGRATIONS", (*MIGRATIONS, ("CREATE TABLE extra (a TEXT)",)))
    monkeypatch.setattr(schema, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with closing(sqlite3.connect(path)) as conn:
        assert migrate(conn) == SCHEMA_VERSION
        assert migrate(conn) == SCHEMA_VERSION + 1  # nothing more to do
    assert _inspect(path) == (SCHEMA_VERSION + 1, {*TABLES, "extra"})
    assert LocalStore(path).settings() == {"opt_in": "1"}


def test_a_failing_migration_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Migrations and the version move in one transaction: a statement failing rolls all of it back."""
    path = tmp_path / "s.db"
    monkeypatch.setattr(schema, "MIGRATIONS", (*MIGRATIONS, ("CREATE TABLE broken (",)))
    monkeypatch.setattr(schema, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with closing(sqlite3.connect(path)) as conn, pytest.raises(sqlite3.OperationalError):
        migrate(conn)
    assert _inspect(path) == (0, set())


def test_schema_too_new_is_a_database_error() -> None:
    """So every "broken file means statistics off" path handles it, and nothing new reaches the host."""
    error = SchemaTooNew(SCHEMA_VERSION + 1, SCHEMA_VERSION)
    assert isinstance(error, sqlite3.DatabaseError) and "newer" in str(error)
