"""The Printernizer-side composition root: wires instrumentation, exporter and sender together."""

from printernizer_stats.client._client import FeaturesEnabled, PrintersByType, StatsClient, host_gauges
from printernizer_stats.client._routes import RuntimeValueSets
from printernizer_stats.client._sending import ClientSending
from printernizer_stats.client._summary import consent_summary, local_summary, series_label, weekly_summary
from printernizer_stats.sender import SenderConfig, sender_config

__all__ = [
    "ClientSending",
    "FeaturesEnabled",
    "PrintersByType",
    "RuntimeValueSets",
    "SenderConfig",
    "StatsClient",
    "consent_summary",
    "host_gauges",
    "local_summary",
    "sender_config",
    "series_label",
    "weekly_summary",
]
