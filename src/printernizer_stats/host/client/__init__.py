"""The Printernizer side: ``StatsClient`` (the façade a host calls) over services that ``compose`` wires.

``install``, ``viewer_app`` and ``InspectingClient`` need FastAPI (the ``fastapi`` extra); they are
imported on first use, so the client itself works without it.
"""

from typing import TYPE_CHECKING, Any

from printernizer_stats.host.client._client import StatsClient
from printernizer_stats.host.client._compose import ClientConfig, ClientServices, compose
from printernizer_stats.host.client._host_gauges import FeaturesEnabled, PrintersByType, host_gauges
from printernizer_stats.host.client._host_settings import features_from_settings
from printernizer_stats.host.client._routes import RuntimeValueSets
from printernizer_stats.host.client._sending import ClientSending
from printernizer_stats.host.client._settings import RETENTION_WEEKS_DEFAULT, RETENTION_WEEKS_MAX, RETENTION_WEEKS_MIN
from printernizer_stats.host.client._summary import (
    consent_summary,
    daily_summary,
    local_summary,
    series_label,
    weekly_summary,
)
from printernizer_stats.host.sender import SenderConfig, sender_config

if TYPE_CHECKING:
    from printernizer_stats.host.client._install import install
    from printernizer_stats.host.client._viewer_app import InspectingClient, viewer_app

_NEEDS_FASTAPI = {
    "install": "printernizer_stats.host.client._install",
    "viewer_app": "printernizer_stats.host.client._viewer_app",
    "InspectingClient": "printernizer_stats.host.client._viewer_app",
}


def __getattr__(name: str) -> Any:
    if name in _NEEDS_FASTAPI:
        import importlib  # noqa: PLC0415

        return getattr(importlib.import_module(_NEEDS_FASTAPI[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "RETENTION_WEEKS_DEFAULT",
    "RETENTION_WEEKS_MAX",
    "RETENTION_WEEKS_MIN",
    "ClientConfig",
    "ClientSending",
    "ClientServices",
    "FeaturesEnabled",
    "InspectingClient",
    "PrintersByType",
    "RuntimeValueSets",
    "SenderConfig",
    "StatsClient",
    "compose",
    "consent_summary",
    "daily_summary",
    "features_from_settings",
    "host_gauges",
    "install",
    "local_summary",
    "sender_config",
    "series_label",
    "viewer_app",
    "weekly_summary",
]
