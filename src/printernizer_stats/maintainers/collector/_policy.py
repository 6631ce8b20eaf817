"""What a collector in front of the receiver lets through, derived from the registry (one source for both
collectors: the otelcol-contrib YAML and the local rotel collector's processor).

Defence in depth only: clients filter before anything leaves the machine, and the receiver validates every
batch again. The collector drops what the registry does not declare and masks values that look like
addresses, so a buggy or hostile client cannot use it to smuggle such values past a misconfigured receiver.
"""

from __future__ import annotations

from dataclasses import dataclass

from printernizer_stats.registry import Registry

BLOCKED_VALUE_PATTERNS = (
    r"\b(?:\d{1,3}\.){3}\d{1,3}\b",                  # IPv4 address
    r"\b[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{0,4}){2,7}\b",  # IPv6 address
    r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",  # e-mail address
    r"[a-zA-Z][a-zA-Z0-9+.-]*://",                    # URL
)
"""Values that never travel, whatever the key. Written in the regex subset Go's RE2 and Python's ``re`` read
alike, so otelcol's redaction processor and rotel's Python processor mask exactly the same."""
MASK = "****"
"""What a blocked part of a value becomes (otelcol's redaction processor's fixed mask)."""


@dataclass(frozen=True, slots=True)
class CollectorPolicy:
    """The registry, as a collector needs it: metric names, resource keys, each metric's data-point keys."""

    registry_version: int
    resource_keys: tuple[str, ...]
    datapoint_keys: dict[str, tuple[str, ...]]
    blocked_values: tuple[str, ...] = BLOCKED_VALUE_PATTERNS

    @property
    def metric_names(self) -> tuple[str, ...]:
        return tuple(self.datapoint_keys)

    @property
    def all_keys(self) -> tuple[str, ...]:
        """Every key allowed anywhere (resource or data point), sorted."""
        return tuple(sorted({key for keys in self.datapoint_keys.values() for key in keys} | set(self.resource_keys)))


def collector_policy(registry: Registry) -> CollectorPolicy:
    """The policy of ``registry``, in registry order (keys sorted)."""
    return CollectorPolicy(
        registry_version=registry.version,
        resource_keys=tuple(sorted(registry.resource)),
        datapoint_keys={name: tuple(sorted(spec.attributes)) for name, spec in registry.metrics.items()},
    )
