"""A seeded simulator of Printernizer installations, for tests, the demo and benchmarks: a simulated host
(profile, clock, event bus of :mod:`printernizer_stats_tools.standin`) drives a real ``StatsClient``."""

from printernizer_stats_tools.simulator._connection import SharedConnection
from printernizer_stats_tools.simulator._installation import SimulatedInstallation, keep_open, simulate_installation
from printernizer_stats_tools.simulator._profile import (
    STUCK_VERSION,
    InstanceProfile,
    Release,
    random_profile,
    release_timeline,
    running_version,
)
from printernizer_stats_tools.simulator._routes import PRINTERNIZER_ROUTES, ROUTE_TEMPLATES
from printernizer_stats_tools.simulator._simulate import (
    InstanceSimulator,
    Sensitive,
    SimClock,
    SimulationLog,
    simulate_weeks,
    simulated_client,
)

__all__ = [
    "PRINTERNIZER_ROUTES",
    "ROUTE_TEMPLATES",
    "STUCK_VERSION",
    "InstanceProfile",
    "InstanceSimulator",
    "Release",
    "Sensitive",
    "SharedConnection",
    "SimClock",
    "SimulatedInstallation",
    "SimulationLog",
    "keep_open",
    "random_profile",
    "release_timeline",
    "running_version",
    "simulate_installation",
    "simulate_weeks",
    "simulated_client",
]
