"""A stand-in for Printernizer: its event bus, services and fleet here; its FastAPI app in :mod:`.app`.

Integration is tested against the stand-in instead of Printernizer's code. This package imports no FastAPI
(the simulator uses its event bus on a client-only install); ``printernizer_stats_tools.standin.app`` needs
the ``fastapi`` extra.
"""

from printernizer_stats_tools.standin._bus import StandInEventBus
from printernizer_stats_tools.standin._services import StandInError, StandInPrinter, StandInSettings, default_fleet

__all__ = ["StandInError", "StandInEventBus", "StandInPrinter", "StandInSettings", "default_fleet"]
