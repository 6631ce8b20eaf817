"""The example batch for the privacy page: read this installation's live facts and gauges, build, describe.

Reads the host's callables (printers by type, features) once, in the API's worker thread; a callable that
fails leaves its metric out of the example (logged) rather than failing the page. Writes nothing and opens
no connection: the outbox, the store and the sender are not touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import structlog

from printernizer_stats.host.instrumentation import GaugeSource
from printernizer_stats.host.sender import EXAMPLE_INSTALLATION_ID, build_example_batch, describe_payload
from printernizer_stats.registry import Registry
from printernizer_stats.registry.names import Metric

_log = structlog.get_logger(__name__)

LIVE_GAUGES = (Metric.PRINTERS, Metric.FEATURES_ENABLED)
"""The host's gauges, shown as they are now; uptime is a count like the others (zero in the example)."""


def live_gauges(host_gauges: Mapping[str, GaugeSource]) -> dict[str, list[tuple[float, dict[str, str]]]]:
    """The host's gauge readings right now; a failing callable is logged and left out."""
    readings: dict[str, list[tuple[float, dict[str, str]]]] = {}
    for name in LIVE_GAUGES:
        source = host_gauges.get(name)
        if source is None:
            continue
        try:
            readings[name] = [(float(value), dict(attributes)) for value, attributes in source()]
        except Exception as exc:
            _log.warning("usage_stats.example_gauge_failed", metric=name, error=type(exc).__name__)
    return readings


def example_batch(registry: Registry, facts: Mapping[str, str], today: date,
                  host_gauges: Mapping[str, GaugeSource]) -> dict[str, Any]:
    """The example batch of the current week, described like a preview (decoded from its bytes)."""
    batch = build_example_batch(registry, facts, today, live_gauges(host_gauges))
    return {"week": batch.label, "installation_id": EXAMPLE_INSTALLATION_ID, **describe_payload(batch.payload)}
