"""The body of the rotel metrics processor (``_rotel_processor`` writes it out with the registry's policy in
place of the placeholders between the ``policy`` markers): otelcol.yaml's filter, transform and redaction
processors as one function rotel calls on every ResourceMetrics.

rotel runs the written file in its own embedded interpreter, so this module imports the standard library
only and touches rotel's processor-SDK objects only through attributes and ``type(kv).new_string_value``.
In order:
  1. drop metrics the registry does not declare;
  2. keep only the registry's resource keys, no scope attributes, and per metric its declared data-point
     keys (string values only);
  3. mask the parts of kept values that look like addresses, e-mails or URLs.
Never raises (a raising processor crashes rotel): on any error the batch is dropped.
"""

from __future__ import annotations

import contextlib
import re
import sys
from typing import Any

# >>> policy: the registry's, written in by the generator
METRIC_KEYS: dict[str, tuple[str, ...]] = {}
RESOURCE_KEYS: frozenset[str] = frozenset()
BLOCKED_PATTERNS: tuple[str, ...] = ()
MASK = "****"
# <<< policy

METRICS = {name: frozenset(keys) for name, keys in METRIC_KEYS.items()}
BLOCKED = [re.compile(pattern) for pattern in BLOCKED_PATTERNS]


def _masked(text: str) -> str:
    for pattern in BLOCKED:
        text = pattern.sub(MASK, text)
    return text


def _kept(pairs: Any, allowed: frozenset[str]) -> list[Any]:
    """The pairs whose key is allowed and whose value is a string, blocked parts masked."""
    kept = []
    for pair in pairs:
        value = pair.value.value if pair.value is not None else None
        if pair.key not in allowed or not isinstance(value, str):
            continue
        masked = _masked(value)
        kept.append(pair if masked == value else type(pair).new_string_value(pair.key, masked))
    return kept


def _filter(resource_metrics: Any) -> None:
    resource = resource_metrics.resource
    if resource is not None:
        resource.attributes = _kept(resource.attributes, RESOURCE_KEYS)
    for scope_metrics in resource_metrics.scope_metrics:
        scope = scope_metrics.scope
        if scope is not None and len(scope.attributes):
            # rotel's scope attributes are read-only: a fresh scope with the same name and version.
            fresh = type(scope)()
            fresh.name, fresh.version = scope.name, scope.version
            scope_metrics.scope = fresh
        metrics = [metric for metric in scope_metrics.metrics if metric.name in METRICS]
        for metric in metrics:
            allowed = METRICS[metric.name]
            data = metric.data
            if data is None:
                continue
            for point in data[0].data_points:
                point.attributes = _kept(point.attributes, allowed)
        scope_metrics.metrics = metrics


def process_metrics(resource_metrics: Any) -> None:
    try:
        _filter(resource_metrics)
    except Exception as exc:  # fail closed: an empty ResourceMetrics is not forwarded
        with contextlib.suppress(Exception):
            resource_metrics.scope_metrics = []
            resource_metrics.resource.attributes = []
        sys.stderr.write(f"printernizer-stats processor dropped a batch: {type(exc).__name__}\n")
