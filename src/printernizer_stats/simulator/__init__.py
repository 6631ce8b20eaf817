"""A seeded simulator of Printernizer installations, for tests, the demo and benchmarks."""

from printernizer_stats.simulator._bus import StandInEventBus
from printernizer_stats.simulator._profile import InstanceProfile, random_profile
from printernizer_stats.simulator._routes import PRINTERNIZER_ROUTES, ROUTE_TEMPLATES
from printernizer_stats.simulator._simulate import (
    InstanceSimulator,
    Sensitive,
    SimClock,
    SimulationLog,
    simulate_installation,
    simulate_weeks,
    simulated_client,
)

__all__ = [
    "PRINTERNIZER_ROUTES",
    "ROUTE_TEMPLATES",
    "InstanceProfile",
    "InstanceSimulator",
    "Sensitive",
    "SimClock",
    "SimulationLog",
    "StandInEventBus",
    "random_profile",
    "simulate_installation",
    "simulate_weeks",
    "simulated_client",
]
