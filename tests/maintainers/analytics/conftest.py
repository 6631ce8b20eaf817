"""Analytics fixtures: seeded populations in migrated SQLite files (built once, copied per test) and in a
PostgreSQL database of this session's own."""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from printernizer_stats.maintainers.server import create_engine, migrate
from tests.maintainers.analytics.loading import load_population
from tests.maintainers.analytics.population import (
    ErrorTypeSurge,
    InstallDrop,
    NewErrorType,
    Population,
    RareGroup,
    Release,
)
from tests.postgres import fresh_database

with warnings.catch_warnings():  # starlette nags about httpx at import; the client works as documented
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

__all__ = ["TestClient"]
K = 5
RARE = (RareGroup("country_code", "IS", K - 1), RareGroup("app_version", "9.9.9", K - 1),
        RareGroup("printer_type", "octoprint", K - 1), RareGroup("feature", "mqtt", K - 1),
        RareGroup("error_type", "generator", K - 1))
"""Groups of exactly k - 1 installations, every week: none may appear in any output."""
RARE_TOKENS = ("IS", "9.9.9", "octoprint", "mqtt", "generator")
STANDARD = Population(
    installations=400, seed=11,
    releases=(Release("2.43.0", 8), Release("2.44.0", 18, error_factor=3.0)),
    drops=(InstallDrop(12, 0.3),),
    new_error_types=(NewErrorType("insufficient_material", "material", 15, 0.1),),
    surges=(ErrorTypeSurge("printer_busy", 20, 4.0),),
    rare=RARE,
)
"""400 installations over 26 weeks with four planted anomalies and five rare groups."""


def today_after(pop: Population) -> date:
    """A day on which the population's last week is the newest complete one."""
    return pop.last_week + timedelta(days=15)


def now_after(pop: Population) -> datetime:
    return datetime.combine(today_after(pop), datetime.min.time(), UTC) + timedelta(hours=9)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sqlite(tmp_path_factory.mktemp("analytics") / "empty.db", None)


def build_sqlite(path: Path, pop: Population | None = STANDARD) -> Path:
    """A migrated SQLite file at ``path`` holding ``pop``."""
    engine = create_engine(f"sqlite:///{path}")
    migrate(engine)
    if pop is not None:
        load_population(engine, pop)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def standard_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The STANDARD population in SQLite, built once per session (copy it before writing)."""
    return build_sqlite(tmp_path_factory.mktemp("analytics") / "standard.db")


@pytest.fixture
def standard_url(tmp_path: Path, standard_sqlite: Path) -> str:
    """A private copy of the STANDARD population."""
    path = tmp_path / "standard.db"
    shutil.copy(standard_sqlite, path)
    return f"sqlite:///{path}"


@pytest.fixture
def empty_url(tmp_path: Path, migrated_sqlite: Path) -> str:
    path = tmp_path / "receiver.db"
    shutil.copy(migrated_sqlite, path)
    return f"sqlite:///{path}"


def _session_database(populate: Population | None) -> Iterator[str]:
    def prepare(url: str) -> None:
        engine = create_engine(url)
        migrate(engine)
        if populate is not None:
            load_population(engine, populate)
        engine.dispose()

    with fresh_database(prepare) as url:
        yield url


@pytest.fixture(scope="session")
def standard_postgres() -> Iterator[str]:
    """The STANDARD population in a uniquely named PostgreSQL database, dropped at the end of the session.
    Read only: tests that write use ``postgres_scratch``."""
    yield from _session_database(STANDARD)


@pytest.fixture(scope="session")
def _postgres_scratch_database() -> Iterator[str]:
    yield from _session_database(None)


@pytest.fixture
def postgres_scratch(_postgres_scratch_database: str) -> str:
    """An empty, migrated PostgreSQL database (this session's own; emptied for each test)."""
    engine = sa.create_engine(_postgres_scratch_database)
    with engine.begin() as connection:
        connection.execute(sa.text(
            "TRUNCATE installations, daily_stats, events_summary, batches, weekly_rollups, figure_rollups"))
    engine.dispose()
    return _postgres_scratch_database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_empty_url(request: pytest.FixtureRequest, empty_url: str) -> str:
    """An empty, migrated database: SQLite, then PostgreSQL."""
    return empty_url if request.param == "sqlite" else str(request.getfixturevalue("postgres_scratch"))
