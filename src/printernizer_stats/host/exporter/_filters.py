"""The privacy filter: plain callables, reading in -> reading out, each raising ``DropReading`` to drop it.

Processing order (one pass per reading, each step relying on the one before):
  1. drop_unregistered        - a metric the registry does not declare (or of another kind) never goes on;
  2. drop_unlisted_attributes - attribute keys the metric does not declare are removed, not just masked;
  3. fold_unknown_values      - values outside the closed set (after the declared transform) become ``other``;
  4. round_value              - NaN/inf and negative counts are dropped; values rounded, buckets checked;
  5. cap_cardinality          - past the metric's cap, a new series is folded into the all-``other`` series.
Steps 1-4 are stateless; step 5 remembers the series seen today (seeded from the store) and is the only
stateful filter.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from printernizer_stats.registry import (
    OTHER,
    Attributes,
    Kind,
    Registry,
    RuntimeValues,
    attributes_key,
    normalise_attribute,
)


class DropReading(BaseException):
    """Raised by a filter to drop a reading: control flow, not an error.

    A ``BaseException``, as structlog's ``DropEvent`` is, so that an ``except Exception`` between a filter
    and :func:`run_filters` (a transform guarding its own failure, the exporter's never-raise boundary) can
    never mistake a deliberate drop for a bug and turn statistics off, nor swallow it and keep the reading.
    """


@dataclass(frozen=True, slots=True)
class Reading:
    """One data point from the SDK on its way through the filter."""

    metric: str
    kind: Kind
    attributes: Mapping[str, object]
    value: float
    count: int = 0
    bucket_counts: tuple[int, ...] = ()
    bounds: tuple[float, ...] = ()
    known_series: Attributes | None = field(default=None, compare=False, repr=False)
    """``series`` when already computed from these very attributes (remembered verdicts), else None."""

    @property
    def series(self) -> Attributes:
        if self.known_series is not None:
            return self.known_series
        return attributes_key({k: str(v) for k, v in self.attributes.items()})

    def with_attributes(self, attributes: Mapping[str, object]) -> Reading:
        # Not dataclasses.replace: it costs 4x the constructor, and this runs for every reading of every export.
        return Reading(self.metric, self.kind, attributes, self.value, self.count, self.bucket_counts, self.bounds)


Filter = Callable[[Reading], Reading]


class DropUnregistered:
    """Step 1: drop metrics the registry does not declare, or declares as another kind."""

    __slots__ = ("_kinds",)

    def __init__(self, registry: Registry) -> None:
        self._kinds = {name: spec.kind for name, spec in registry.metrics.items()}

    def __call__(self, reading: Reading) -> Reading:
        if self._kinds.get(reading.metric) is not reading.kind:
            raise DropReading(reading.metric)
        return reading


class DropUnlistedAttributes:
    """Step 2: keep only the attribute keys the metric declares."""

    __slots__ = ("_keys",)

    def __init__(self, registry: Registry) -> None:
        self._keys = {name: frozenset(spec.attributes) for name, spec in registry.metrics.items()}

    def __call__(self, reading: Reading) -> Reading:
        keys = self._keys[reading.metric]
        if all(key in keys for key in reading.attributes):
            return reading
        return reading.with_attributes({k: v for k, v in reading.attributes.items() if k in keys})


class FoldUnknownValues:
    """Step 3: apply declared transforms and fold values outside the closed set into ``other``."""

    __slots__ = ("_registry", "_runtime")

    def __init__(self, registry: Registry, runtime: RuntimeValues) -> None:
        self._registry = registry
        self._runtime = runtime

    def __call__(self, reading: Reading) -> Reading:
        specs = self._registry.metrics[reading.metric].attributes
        return reading.with_attributes({
            key: normalise_attribute(specs[key], value, self._runtime) for key, value in reading.attributes.items()
        })


class RoundValue:
    """Step 4: drop non-finite and negative counts, round as declared, insist on the declared buckets."""

    __slots__ = ("_registry",)

    def __init__(self, registry: Registry) -> None:
        self._registry = registry

    def __call__(self, reading: Reading) -> Reading:
        spec = self._registry.metrics[reading.metric]
        if not math.isfinite(reading.value):
            raise DropReading("non-finite value")
        if spec.kind is Kind.HISTOGRAM:
            if reading.bounds != spec.rounding.buckets or len(reading.bucket_counts) != len(reading.bounds) + 1:
                raise DropReading("histogram buckets differ from the registry")
            return reading
        if reading.value < 0 and spec.kind is Kind.COUNTER:
            raise DropReading("negative count")
        rounded = float(round(reading.value))
        if not spec.rounding.integer or rounded == reading.value:
            return reading
        return Reading(reading.metric, reading.kind, reading.attributes, rounded, reading.count,
                       reading.bucket_counts, reading.bounds, reading.known_series)


@dataclass
class CapCardinality:
    """Step 5: past a metric's ``max_cardinality`` series in a day, new series fold into all-``other``."""

    registry: Registry
    seen: dict[str, set[Attributes]] = field(default_factory=dict)

    def reset(self, existing: Mapping[str, Iterable[Attributes]]) -> None:
        """Start a new day, seeded with the series already stored for it."""
        self.seen = {metric: set(series) for metric, series in existing.items()}

    def __call__(self, reading: Reading) -> Reading:
        seen = self.seen.setdefault(reading.metric, set())
        series = reading.series
        if series in seen:
            return reading
        if len(seen) < self.registry.metrics[reading.metric].max_cardinality:
            seen.add(series)
            return reading
        folded = reading.with_attributes(dict.fromkeys(reading.attributes, OTHER))
        seen.add(folded.series)
        return folded


def stateless_filters(registry: Registry, runtime: RuntimeValues) -> list[Filter]:
    """Steps 1-4, in order."""
    return [
        DropUnregistered(registry),
        DropUnlistedAttributes(registry),
        FoldUnknownValues(registry, runtime),
        RoundValue(registry),
    ]


def run_filters(readings: Iterable[Reading], filters: list[Filter]) -> tuple[list[Reading], int]:
    """Pass every reading through every filter; returns the kept readings and how many were dropped."""
    kept: list[Reading] = []
    dropped = 0
    for reading in readings:
        try:
            for step in filters:
                reading = step(reading)
        except DropReading:
            dropped += 1
            continue
        kept.append(reading)
    return kept, dropped
