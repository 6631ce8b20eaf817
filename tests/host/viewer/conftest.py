"""Fixtures for the privacy API and the page: a simulated installation's DB, a client on it, an app around it."""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from printernizer_stats.host.client import StatsClient
from printernizer_stats.host.sender import SenderConfig
from printernizer_stats.host.viewer import CUSTOM_HEADER, MOUNT_PREFIX, usage_stats_router
from printernizer_stats.registry import week_start
from printernizer_stats_tools.simulator import (
    InstanceSimulator,
    SimClock,
    random_profile,
    simulate_weeks,
    simulated_client,
)
from tests._asgi import Call, call_app

DAY = date(2026, 11, 18)
"""A Wednesday: three complete weeks were simulated before it, and this week's Monday and Tuesday."""
WEEKS = 3
SEED = 3


def build_simulated_db(path: Path, today: date = DAY, weeks: int = WEEKS, seed: int = SEED,
                       jobs_per_week: float | None = None) -> None:
    """Opted in ``weeks`` weeks before ``today``'s week, those weeks simulated, then this week up to yesterday."""
    first = week_start(today) - timedelta(weeks=weeks)
    profile = random_profile(seed, jobs_per_week)
    clock = SimClock(first)
    client = simulated_client(str(path), profile, clock)
    client.opt_in()
    sim = InstanceSimulator(client, profile, clock)
    simulate_weeks(sim, first, weeks)
    jobs = iter(range(10_000, 10**9))
    for offset in range(today.weekday()):
        clock.day = week_start(today) + timedelta(days=offset)
        sim.day(lambda: next(jobs))
    client.stop()
    client.services.store.checkpoint()


@pytest.fixture(scope="session")
def simulated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three simulated weeks before :data:`DAY`'s week, and this week's Monday and Tuesday."""
    path = tmp_path_factory.mktemp("simulated") / "stats.db"
    build_simulated_db(path)
    return path


@pytest.fixture
def db(simulated_db: Path, tmp_path: Path) -> Path:
    """A fresh copy of the simulated installation's DB (opted in, three complete weeks of readings)."""
    path = tmp_path / "stats.db"
    shutil.copy(simulated_db, path)
    return path


def make_client(path: Path, environ: Mapping[str, str] | None = None, sender: SenderConfig | None = None,
                today: date = DAY) -> StatsClient:
    return StatsClient(path, "2.42.0", timezone="Europe/Berlin", environ=dict(environ or {}),
                       today=lambda: today, export_interval_s=3600, sender=sender or SenderConfig())


def privacy_app(client: StatsClient) -> FastAPI:
    """A host app (``redirect_slashes=False`` as Printernizer) with only the privacy router mounted."""
    app = FastAPI(redirect_slashes=False)
    app.include_router(usage_stats_router(client), prefix=MOUNT_PREFIX)
    return app


SCRIPT = {CUSTOM_HEADER: "tests"}
"""What the page's script (and any other script acting for the user) sends with its requests."""


def call_api(app: FastAPI, calls: Sequence[Call], **options: Any) -> list[httpx.Response]:
    """:func:`call_app` as the page's script calls the privacy API (with its custom header)."""
    return call_app(app, calls, headers={**SCRIPT, **options.pop("headers", {})}, **options)


@pytest.fixture
def client(db: Path) -> StatsClient:
    return make_client(db)
