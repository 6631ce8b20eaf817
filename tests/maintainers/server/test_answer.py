"""``combine`` and ``refusal_reason``: one answer for a request of one batch or of several. Pure."""

from __future__ import annotations

from datetime import date

from printernizer_stats.contract import BatchKind
from printernizer_stats.maintainers.server import (
    InstallationFacts,
    Outcome,
    PointRejection,
    Rejected,
    SeriesValue,
    StoreResult,
    ValidatedBatch,
)
from printernizer_stats.maintainers.server._answer import CONFLICT_REASON, DELETED_REASON, combine, refusal_reason

FACTS = InstallationFacts("3f1c2b9e-8d7a-4c1b-9a2e-1f2d3c4b5a69", 1, ())
SERIES = (SeriesValue("printernizer.uptime", (), 3), SeriesValue("printernizer.app.starts", (), 1))


def _batch(batch_id: str, rejections: tuple[PointRejection, ...] = ()) -> ValidatedBatch:
    return ValidatedBatch(batch_id, BatchKind.WEEKLY, FACTS, date(2026, 11, 16), SERIES, rejections)


def test_a_lone_batch_answers_as_a_client_expects() -> None:
    """One batch: its own partial_success message (no prefix) and its receipt."""
    batch = _batch("b1", (PointRejection("metric 'x': not in the registry", 2),))
    stored = StoreResult("b1", "r" * 64, Outcome.STORED)
    answer = combine([batch], [4], {0: stored})
    assert (answer.rejected_points, answer.message, answer.receipt) == (
        2, "metric 'x': not in the registry (2 points)", stored)
    duplicate = combine([batch], [4], {0: StoreResult("b1", "r" * 64, Outcome.DUPLICATE)})
    assert (duplicate.rejected_points, duplicate.message) == (0, "")


def test_several_batches_aggregate_rejections_with_their_index_and_no_receipt() -> None:
    """Refused batches count all their points, stored ones their rejected points; reasons name the batch."""
    verdicts = [_batch("b0", (PointRejection("metric 'x': not in the registry"),)),
                Rejected("resource attribute 'printernizer.platform': missing"),
                _batch("b2"), _batch("b3")]
    stored = {0: StoreResult("b0", "a", Outcome.STORED), 2: StoreResult("b2", "c", Outcome.DUPLICATE),
              3: StoreResult("b3", "d", Outcome.CONFLICT)}
    answer = combine(verdicts, [3, 7, 2, 2], stored)
    assert answer.receipt is None
    assert answer.rejected_points == 1 + 7 + 2
    assert "resource_metrics[0]: metric 'x'" in answer.message
    assert "resource_metrics[1]: resource attribute 'printernizer.platform': missing (7 points)" in answer.message
    assert f"resource_metrics[3]: {CONFLICT_REASON}" in answer.message
    assert "resource_metrics[2]" not in answer.message


def test_a_refused_batch_without_points_still_counts() -> None:
    """A refused ResourceMetrics with no data points is reported as one rejected point, never silently."""
    answer = combine([_batch("b0"), Rejected("scope_metrics: a batch carries exactly one, not 0")], [2, 0],
                     {0: StoreResult("b0", "a", Outcome.STORED)})
    assert answer.rejected_points == 1 and "resource_metrics[1]" in answer.message


def test_a_deleted_installations_batch_is_reported_in_a_merged_request() -> None:
    """A late batch of a deleted installation counts all its series as rejected, with the reason."""
    answer = combine([_batch("b0"), _batch("b1")], [2, 2], {0: StoreResult("b0", "a", Outcome.STORED),
                                                             1: StoreResult("b1", "n", Outcome.REFUSED_DELETED)})
    assert answer.rejected_points == 2 and f"resource_metrics[1]: {DELETED_REASON}" in answer.message


def test_refusal_reason() -> None:
    """A lone refused batch gives its own reason; several give each reason with its index."""
    assert refusal_reason([Rejected("scope: no")]) == "scope: no"
    assert refusal_reason([Rejected("scope: no"), Rejected("scope: no")]) == (
        "resource_metrics[0]: scope: no (1 point); resource_metrics[1]: scope: no (1 point)")
