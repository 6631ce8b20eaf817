"""From a validated batch to table rows, and the receipt: a SHA-256 of the canonical form of those rows. Pure.

Canonical form (documented in docs/receiver.md so anyone can recompute a receipt): the JSON object
``{"batch_id", "installation_id", "period", "registry_version", "facts", "daily_stats", "events"}`` with
``events`` a sorted list of ``[metric, attributes, value, sample_count, bucket_counts]``, serialised with
sorted keys, no spaces, ASCII only.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from printernizer_stats.maintainers.server._batch import SeriesValue, ValidatedBatch
from printernizer_stats.maintainers.server._tables import figure_columns
from printernizer_stats.registry import Attributes, Kind, Registry

Row = dict[str, Any]
Event = tuple[str, str, int | float, int | None, str | None]
"""An events_summary row without its period and installation: (metric, attributes, value, sample_count,
bucket_counts), the columns after those two in table order."""
EVENT_COLUMNS = ("metric", "attributes", "value", "sample_count", "bucket_counts")


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True)
"""What ``json.dumps`` with these options builds per call (an encoder), built once."""


def canonical_json(value: object) -> str:
    return _CANONICAL.encode(value)


@functools.lru_cache(maxsize=20_000)
def attributes_json(attributes: Attributes) -> str:
    """Canonical JSON of a series' attributes (the same few sets repeat across installations)."""
    return canonical_json(dict(attributes))


def buckets_json(buckets: tuple[int, ...]) -> str:
    """Canonical JSON of bucket counts (what ``canonical_json`` gives, without its overhead): the tuple's repr
    without its spaces, in C (a lone count's repr has a trailing comma)."""
    if len(buckets) < 2:
        return "[" + ",".join(map(str, buckets)) + "]"
    return "[" + repr(buckets)[1:-1].replace(" ", "") + "]"


def digest(document: object) -> str:
    return hashlib.sha256(canonical_json(document).encode("ascii")).hexdigest()


@dataclass(frozen=True, slots=True)
class BatchRows:
    """What one weekly batch writes: its installation row, its daily_stats row and its events_summary rows,
    the latter as ``Event`` tuples (a batch has dozens: no dict each)."""

    installation: Row
    daily_stats: Row
    events: list[Event]
    receipt: str


@dataclass(frozen=True, slots=True)
class _Figure:
    column: str
    selector: tuple[tuple[str, frozenset[str]], ...]
    histogram: bool


Targets = tuple[tuple[str, bool, bool], ...]
"""The figures one series feeds: (column, histogram, whether the series matches the figure's selector)."""
_PLANS: dict[int, tuple[Registry, dict[str, list[_Figure]], Row, dict[tuple[str, Attributes], Targets]]] = {}
_TARGETS_MAX = 20_000
"""Series (metric, attributes) whose targets are remembered: the same few repeat in every batch."""


def _figure_plan(registry: Registry) -> tuple[dict[str, list[_Figure]], Row, dict[tuple[str, Attributes], Targets]]:
    """Per metric, the figures its series feed; the figures before any series (counters 0, gauges None); and
    the remembered targets of series seen."""
    plan = _PLANS.get(id(registry))
    if plan is None or plan[0] is not registry:
        by_metric: dict[str, list[_Figure]] = {}
        initial: Row = {}
        for column, (metric, _) in figure_columns(registry).items():
            spec = registry.metrics[metric]
            selector = tuple(spec.daily_stats[column].items())
            by_metric.setdefault(metric, []).append(_Figure(column, selector, spec.kind is Kind.HISTOGRAM))
            initial[column] = None if spec.kind is Kind.GAUGE else 0
        plan = _PLANS[id(registry)] = (registry, by_metric, initial, {})
    return plan[1], plan[2], plan[3]


def _targets(figures: list[_Figure], attributes: Attributes) -> Targets:
    values = dict(attributes)
    return tuple((figure.column, figure.histogram,
                  all(values.get(name) in allowed for name, allowed in figure.selector)) for figure in figures)


def daily_figures(registry: Registry, series: tuple[SeriesValue, ...]) -> Row:
    """The registry's ``daily_stats`` columns: the sum of the selected series (a histogram's count).

    Counters absent from the batch count 0; a gauge nobody reported stays ``None`` (unknown, not zero).
    """
    by_metric, initial, remembered = _figure_plan(registry)
    figures = dict(initial)
    for item in series:
        key = (item.metric, item.attributes)
        targets = remembered.get(key)
        if targets is None:
            if len(remembered) >= _TARGETS_MAX:
                remembered.clear()
            targets = remembered[key] = _targets(by_metric.get(item.metric, []), item.attributes)
        for column, histogram, matched in targets:
            if not matched:
                figures[column] = figures[column] or 0
                continue
            add = (item.sample_count or 0) if histogram else item.value
            figures[column] = (figures[column] or 0) + add
    return figures


def batch_rows(registry: Registry, batch: ValidatedBatch) -> BatchRows:
    """The rows of a weekly batch and their receipt."""
    if batch.period is None:
        raise ValueError("a deletion request has no rows")
    facts = dict(batch.installation.facts)
    installation_id = batch.installation.installation_id
    installation = {
        "installation_id": installation_id, "first_week": batch.period, "last_week": batch.period,
        **facts, "registry_version": batch.installation.registry_version,
    }
    figures = daily_figures(registry, batch.series)
    daily = {"period": batch.period, "installation_id": installation_id, **facts, **figures}
    events: list[Event] = [
        (s.metric, attributes_json(s.attributes), s.value, s.sample_count,
         buckets_json(s.bucket_counts) if s.bucket_counts is not None else None)
        for s in batch.series
    ]
    receipt = digest({
        "batch_id": batch.batch_id, "installation_id": installation_id, "period": batch.period.isoformat(),
        "registry_version": batch.installation.registry_version, "facts": facts, "daily_stats": figures,
        "events": sorted(events),  # (metric, attributes) is unique in a batch: the sort never compares values
    })
    return BatchRows(installation, daily, events, receipt)


def deletion_receipt(batch_id: str) -> str:
    """The receipt of a deletion request: nothing stored, everything of the installation deleted."""
    return digest({"batch_id": batch_id, "deleted": True})


def nothing_stored_receipt(batch_id: str) -> str:
    """The receipt of a batch refused because its installation asked for deletion."""
    return digest({"batch_id": batch_id, "stored": None})


def received_week(today: date) -> date:
    """Arrival is recorded as an ISO week too: no stored time is finer than a week."""
    return date.fromordinal(today.toordinal() - today.weekday())
