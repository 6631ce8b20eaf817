"""How a metric's day rollups combine into its weekly value, as the registry's ``weekly`` field declares."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from printernizer_stats.registry._datum import Attributes, DayReading
from printernizer_stats.registry._model import OTHER, Registry, Weekly
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


def _merge(weekly: Weekly, into: WeekValue, value: WeekValue) -> WeekValue:
    if weekly is Weekly.MAX:
        return WeekValue(into.week, into.metric, into.attributes, max(into.value, value.value))
    buckets = tuple(a + b for a, b in zip(into.bucket_counts, value.bucket_counts, strict=True))
    return WeekValue(into.week, into.metric, into.attributes, into.value + value.value, into.count + value.count,
                     buckets)


def cap_week_series(values: Iterable[WeekValue], registry: Registry) -> list[WeekValue]:
    """At most ``max_cardinality`` series per metric and week: the largest are kept, the rest fold into
    the all-``other`` series.

    The day cap bounds each day; different days can still add up to more series in a week, so the wire
    applies the same cap to the week. "Largest" is the count for histograms, the value otherwise; ties go
    by attributes, so the result stays deterministic.
    """
    groups: dict[tuple[date, str], list[WeekValue]] = {}
    for value in values:
        groups.setdefault((value.week, value.metric), []).append(value)
    capped: list[WeekValue] = []
    for (_week, metric), group in sorted(groups.items()):
        spec = registry.metrics.get(metric)
        if spec is None or len(group) <= spec.max_cardinality:
            capped.extend(group)
            continue
        ranked = sorted(group, key=lambda v: (-(v.count or v.value), v.attributes))
        kept, folded = ranked[: spec.max_cardinality - 1], ranked[spec.max_cardinality - 1:]
        other_key = tuple((key, OTHER) for key, _ in folded[0].attributes)
        merged = next((v for v in kept if v.attributes == other_key), None)
        kept = [v for v in kept if v is not merged]
        for value in folded:
            as_other = WeekValue(value.week, metric, other_key, value.value, value.count, value.bucket_counts)
            merged = as_other if merged is None else _merge(spec.weekly, merged, as_other)
        capped.extend(sorted([*kept, *([merged] if merged else [])], key=lambda v: v.attributes))
    return sorted(capped, key=lambda v: (v.week, v.metric, v.attributes))
