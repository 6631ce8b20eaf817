"""The outbox: stored before sending, bounded with a log line, retry schedule surviving restarts."""

from __future__ import annotations

from pathlib import Path

from printernizer_stats.host.sender import ABANDONED, ACCEPTED, Outbox, build_deletion_batch
from printernizer_stats.registry import Registry
from tests.host.sender.conftest import FACTS, INSTALLATION, MONDAY, SECRET, TODAY, week_batches


def test_enqueue_stores_bytes_once_in_send_order(tmp_path: Path, registry: Registry) -> None:
    """Oldest week first, the deletion request before everything; a batch id is queued once."""
    outbox = Outbox(tmp_path / "s.db")
    weeks = week_batches(registry, 3)
    outbox.enqueue(weeks, TODAY, batched_through=MONDAY)
    outbox.enqueue(weeks[:1], TODAY)
    deletion = build_deletion_batch(registry, FACTS, INSTALLATION, TODAY, secret=SECRET)
    outbox.enqueue([deletion], TODAY)
    queued = outbox.queued()
    assert [q.label for q in queued] == ["deletion", "2026-W45", "2026-W46", "2026-W47"]
    assert queued[-1].payload == weeks[0].payload and queued[-1].state == "queued"
    assert outbox.last_batched_week() == MONDAY


def test_bound_drops_the_oldest_weeks_with_a_log_line(
    tmp_path: Path, registry: Registry, captured_logs: list[dict[str, object]],
) -> None:
    """More than max_weeks queued: the oldest go, the deletion request is never dropped."""
    outbox = Outbox(tmp_path / "s.db", max_weeks=2)
    outbox.enqueue([build_deletion_batch(registry, FACTS, INSTALLATION, TODAY, secret=SECRET)], TODAY)
    dropped = outbox.enqueue(week_batches(registry, 4), TODAY)
    assert dropped == ["2026-W45", "2026-W44"]
    assert [q.label for q in outbox.queued()] == ["deletion", "2026-W46", "2026-W47"]
    line = next(log for log in captured_logs if log["event"] == "usage_stats.outbox_full")
    assert line["dropped_weeks"] == ["2026-W45", "2026-W44"] and line["log_level"] == "warning"


def test_retry_schedule_survives_a_restart(tmp_path: Path, registry: Registry) -> None:
    """Attempts, next attempt and the server's wait are read back by a new Outbox on the same file."""
    outbox = Outbox(tmp_path / "s.db")
    outbox.enqueue(week_batches(registry, 2), TODAY)
    head = outbox.queued()[0]
    outbox.retry_later(head, next_attempt_at=1_000.0, not_before=500.0, error="HTTP 503")
    reopened = Outbox(tmp_path / "s.db")
    assert reopened.backoff() == (1, 500.0)
    assert reopened.due(now=499.0) == []
    assert [q.label for q in reopened.due(now=600.0)] == ["2026-W47"]  # the retried one waits its own turn
    assert len(reopened.due(now=0.0, force=True)) == 2
    retried = next(q for q in reopened.queued() if q.batch_id == head.batch_id)
    assert (retried.attempts, retried.state, retried.last_error) == (1, "in_progress", "HTTP 503")
    assert reopened.next_due_at() == 500.0


def test_finish_moves_the_batch_to_the_sent_log_and_resets_backoff(tmp_path: Path, registry: Registry) -> None:
    """A final answer removes the batch from the queue and logs it, in one transaction."""
    outbox = Outbox(tmp_path / "s.db")
    outbox.enqueue(week_batches(registry, 1), TODAY)
    head = outbox.queued()[0]
    outbox.retry_later(head, 10.0, 10.0, "ConnectionError")
    outbox.finish(outbox.queued()[0], TODAY, ACCEPTED, 200, "ok", receipt="ab" * 32, server_batch_id=head.batch_id)
    assert outbox.queued() == [] and outbox.backoff() == (0, 0.0)
    [entry] = outbox.sent()
    assert (entry.outcome, entry.attempts, entry.receipt, entry.sent_day) == (ACCEPTED, 2, "ab" * 32, TODAY)
    assert entry.payload == head.payload


def test_clear_keeps_a_trace_of_batches_that_may_have_arrived(tmp_path: Path, registry: Registry) -> None:
    """Opt-out empties the queue; a batch already tried is logged as abandoned; a deletion request can stay."""
    outbox = Outbox(tmp_path / "s.db")
    outbox.enqueue(week_batches(registry, 3), TODAY, batched_through=MONDAY)
    outbox.enqueue([build_deletion_batch(registry, FACTS, INSTALLATION, TODAY, secret=SECRET)], TODAY)
    tried = next(q for q in outbox.queued() if q.kind == "weekly")
    outbox.retry_later(tried, 1.0, 1.0, "ReadTimeout")
    assert outbox.clear(TODAY, keep_kinds=("deletion",)) == 3
    assert [q.kind for q in outbox.queued()] == ["deletion"]
    assert [(e.label, e.outcome) for e in outbox.sent()] == [(tried.label, ABANDONED)]
    assert outbox.last_batched_week() is None and outbox.backoff() == (0, 0.0)
    outbox.clear(TODAY)
    assert outbox.queued() == []
