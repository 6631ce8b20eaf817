"""Seeded profiles of Printernizer installations: who deploys how, with which printers, using what."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from printernizer_stats.registry.names import Feature, PrinterType

DEPLOYMENT_MODES = (("docker", 0.45), ("homeassistant", 0.30), ("standalone", 0.15), ("pi", 0.10))
PRINTER_TYPES = ((PrinterType.BAMBU_LAB, 0.55), (PrinterType.PRUSA_CORE, 0.35), (PrinterType.OCTOPRINT, 0.10))
VERSIONS = (("2.42.0", 0.45), ("2.41.7", 0.30), ("2.40.2", 0.15), ("2.7.0", 0.10))
TIMEZONES = (
    ("Europe/Berlin", 0.40), ("Europe/Vienna", 0.08), ("Europe/Zurich", 0.07), ("America/New_York", 0.12),
    ("America/Los_Angeles", 0.06), ("Europe/London", 0.08), ("Europe/Paris", 0.06), ("Australia/Sydney", 0.03),
    ("Europe/Amsterdam", 0.05), ("UTC", 0.05),
)
FEATURE_ADOPTION = {
    Feature.LIBRARY: 0.85, Feature.LIBRARY_SEARCH: 0.7, Feature.TIMELAPSE: 0.35, Feature.AUTO_JOB_CREATION: 0.8,
    Feature.GERMAN_COMPLIANCE: 0.25, Feature.WATCH_FOLDERS: 0.4, Feature.UPLOAD: 0.9, Feature.WEBSOCKETS: 0.95,
    Feature.SLICING: 0.2, Feature.MQTT: 0.3,
}


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([name for name, _ in weighted], [w for _, w in weighted])[0]


@dataclass(frozen=True, slots=True)
class InstanceProfile:
    """How one simulated installation behaves; everything derives from the seed."""

    seed: int
    deployment_mode: str
    app_version: str
    timezone: str
    printers: dict[str, int]
    features: dict[str, bool]
    jobs_per_week: float
    failure_rate: float
    downloads_per_job: float
    error_rate: float
    uptime_probability: float
    api_requests_per_day: int
    upgrade_delay_days: float | None = None
    """Days between a release and this installation running it; None: it never upgrades (what it reports
    cannot change: e.g. the Docker image without .git that always reports 2.7.0)."""


def random_profile(seed: int, jobs_per_week: float | None = None) -> InstanceProfile:
    """A realistic installation: mostly small fleets, Bambu-heavy, Docker/HA-heavy, a few heavy users."""
    rng = random.Random(seed)
    fleet_size = min(12, max(1, int(rng.paretovariate(1.6))))
    printers: dict[str, int] = {}
    for _ in range(fleet_size):
        kind = _pick(rng, PRINTER_TYPES)
        printers[kind] = printers.get(kind, 0) + 1
    deployment_mode, app_version = _pick(rng, DEPLOYMENT_MODES), _pick(rng, VERSIONS)
    return InstanceProfile(
        seed=seed,
        deployment_mode=deployment_mode,
        app_version=app_version,
        timezone=_pick(rng, TIMEZONES),
        printers=printers,
        features={name: rng.random() < share for name, share in FEATURE_ADOPTION.items()},
        jobs_per_week=jobs_per_week if jobs_per_week is not None else fleet_size * rng.uniform(3, 15),
        failure_rate=rng.uniform(0.02, 0.15),
        downloads_per_job=rng.uniform(0.3, 1.0),
        error_rate=rng.uniform(0.01, 0.2),
        uptime_probability=rng.uniform(0.6, 1.0),
        api_requests_per_day=rng.randint(50, 800),
        upgrade_delay_days=None if app_version == STUCK_VERSION else _upgrade_delay(seed, deployment_mode),
    )


STUCK_VERSION = "2.7.0"
"""What a Docker image without .git reports whatever it runs (printernizer-facts: usage stats fallback)."""
UPGRADE_DELAYS = {"docker": (0.5, 0.1), "homeassistant": (4.0, 0.05), "standalone": (21.0, 0.3), "pi": (30.0, 0.35)}
"""Per deployment mode: mean days until an installation runs a new release (Docker images auto-update with
Watchtower, Home Assistant asks the user, standalone and Pi installs are updated by hand), and the share
that does not upgrade within the simulated span."""


def _upgrade_delay(seed: int, deployment_mode: str) -> float | None:
    # A stream of its own: profiles keep the draws they had before releases were simulated.
    rng = random.Random(f"upgrade-{seed}")
    mean_days, never = UPGRADE_DELAYS[deployment_mode]
    return None if rng.random() < never else rng.expovariate(1 / mean_days)


@dataclass(frozen=True, slots=True)
class Release:
    """A Printernizer release during a simulation; ``regression`` errors spike while it runs."""

    version: str
    published: date
    regression: tuple[str, str] | None = None
    """(error code, component) that a bug in this release throws, e.g. a Bambu Lab driver regression."""
    regression_per_job: float = 0.0
    """Extra errors of that code per job, on installations with a printer type in ``regression_printers``."""
    regression_printers: frozenset[str] = frozenset({PrinterType.BAMBU_LAB})


def release_timeline(first_day: date, weeks: int) -> tuple[Release, ...]:
    """The demo's releases: 2.43.0 in the middle of the span breaks Bambu Lab connections (a spike of
    ``PRINTER_CONNECTION`` errors per 1,000 jobs), 2.43.1 fixes it two weeks later."""
    middle = first_day + timedelta(weeks=weeks // 2, days=1)
    return (
        Release("2.43.0", middle, ("PRINTER_CONNECTION", "printer"), regression_per_job=0.15),
        Release("2.43.1", middle + timedelta(weeks=2)),
    )


def running_version(profile: InstanceProfile, releases: Sequence[Release], day: date) -> tuple[str, Release | None]:
    """The version ``profile`` runs on ``day`` (its own until it upgrades), and the release if it is one."""
    current: tuple[str, Release | None] = (profile.app_version, None)
    if profile.upgrade_delay_days is None:
        return current
    for release in sorted(releases, key=lambda r: r.published):
        if release.published + timedelta(days=profile.upgrade_delay_days) <= day:
            current = (release.version, release)
    return current
