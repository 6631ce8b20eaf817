"""What validation hands to storage: one installation's facts and the accepted series of one ISO week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from printernizer_stats.contract import BatchKind
from printernizer_stats.registry import Attributes


def fact_column(resource_field: str) -> str:
    """The column a resource field is stored in: its last dotted segment (``printernizer.platform`` -> ``platform``)."""
    return resource_field.rsplit(".", 1)[-1]


@dataclass(frozen=True, slots=True)
class InstallationFacts:
    """The resource of a batch, checked. ``facts`` are the registry's descriptive resource fields by column
    name (app_version, deployment_mode, ...), everything but the ids, the registry version and the credentials.
    """

    installation_id: str
    registry_version: int
    facts: tuple[tuple[str, str], ...]
    proof: str = ""
    """HMAC-SHA256 of the batch id under the installation's verifier key (registry ``_identity``)."""
    verifier: str = ""
    """The verifier key, in the batches sent until the receiver has one; empty after that."""


class SeriesValue(NamedTuple):
    """One accepted series of one metric for the batch's week (a NamedTuple: a batch makes dozens of them).

    ``value`` is the counter's or gauge's weekly value (an int for integer metrics), or a histogram's sum;
    histograms also carry ``sample_count`` and ``bucket_counts``.
    """

    metric: str
    attributes: Attributes
    value: int | float
    sample_count: int | None = None
    bucket_counts: tuple[int, ...] | None = None


@dataclass(frozen=True, slots=True)
class PointRejection:
    """Why some data points of one metric were not accepted; ``reason`` names the field."""

    reason: str
    points: int = 1


@dataclass(frozen=True, slots=True)
class ValidatedBatch:
    """A batch that may be stored: valid resource, one week (``period``, a Monday), accepted series only."""

    batch_id: str
    kind: BatchKind
    installation: InstallationFacts
    period: date | None
    series: tuple[SeriesValue, ...]
    rejections: tuple[PointRejection, ...] = ()

    @property
    def rejected_points(self) -> int:
        return sum(r.points for r in self.rejections)

    def rejection_message(self, limit: int = 5) -> str:
        """The first distinct reasons, for ``partial_success.error_message``."""
        return summarise(self.rejections, limit)


@dataclass(frozen=True, slots=True)
class Rejected:
    """The whole batch is refused (HTTP 400); ``reason`` names the field."""

    reason: str


def summarise(rejections: tuple[PointRejection, ...], limit: int = 5) -> str:
    counts: dict[str, int] = {}
    for rejection in rejections:
        counts[rejection.reason] = counts.get(rejection.reason, 0) + rejection.points
    parts = [f"{reason} ({n} point{'s' if n != 1 else ''})" for reason, n in list(counts.items())[:limit]]
    if len(counts) > limit:
        parts.append(f"and {len(counts) - limit} more reasons")
    return "; ".join(parts)
