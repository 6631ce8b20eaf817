"""``printernizer-stats migrate`` and ``serve``'s start-up checks."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
import sqlalchemy as sa

from printernizer_stats.cli import main
from printernizer_stats.server import current_revision, head_revision


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
    shipped = resources.files("printernizer_stats.server").joinpath("sql/mssql-schema.sql").read_text("utf-8")
    assert capsys.readouterr().out == shipped


def test_serve_without_migration_refuses_an_old_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``serve --no-migrate`` on a database that is not at head exits 2 with the command that fixes it."""
    assert main(["serve", "--db-url", f"sqlite:///{tmp_path / 'new.db'}", "--no-migrate"]) == 2
    assert "printernizer-stats migrate" in capsys.readouterr().err


def test_serve_refuses_an_empty_token(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An empty bearer token is a configuration error, not an open door."""
    assert main(["serve", "--db-url", f"sqlite:///{tmp_path / 'r.db'}", "--token", " "]) == 2
    assert "token" in capsys.readouterr().err
