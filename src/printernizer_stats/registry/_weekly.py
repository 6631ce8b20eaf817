"""How a metric's day rollups combine into its weekly value, as the registry's ``weekly`` field declares."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from printernizer_stats.registry._datum import Attributes, DayReading
from printernizer_stats.registry._model import Registry, Weekly
from printernizer_stats.registry._time import week_start


@dataclass(frozen=True, slots=True)
class WeekValue:
    """One series of one metric over one ISO week (``week`` is its Monday)."""

    week: date
    metric: str
    attributes: Attributes
    value: float
    count: int = 0
    bucket_counts: tuple[int, ...] = ()


def combine_weeks(readings: Iterable[DayReading], registry: Registry) -> list[WeekValue]:
    """Combine day rollups into weekly values (sum or max per the registry), sorted for determinism.

    Readings of metrics the registry does not declare are skipped: nothing undeclared is ever combined.
    """
    combined: dict[tuple[date, str, Attributes], WeekValue] = {}
    for reading in readings:
        spec = registry.metrics.get(reading.metric)
        if spec is None:
            continue
        key = (week_start(reading.day), reading.metric, reading.attributes)
        previous = combined.get(key)
        if previous is None:
            combined[key] = WeekValue(*key, reading.value, reading.count, reading.bucket_counts)
        elif spec.weekly is Weekly.MAX:
            combined[key] = WeekValue(*key, max(previous.value, reading.value))
        else:
            buckets = tuple(a + b for a, b in zip(previous.bucket_counts, reading.bucket_counts, strict=True))
            combined[key] = WeekValue(
                *key, previous.value + reading.value, previous.count + reading.count, buckets,
            )
    return [combined[key] for key in sorted(combined)]
