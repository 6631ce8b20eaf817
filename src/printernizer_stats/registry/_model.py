"""Typed, frozen view of ``metrics.yaml``: what a metric, an attribute and a resource field are."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

OTHER = "other"
"""Every closed value set implicitly admits ``other``: values outside the set are folded into it."""

RUNTIME_PREFIX = "runtime:"
"""``allowed_values: runtime:<name>`` closes the set at start-up from the host (e.g. its route templates)."""


class Kind(enum.Enum):
    """The OpenTelemetry instrument a metric is recorded with."""

    COUNTER = "counter"
    GAUGE = "gauge"
    HISTOGRAM = "histogram"


class Weekly(enum.Enum):
    """How day rollups of one series combine into the weekly value."""

    SUM = "sum"
    MAX = "max"


class Sensitivity(enum.Enum):
    """Glean's data-sensitivity scale; only the two lowest categories may leave the machine."""

    TECHNICAL = "technical"
    INTERACTION = "interaction"


@dataclass(frozen=True, slots=True)
class Rounding:
    """How values are coarsened before they are stored: whole numbers, or histogram bucket bounds."""

    integer: bool = True
    buckets: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class AttributeSpec:
    """One allowed attribute of a metric, with its closed value set."""

    name: str
    description: str
    allowed_values: frozenset[str] | None
    """The closed set; ``None`` when it comes from the host at run time (see ``runtime_source``)."""
    runtime_source: str | None = None
    pattern: str | None = None
    """On the receiver, a runtime-closed value must at least match this (it cannot know the host's set)."""
    max_length: int = 64
    transform: str | None = None
    ordered_values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """One metric: the unit of what is recorded, filtered, stored, sent and validated."""

    name: str
    kind: Kind
    unit: str
    description: str
    sensitivity: Sensitivity
    attributes: Mapping[str, AttributeSpec]
    max_cardinality: int
    rounding: Rounding
    weekly: Weekly
    daily_stats: Mapping[str, Mapping[str, frozenset[str]]] = field(default_factory=dict)
    """Receiver summary columns: column name -> attribute filter (empty filter = every series)."""
    expires: str = "never"
    max_weekly: float | None = None
    """The largest weekly value that makes sense (uptime: 7 days); the receiver rejects larger ones."""

    @property
    def is_monotonic_sum(self) -> bool:
        return self.kind is Kind.COUNTER


@dataclass(frozen=True, slots=True)
class ResourceFieldSpec:
    """One attribute of the batch's resource: describes the installation, not a reading."""

    name: str
    description: str
    format: str | None = None
    allowed_values: frozenset[str] | None = None
    ordered_values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Registry:
    """The loaded registry. Lookups are by metric or resource-field name."""

    version: int
    consent_version: int
    metrics: Mapping[str, MetricSpec]
    resource: Mapping[str, ResourceFieldSpec]
    never_collected: tuple[str, ...]
    notification_emails: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "metrics", MappingProxyType(dict(self.metrics)))
        object.__setattr__(self, "resource", MappingProxyType(dict(self.resource)))

    def __reduce__(self) -> tuple[type[Registry], tuple[object, ...]]:
        # Picklable (the receiver's decoding processes get it once each): the read-only views as dicts.
        return Registry, (self.version, self.consent_version, dict(self.metrics), dict(self.resource),
                          self.never_collected, self.notification_emails)

    def metric(self, name: str) -> MetricSpec | None:
        return self.metrics.get(name)

    def runtime_sources(self) -> frozenset[str]:
        """Names of the value sets the host must supply at start-up (e.g. ``route_templates``)."""
        return frozenset(
            attr.runtime_source
            for spec in self.metrics.values()
            for attr in spec.attributes.values()
            if attr.runtime_source
        )
