"""``printernizer-stats migrate`` and ``serve``'s start-up checks."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import pytest
import sqlalchemy as sa

from printernizer_stats.cli import main
from printernizer_stats.maintainers.server import current_revision, head_revision
from printernizer_stats_tools import free_port


def test_migrate_brings_a_new_database_to_head(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``migrate`` creates the schema at the newest revision, and running it again changes nothing."""
    url = f"sqlite:///{tmp_path / 'r.db'}"
    assert main(["migrate", "--db-url", url]) == 0
    assert main(["migrate", "--db-url", url]) == 0
    engine = sa.create_engine(url)
    assert current_revision(engine) == head_revision()
    assert {"installations", "daily_stats", "events_summary", "batches"} <= set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert f"schema at revision {head_revision()}" in capsys.readouterr().out


def test_migrate_sql_prints_the_shipped_mssql_schema(capsys: pytest.CaptureFixture[str]) -> None:
    """``migrate --sql mssql`` prints exactly server/sql/mssql-schema.sql."""
    assert main(["migrate", "--sql", "mssql"]) == 0
    shipped = (resources.files("printernizer_stats.maintainers.server") / "sql" / "mssql-schema.sql").read_text("utf-8")
    assert capsys.readouterr().out == shipped


def test_serve_without_migration_refuses_an_old_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``serve --no-migrate`` on a database that is not at head exits 2 with the command that fixes it."""
    assert main(["serve", "--db-url", f"sqlite:///{tmp_path / 'new.db'}", "--no-migrate"]) == 2
    assert "printernizer-stats migrate" in capsys.readouterr().err


def test_serve_refuses_an_empty_token(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An empty bearer token is a configuration error, not an open door."""
    assert main(["serve", "--db-url", f"sqlite:///{tmp_path / 'r.db'}", "--token", " "]) == 2
    assert "token" in capsys.readouterr().err


def test_serve_warns_without_a_token_off_loopback_and_trusts_no_forwarded_address(tmp_path: Path) -> None:
    """Issue 13, items 6 and 8: `serve --host 0.0.0.0` without a token says so on stderr, loudly; and even
    from loopback, X-Forwarded-For does not make one client many addresses (no proxy is trusted unless
    configured), so the second request of a one-request burst is a 429."""
    port = free_port()
    env = {**os.environ, "PRINTERNIZER_STATS_TOKEN": "", "PRINTERNIZER_STATS_TRUSTED_PROXIES": ""}
    argv = [sys.executable, "-m", "printernizer_stats.cli", "serve", "--db-url", f"sqlite:///{tmp_path / 'r.db'}",
            "--host", "0.0.0.0", "--port", str(port), "--address-burst", "1"]
    process = subprocess.Popen(argv, env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        lines = [process.stderr.readline() for _ in range(3)]
        assert any("WARNING: no token" in line and "0.0.0.0" in line for line in lines), lines
        deadline = time.monotonic() + 30
        statuses = []
        while len(statuses) < 2 and time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("POST", "/v1/metrics", b"", {"Content-Type": "application/x-protobuf",
                                                                 "X-Forwarded-For": f"203.0.113.{len(statuses)}"})
                statuses.append(connection.getresponse().status)
                connection.close()
            except ConnectionRefusedError:
                time.sleep(0.2)
        assert statuses == [400, 429]
    finally:
        process.terminate()
        process.wait(10)
