"""Registry lints: a table of small checks, each message telling the author how to fix the entry.

Modelled on glean_parser's ``lint.py``. Errors make loading fail; warnings are reported by
``printernizer-stats registry lint`` and the tests keep the shipped registry free of them.
"""

from __future__ import annotations

import enum
import math
from collections import Counter
from collections.abc import Callable, Iterator

from printernizer_stats.registry._model import Kind, Registry, Weekly
from printernizer_stats.registry.names import Metric, ResourceField

REQUIRED_RESOURCE_FIELDS = (
    ResourceField.INSTALLATION_ID,
    ResourceField.APP_VERSION,
    ResourceField.DEPLOYMENT_MODE,
    ResourceField.COUNTRY_CODE,
    ResourceField.PYTHON_VERSION,
    ResourceField.PLATFORM,
    ResourceField.REGISTRY_VERSION,
    ResourceField.BATCH_ID,
    ResourceField.PROOF,
    ResourceField.VERIFIER,
)
DELETION_METRIC = Metric.INSTALLATION_DELETION_REQUESTED
_MIN_DESCRIPTION = 25


class CheckType(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


def check_counters_are_integers(registry: Registry) -> Iterator[str]:
    for spec in registry.metrics.values():
        if spec.kind is Kind.COUNTER and not spec.rounding.integer:
            yield f"{spec.name}: counters count things; set `rounding: integer`."


def check_descriptions_are_user_facing(registry: Registry) -> Iterator[str]:
    for spec in registry.metrics.values():
        if len(spec.description) < _MIN_DESCRIPTION:
            yield f"{spec.name}: the description is shown to users; say what is counted and why."
        for attr in spec.attributes.values():
            if len(attr.description) < 8:
                yield f"{spec.name}.{attr.name}: describe the attribute for the privacy page."


def check_histograms_sum_weekly(registry: Registry) -> Iterator[str]:
    for spec in registry.metrics.values():
        if spec.kind is Kind.HISTOGRAM and spec.weekly is not Weekly.SUM:
            yield f"{spec.name}: histogram buckets only add up; set `weekly: sum`."


def check_daily_stats_columns_unique(registry: Registry) -> Iterator[str]:
    columns = Counter(col for spec in registry.metrics.values() for col in spec.daily_stats)
    for column, count in columns.items():
        if count > 1:
            yield f"daily_stats column {column!r} is declared by {count} metrics; give each a unique name."


def check_plan_resource_fields(registry: Registry) -> Iterator[str]:
    for name in REQUIRED_RESOURCE_FIELDS:
        if name not in registry.resource:
            yield f"resource.{name} is required by the receiver; declare it."
    if DELETION_METRIC not in registry.metrics:
        yield f"{DELETION_METRIC} is how deletion requests travel; declare it."


def check_cap_is_reachable(registry: Registry) -> Iterator[str]:
    for spec in registry.metrics.values():
        sizes = [len(a.allowed_values) + 1 for a in spec.attributes.values() if a.allowed_values is not None]
        if sizes and all(a.allowed_values is not None for a in spec.attributes.values()):
            possible = math.prod(sizes)
            if spec.max_cardinality > possible:
                yield (f"{spec.name}: max_cardinality {spec.max_cardinality} exceeds the {possible} possible "
                       f"series; lower it so the cap documents reality.")


METRIC_CHECKS: dict[str, tuple[Callable[[Registry], Iterator[str]], CheckType]] = {
    "COUNTER_NOT_INTEGER": (check_counters_are_integers, CheckType.ERROR),
    "DESCRIPTION_TOO_SHORT": (check_descriptions_are_user_facing, CheckType.ERROR),
    "HISTOGRAM_NOT_SUMMED": (check_histograms_sum_weekly, CheckType.ERROR),
    "DAILY_STATS_COLUMN_CLASH": (check_daily_stats_columns_unique, CheckType.ERROR),
    "PLAN_FIELD_MISSING": (check_plan_resource_fields, CheckType.ERROR),
    "CAP_UNREACHABLE": (check_cap_is_reachable, CheckType.WARNING),
}


def lint_registry(registry: Registry) -> list[tuple[str, CheckType, str]]:
    """Run every check; returns (check name, severity, message) for each finding."""
    return [
        (name, check_type, message)
        for name, (check, check_type) in METRIC_CHECKS.items()
        for message in check(registry)
    ]
