"""A simulated installation that lives week by week and sends its weekly batch each Monday, as a real one
does: the demo and the end-to-end tests drive many of these through a collector to the receiver."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, closing, contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from printernizer_stats.host.client import StatsClient
from printernizer_stats.host.sender import SenderConfig, Transport
from printernizer_stats_tools.simulator._profile import InstanceProfile, Release, random_profile
from printernizer_stats_tools.simulator._simulate import (
    InstanceSimulator,
    Sensitive,
    SimClock,
    simulate_weeks,
    simulated_client,
)


@contextmanager
def keep_open(db_path: str | Path) -> Iterator[None]:
    """Hold one idle connection to ``db_path`` while a simulation runs.

    The client opens a connection per operation, as a host does once a minute. The simulator does ~5 a
    simulated day, and closing the last connection to a WAL database checkpoints it with an fsync (up to
    ≈ 10 ms on this machine's disk): 1.6-4x the time of the rest (bench/bench_pipeline.py). While another
    connection is open, closing is cheap and SQLite's auto-checkpoint (every 1,000 pages) does the work
    instead. What is written, and how, does not change. Call it after the file exists (the client's first
    write creates it in WAL mode).
    """
    with closing(sqlite3.connect(db_path)) as idle:
        idle.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()  # maps the WAL index: now a reader
        yield


def simulate_installation(
    db_path: str, weeks: int, seed: int, first_day: date, jobs_per_week: float | None = None,
    releases: Sequence[Release] = (), sensitive: Sensitive | None = None,
) -> tuple[StatsClient, InstanceSimulator]:
    """Opt a fresh installation in on ``first_day`` and simulate ``weeks`` weeks of use (upgrading to
    ``releases`` as its profile says); returns the client it ends with and the simulator."""
    profile = random_profile(seed, jobs_per_week)
    clock = SimClock(first_day)
    client = simulated_client(db_path, profile, clock)
    client.opt_in()
    with keep_open(db_path):
        sim = InstanceSimulator(client, profile, clock, sensitive, releases)
        simulate_weeks(sim, first_day, weeks)
        sim.client.stop()
    return sim.client, sim


class SimulatedInstallation:
    """One installation: opted in on ``first_day``, then :meth:`run_week` and :meth:`submit` in turn.

    Args:
        db_path: its local statistics file (created).
        seed: its profile (deployment, fleet, habits, version and upgrade behaviour).
        first_day: a Monday; the day it opts in.
        sender: where its batches go (a collector or the receiver); None: nothing is sent.
        releases: releases it may upgrade to while it runs.
        sensitive: the sensitive values planted in its event payloads (PII canaries).
        transports: builds its sender's transport for each pass (e.g. a worker's :class:`SharedConnection`);
            None: a new session a pass, as a real installation.
    """

    def __init__(self, db_path: str | Path, seed: int, first_day: date, sender: SenderConfig | None = None,
                 releases: Sequence[Release] = (), sensitive: Sensitive | None = None,
                 jobs_per_week: float | None = None,
                 transports: Callable[[SenderConfig], Transport] | None = None) -> None:
        if first_day.weekday() != 0:
            raise ValueError("first_day must be a Monday")
        self.profile: InstanceProfile = random_profile(seed, jobs_per_week)
        self.clock = SimClock(first_day)
        self.next_day = first_day
        client = simulated_client(str(db_path), self.profile, self.clock, sender=sender, transports=transports)
        client.opt_in()
        self._resources = ExitStack()
        self._resources.enter_context(keep_open(db_path))  # for the installation's whole life
        self.sim = InstanceSimulator(client, self.profile, self.clock, sensitive, releases)
        self._job_ids = iter(range(1, 10**9))

    @property
    def client(self) -> StatsClient:
        """The current client (a new one after each upgrade)."""
        return self.sim.client

    def run_week(self) -> date:
        """Simulate the next seven days; returns the Monday of that week."""
        monday = self.next_day
        for offset in range(7):
            self.clock.day = monday + timedelta(days=offset)
            self.sim.day(lambda: next(self._job_ids))
        self.next_day = monday + timedelta(weeks=1)
        return monday

    def submit(self) -> dict[str, Any]:
        """On the Monday after the simulated weeks: batch every complete week and send what is queued."""
        self.clock.day = self.next_day
        return self.client.submit_now()

    def close(self) -> None:
        """Stop the client (host shutdown) and release the file."""
        self.client.stop()
        self._resources.close()
