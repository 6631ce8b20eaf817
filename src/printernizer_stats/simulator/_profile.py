"""Seeded profiles of Printernizer installations: who deploys how, with which printers, using what."""

from __future__ import annotations

import random
from dataclasses import dataclass

DEPLOYMENT_MODES = (("docker", 0.45), ("homeassistant", 0.30), ("standalone", 0.15), ("pi", 0.10))
PRINTER_TYPES = (("bambu_lab", 0.55), ("prusa_core", 0.35), ("octoprint", 0.10))
VERSIONS = (("2.42.0", 0.45), ("2.41.7", 0.30), ("2.40.2", 0.15), ("2.7.0", 0.10))
TIMEZONES = (
    ("Europe/Berlin", 0.40), ("Europe/Vienna", 0.08), ("Europe/Zurich", 0.07), ("America/New_York", 0.12),
    ("America/Los_Angeles", 0.06), ("Europe/London", 0.08), ("Europe/Paris", 0.06), ("Australia/Sydney", 0.03),
    ("Europe/Amsterdam", 0.05), ("UTC", 0.05),
)
FEATURE_ADOPTION = {
    "library": 0.85, "library_search": 0.7, "timelapse": 0.35, "auto_job_creation": 0.8,
    "german_compliance": 0.25, "watch_folders": 0.4, "upload": 0.9, "websockets": 0.95,
    "slicing": 0.2, "mqtt": 0.3,
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


def random_profile(seed: int, jobs_per_week: float | None = None) -> InstanceProfile:
    """A realistic installation: mostly small fleets, Bambu-heavy, Docker/HA-heavy, a few heavy users."""
    rng = random.Random(seed)
    fleet_size = min(12, max(1, int(rng.paretovariate(1.6))))
    printers: dict[str, int] = {}
    for _ in range(fleet_size):
        kind = _pick(rng, PRINTER_TYPES)
        printers[kind] = printers.get(kind, 0) + 1
    return InstanceProfile(
        seed=seed,
        deployment_mode=_pick(rng, DEPLOYMENT_MODES),
        app_version=_pick(rng, VERSIONS),
        timezone=_pick(rng, TIMEZONES),
        printers=printers,
        features={name: rng.random() < share for name, share in FEATURE_ADOPTION.items()},
        jobs_per_week=jobs_per_week if jobs_per_week is not None else fleet_size * rng.uniform(3, 15),
        failure_rate=rng.uniform(0.02, 0.15),
        downloads_per_job=rng.uniform(0.3, 1.0),
        error_rate=rng.uniform(0.01, 0.2),
        uptime_probability=rng.uniform(0.6, 1.0),
        api_requests_per_day=rng.randint(50, 800),
    )
