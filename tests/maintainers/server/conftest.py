"""Receiver fixtures: a migrated database per test on SQLite and PostgreSQL, the app, an in-process ASGI driver."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from printernizer_stats.maintainers.server import ReceiverConfig, Storage, create_app, create_engine, migrate, tables
from printernizer_stats.registry import Registry, default_registry
from tests.maintainers.server.asgi import AsgiDriver
from tests.maintainers.server.batches import MONDAY
from tests.postgres import fresh_database

NOW = datetime.combine(MONDAY + timedelta(days=8), datetime.min.time(), UTC) + timedelta(hours=10)
"""The tests' clock: the Tuesday after the test week (MONDAY), so that week's batch is complete."""


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A uniquely named, migrated database for this test session, dropped at the end."""
    with fresh_database(_migrate) as url:
        yield url


def _migrate(url: str) -> None:
    engine = create_engine(url)
    migrate(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test gets a copy (migrating per test would be slow)."""
    path = tmp_path_factory.mktemp("template") / "receiver.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated, empty receiver database: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "receiver.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("TRUNCATE installations, daily_stats, events_summary, batches, figure_rollups, "
                                   "weekly_rollups, verifiers"))
    engine.dispose()
    return url


@pytest.fixture
def storage(db_url: str, registry: Registry) -> Iterator[Storage]:
    store = Storage(create_engine(db_url), registry)
    yield store
    store.close()


@pytest.fixture
def config() -> ReceiverConfig:
    return ReceiverConfig()


@pytest.fixture
def driver(storage: Storage, config: ReceiverConfig) -> AsgiDriver:
    """The receiver app on the test database, at the tests' clock, driven in-process."""
    return AsgiDriver(create_app(config, storage=storage, now=lambda: NOW))


def table_counts(storage: Storage) -> dict[str, int]:
    """Rows of the data tables (the verifiers' keys are counted by the identity tests)."""
    with storage.engine.connect() as connection:
        return {name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for name, table in tables(default_registry()).items() if name != "verifiers"}


def all_rows(storage: Storage) -> dict[str, list[dict[str, object]]]:
    with storage.engine.connect() as connection:
        return {name: [dict(row) for row in connection.execute(sa.select(table)).mappings()]
                for name, table in tables(default_registry()).items()}
