"""The demo's population: one task per simulated installation, run in worker processes.

Each installation opts in, lives its weeks (upgrading as releases come out) and sends its batch every
Monday through the collector, exactly as a real Printernizer would; the worker reports what it sent. The
summary itself is read back from the receiver's database, never from here: these figures only check it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import structlog

from printernizer_stats.host.sender import ACCEPTED, REJECTED, SenderConfig
from printernizer_stats_tools.simulator import Release, SharedConnection, SimulatedInstallation


@dataclass(frozen=True, slots=True)
class InstallationTask:
    """What a worker needs to simulate one installation (picklable: it crosses a process boundary)."""

    seed: int
    db_path: str
    first_day: date
    weeks: int
    endpoint: str
    token: str | None
    releases: tuple[Release, ...]
    ca_file: str | None = None
    """The CA to trust for the endpoint's certificate (the demo's collector), None: the default store."""


@dataclass(frozen=True, slots=True)
class InstallationReport:
    """What one simulated installation did: its kind, and how its batches fared."""

    seed: int
    deployment_mode: str
    versions: tuple[str, ...]
    """Every version it ran, in order (more than one: it upgraded)."""
    accepted: int
    rejected: int
    retrying: int
    """Batches still waiting in its outbox at the end (a refused connection, a 429...)."""


def quiet_logging() -> None:
    """Workers log warnings and errors only; the clients' info lines (one per batch sent) would drown the demo."""
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


def warm_up() -> None:
    """Nothing: unpickling this function in a fresh worker imports the client stack (this module's imports)."""


@cache
def _connection() -> SharedConnection:
    """This worker's one keep-alive connection to the collector, for every installation it simulates."""
    return SharedConnection()


def run_installation(task: InstallationTask) -> InstallationReport:
    """Simulate ``task``'s installation week by week, sending each week's batch on the following Monday."""
    quiet_logging()
    sender = SenderConfig(endpoint=task.endpoint, token=task.token, ca_file=task.ca_file, timeout_s=30.0)
    installation = SimulatedInstallation(Path(task.db_path), task.seed, task.first_day, sender, task.releases,
                                         transports=_connection())
    counts = {ACCEPTED: 0, REJECTED: 0}
    try:
        for _ in range(task.weeks):
            installation.run_week()
            for attempt in installation.submit()["attempts"]:
                if attempt["outcome"] in counts:
                    counts[attempt["outcome"]] += 1
        retrying = len(installation.client.services.sending.outbox.queued())
    finally:
        installation.close()
    return InstallationReport(
        seed=task.seed, deployment_mode=installation.profile.deployment_mode,
        versions=tuple(version for _, version in installation.sim.log.versions),
        accepted=counts[ACCEPTED], rejected=counts[REJECTED], retrying=retrying,
    )
