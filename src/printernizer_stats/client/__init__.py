"""The Printernizer-side composition root: wires instrumentation, exporter and (later) sender together."""

from printernizer_stats.client._client import FeaturesEnabled, PrintersByType, StatsClient, host_gauges
from printernizer_stats.client._routes import RuntimeValueSets
from printernizer_stats.client._summary import consent_summary, local_summary, series_label, weekly_summary

__all__ = [
    "FeaturesEnabled",
    "PrintersByType",
    "RuntimeValueSets",
    "StatsClient",
    "consent_summary",
    "host_gauges",
    "local_summary",
    "series_label",
    "weekly_summary",
]
