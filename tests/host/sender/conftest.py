"""Fixtures for the sender: real local receivers (HTTP and HTTPS via trustme), a movable clock, week data."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from printernizer_stats.host.sender import Batch, Identity, build_week_batch
from printernizer_stats.registry import Registry, WeekValue
from tests.host.sender.receiver import FaultyReceiver

FACTS = {
    "printernizer.app_version": "2.42.0",
    "printernizer.deployment_mode": "docker",
    "printernizer.country_code": "DE",
    "printernizer.python_version": "3.11",
    "printernizer.platform": "linux",
}
INSTALLATION = "5f0c6c1e-8d1a-4c4b-9a53-1d2b3c4d5e6f"
SECRET = "5e" * 32
IDENTITY = Identity(SECRET)
MONDAY = date(2026, 11, 16)
"""The newest complete week of the tests."""
TODAY = MONDAY + timedelta(weeks=1)


@dataclass
class Clock:
    """Unix seconds that only move when a test moves them."""

    t: float = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def receiver() -> Iterator[FaultyReceiver]:
    with FaultyReceiver() as server:
        yield server


@pytest.fixture
def tls_receiver(tmp_path: Path) -> Iterator[FaultyReceiver]:
    with FaultyReceiver(tls_dir=tmp_path) as server:
        yield server


def week_values(monday: date) -> list[WeekValue]:
    """One week of every kind of metric, deliberately unsorted."""
    return [
        WeekValue(monday, "printernizer.printers", (("printer_type", "prusa_core"),), 2.0),
        WeekValue(monday, "printernizer.jobs.events", (("event", "failed"),), 1.0),
        WeekValue(monday, "printernizer.jobs.events", (("event", "completed"),), 12.0),
        WeekValue(monday, "http.server.request.duration",
                  (("http.request.method", "GET"), ("http.response.status_code", "2xx"),
                   ("http.route", "/api/v1/printers/{printer_id}")),
                  1.2345678, 5, (1, 1, 1, 1, 1, 0)),
        WeekValue(monday, "printernizer.uptime", (), 6.0),
    ]


def week_batches(registry: Registry, count: int) -> list[Batch]:
    """The batches of the ``count`` weeks up to MONDAY, newest first."""
    batches = []
    for offset in range(count):
        monday = MONDAY - timedelta(weeks=offset)
        batch = build_week_batch(registry, FACTS, INSTALLATION, monday, week_values(monday), identity=IDENTITY)
        assert batch is not None
        batches.append(batch)
    return batches
