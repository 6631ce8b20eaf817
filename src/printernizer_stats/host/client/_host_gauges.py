"""The gauges Printernizer feeds: printers by type and features switched on, from the host's callables.

The callables are read on the SDK reader's thread at each collection, never on the host's; uptime is ours.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from printernizer_stats.host.instrumentation import GaugeSource
from printernizer_stats.registry.names import Attribute, Metric

PrintersByType = Callable[[], Mapping[str, int]]
FeaturesEnabled = Callable[[], Mapping[str, bool]]


def host_gauges(printers: PrintersByType | None, features: FeaturesEnabled | None) -> dict[str, GaugeSource]:
    """Gauge sources from the host's callables; uptime is ours (1 on every day the process runs)."""
    sources: dict[str, GaugeSource] = {Metric.UPTIME: lambda: [(1.0, {})]}
    if printers is not None:
        sources[Metric.PRINTERS] = lambda: [(float(n), {Attribute.PRINTER_TYPE: t}) for t, n in printers().items()]
    if features is not None:
        sources[Metric.FEATURES_ENABLED] = lambda: [
            (1.0 if on else 0.0, {Attribute.FEATURE: name}) for name, on in features().items()
        ]
    return sources
