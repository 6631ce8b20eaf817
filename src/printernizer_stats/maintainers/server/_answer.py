"""What the receiver answers for a request of one or several batches. Pure.

A client's request carries one batch; its answer is what it always was: 200 with the receipt headers and
``partial_success`` for rejected points, or 400 naming the field. A collector's request carries several
batches (one per ResourceMetrics); each is validated and stored on its own, and the one answer aggregates
them: refused batches count all their points as rejected, the reasons are prefixed with the batch's index
(``resource_metrics[3]: ...``), and receipt headers are left out (they name one batch).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from printernizer_stats.maintainers.server._batch import PointRejection, Rejected, ValidatedBatch, summarise
from printernizer_stats.maintainers.server._identity import UNREGISTERED, UNREGISTERED_WAIT_S
from printernizer_stats.maintainers.server._storage import Outcome, StoreResult

Verdict = ValidatedBatch | Rejected

CONFLICT_REASON = ("this batch id is already stored with other content; nothing was stored "
                   "(was the batch split or altered on its way, e.g. by a collector?)")
DELETED_REASON = "this installation asked for deletion of its data; nothing was stored"


@dataclass(frozen=True, slots=True)
class Answer:
    """A 200 answer: rejected points and why (``partial_success``), and the receipt of a lone batch; or, when
    storage refused every batch the request had left (``Outcome.INVALID``), a 400 with ``refusal``."""

    rejected_points: int
    message: str
    receipt: StoreResult | None = None
    refusal: str = ""


def batch_partial(batch: ValidatedBatch, stored: StoreResult) -> tuple[int, str]:
    """``partial_success`` of one stored batch: the rejected points and why."""
    if stored.outcome is Outcome.REFUSED_DELETED:
        return len(batch.series) + batch.rejected_points, DELETED_REASON
    if stored.outcome is Outcome.CONFLICT:
        return len(batch.series) + batch.rejected_points, CONFLICT_REASON
    if stored.outcome is Outcome.DUPLICATE:
        return 0, ""
    return batch.rejected_points, batch.rejection_message()


def refusal_reason(verdicts: Sequence[Verdict]) -> str:
    """The 400 reason when no batch of the request can be stored: the reason itself for a lone batch."""
    if len(verdicts) == 1 and isinstance(verdicts[0], Rejected):
        return verdicts[0].reason
    return summarise(tuple(PointRejection(f"resource_metrics[{i}]: {v.reason}")
                           for i, v in enumerate(verdicts) if isinstance(v, Rejected)))


def not_yet_registered(stored: Mapping[int, StoreResult]) -> dict[int, tuple[float, str]]:
    """The batches (by request index) refused only because their installation's key is not registered yet,
    each with its wait and reason: refused for now (429), not for good (``UNREGISTERED_WAIT_S``)."""
    return {index: (UNREGISTERED_WAIT_S, result.reason) for index, result in stored.items()
            if result.outcome is Outcome.INVALID and result.reason == UNREGISTERED}


def limited_reason(waits: Mapping[int, tuple[float, str]], batches: int) -> str:
    """The 429 reason: the reason itself for a lone batch, else each limited batch's index and reason."""
    if batches == 1 and len(waits) == 1:
        return next(iter(waits.values()))[1]
    limited = tuple(PointRejection(f"resource_metrics[{i}]: {reason}") for i, (_, reason) in sorted(waits.items()))
    stored = "; the others are stored" if batches > len(waits) else ""
    return f"{len(waits)} of {batches} batches limited{stored}: {summarise(limited)}"


def combine(verdicts: Sequence[Verdict], points: Sequence[int], stored: Mapping[int, StoreResult]) -> Answer:
    """The answer for a request whose storable batches were all stored.

    Args:
        verdicts: one per ResourceMetrics, in request order.
        points: the data points each ResourceMetrics carried (what a refused batch counts as rejected).
        stored: the storage result of each ``ValidatedBatch`` by its index in ``verdicts``.
    """
    if all(result.outcome is Outcome.INVALID for result in stored.values()):
        return Answer(0, "", refusal=refusal_reason([
            Rejected(stored[i].reason) if i in stored else v for i, v in enumerate(verdicts)]))
    if len(verdicts) == 1 and isinstance(verdicts[0], ValidatedBatch):
        rejected, message = batch_partial(verdicts[0], stored[0])
        return Answer(rejected, message, stored[0])
    rejections: list[PointRejection] = []
    for index, verdict in enumerate(verdicts):
        prefix = f"resource_metrics[{index}]: "
        if isinstance(verdict, Rejected):
            # A refused batch counts as at least one point, so that it never goes unreported.
            rejections.append(PointRejection(prefix + verdict.reason, max(points[index], 1)))
        elif stored[index].outcome is Outcome.INVALID:
            rejections.append(PointRejection(prefix + stored[index].reason, max(points[index], 1)))
        elif stored[index].outcome is Outcome.STORED:
            rejections.extend(PointRejection(prefix + r.reason, r.points) for r in verdict.rejections)
        elif stored[index].outcome in (Outcome.REFUSED_DELETED, Outcome.CONFLICT):
            rejected, message = batch_partial(verdict, stored[index])
            rejections.append(PointRejection(prefix + message, rejected))
    return Answer(sum(r.points for r in rejections), summarise(tuple(rejections)))
