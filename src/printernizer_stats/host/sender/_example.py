"""An example of the weekly batch, built before anyone opts in: this installation's facts, zero counts. Pure.

It goes through the same filters and encoder as a real batch (``wire_values``, ``cap_week_series``,
``encode_batch``), so what the page shows is the shape that would leave, with the live gauges (printers by
type, features switched on) as they are right now and every count at zero. It is never stored or sent:
its installation id is a fixed placeholder, since a real one is drawn only on opting in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from printernizer_stats.contract import batch_id
from printernizer_stats.host.sender._batch import Batch, Identity, encode_batch, wire_resource, wire_values
from printernizer_stats.registry import (
    DELETION_METRIC,
    Kind,
    Registry,
    WeekValue,
    attributes_key,
    cap_week_series,
    normalise_attribute,
    week_label,
    week_start,
)

EXAMPLE = "example"
EXAMPLE_INSTALLATION_ID = "00000000-0000-4000-8000-000000000000"
"""A valid uuid4 that no installation draws (a real id is random): it marks the example as one."""
EXAMPLE_SECRET = "00" * 32

GaugeReadings = Mapping[str, Iterable[tuple[float, Mapping[str, str]]]]
"""Live gauge values by metric name, as the host's callables give them now."""


def example_week_values(registry: Registry, monday: date, gauges: GaugeReadings) -> list[WeekValue]:
    """Every sendable metric of the registry once: the live gauges as read, everything else zero."""
    values: list[WeekValue] = []
    for name, spec in registry.metrics.items():
        if name == DELETION_METRIC:
            continue
        readings = gauges.get(name)
        if readings is not None:
            for value, attributes in readings:
                declared = {key: normalise_attribute(spec.attributes[key], text, {})
                            for key, text in attributes.items() if key in spec.attributes}
                values.append(WeekValue(monday, name, attributes_key(declared), float(value)))
        elif spec.kind is Kind.HISTOGRAM:
            values.append(WeekValue(monday, name, (), 0.0, 0, (0,) * (len(spec.rounding.buckets) + 1)))
        else:
            values.append(WeekValue(monday, name, (), 0.0))
    return values


def build_example_batch(registry: Registry, facts: Mapping[str, str], today: date, gauges: GaugeReadings) -> Batch:
    """The example batch of the week of ``today``, under the placeholder id."""
    monday = week_start(today)
    names = [n for n in registry.metrics if n != DELETION_METRIC]
    values = cap_week_series(wire_values(registry, example_week_values(registry, monday, gauges), names), registry)
    label = week_label(monday)
    ident = batch_id(EXAMPLE_INSTALLATION_ID, label)
    # A placeholder secret too: the example's proof and verifier show their shape, never a real key.
    resource = wire_resource(registry, facts, EXAMPLE_INSTALLATION_ID, ident, Identity(EXAMPLE_SECRET))
    return Batch(ident, label, monday, EXAMPLE, encode_batch(registry, resource, monday, values))
