"""From a validated batch to table rows, and the receipt: a SHA-256 of the canonical form of those rows. Pure.

Canonical form (documented in docs/receiver.md so anyone can recompute a receipt): the JSON object
``{"batch_id", "installation_id", "period", "registry_version", "facts", "daily_stats", "events"}`` with
``events`` a sorted list of ``[metric, attributes, value, sample_count, bucket_counts]``, serialised with
sorted keys, no spaces, ASCII only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from printernizer_stats.registry import Kind, Registry
from printernizer_stats.server._batch import SeriesValue, ValidatedBatch
from printernizer_stats.server._tables import figure_columns

Row = dict[str, Any]


def canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def digest(document: object) -> str:
    return hashlib.sha256(canonical_json(document).encode("ascii")).hexdigest()


@dataclass(frozen=True, slots=True)
class BatchRows:
    """What one weekly batch writes: its installation row, its daily_stats row and its events_summary rows."""

    installation: Row
    daily_stats: Row
    events: list[Row]
    receipt: str


def _matches(series: SeriesValue, selector: Mapping[str, frozenset[str]]) -> bool:
    attributes = dict(series.attributes)
    return all(attributes.get(name) in values for name, values in selector.items())


def daily_figures(registry: Registry, series: tuple[SeriesValue, ...]) -> Row:
    """The registry's ``daily_stats`` columns: the sum of the selected series (a histogram's count).

    Counters absent from the batch count 0; a gauge nobody reported stays ``None`` (unknown, not zero).
    """
    by_metric: dict[str, list[SeriesValue]] = {}
    for item in series:
        by_metric.setdefault(item.metric, []).append(item)
    figures: Row = {}
    for column, (metric, _) in figure_columns(registry).items():
        spec = registry.metrics[metric]
        selected = [s for s in by_metric.get(metric, ()) if _matches(s, spec.daily_stats[column])]
        if spec.kind is Kind.GAUGE and metric not in by_metric:
            figures[column] = None
        elif spec.kind is Kind.HISTOGRAM:
            figures[column] = sum(s.sample_count or 0 for s in selected)
        else:
            total = sum(s.value for s in selected)
            figures[column] = int(total) if spec.rounding.integer else float(total)
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
    events = [
        {
            "period": batch.period, "metric": s.metric, "attributes": canonical_json(dict(s.attributes)),
            "installation_id": installation_id, "value": s.value, "sample_count": s.sample_count,
            "bucket_counts": canonical_json(list(s.bucket_counts)) if s.bucket_counts is not None else None,
        }
        for s in batch.series
    ]
    receipt = digest({
        "batch_id": batch.batch_id, "installation_id": installation_id, "period": batch.period.isoformat(),
        "registry_version": batch.installation.registry_version, "facts": facts, "daily_stats": figures,
        "events": sorted(
            [e["metric"], e["attributes"], e["value"], e["sample_count"], e["bucket_counts"]] for e in events
        ),
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
