"""The sender against a real receiver: every batch ends stored exactly once, whatever fails in between."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from printernizer_stats.host.sender import (
    ACCEPTED,
    HELD,
    REJECTED,
    Batch,
    Outbox,
    QueuedBatch,
    Sender,
    SenderConfig,
    build_deletion_batch,
    verify_chain,
)
from printernizer_stats.registry import Registry
from tests.host.sender.conftest import FACTS, INSTALLATION, SECRET, TODAY, Clock, week_batches
from tests.host.sender.receiver import FaultyReceiver


def _sender(path: Path, url: str, clock: Clock, may_send: Callable[[QueuedBatch], bool] = lambda b: True,
            **config: object) -> Sender:
    settings = {"timeout_s": 0.5, "backoff_base_s": 60.0, **config}
    return Sender(Outbox(path), SenderConfig(endpoint=url, **settings), may_send,  # type: ignore[arg-type]
                  today=lambda: TODAY, now=clock)


def _assert_stored_once(receiver: FaultyReceiver, batches: list[Batch]) -> None:
    assert set(receiver.stored) == {b.batch_id for b in batches}
    for batch in batches:
        assert receiver.stored[batch.batch_id] == batch.payload  # the bytes the server got are the batch's


def test_success_sends_every_batch_and_logs_it(
    tmp_path: Path, registry: Registry, receiver: FaultyReceiver, clock: Clock,
) -> None:
    """Three queued weeks, one pass, three 200s; the sent log holds them with receipts and a valid chain."""
    batches = week_batches(registry, 3)
    sender = _sender(tmp_path / "s.db", receiver.url, clock)
    sender.outbox.enqueue(batches, TODAY)
    attempts = sender.send_due()
    assert [a.outcome for a in attempts] == [ACCEPTED] * 3
    _assert_stored_once(receiver, batches)
    entries = sender.outbox.sent()
    assert [e.outcome for e in entries] == [ACCEPTED] * 3 and all(e.receipt for e in entries)
    assert {e.server_batch_id for e in entries} == {b.batch_id for b in batches}
    assert verify_chain(entries).valid and sender.outbox.queued() == []
    assert receiver.connections == 1  # one keep-alive connection for the pass


def test_500_then_success_after_backoff(
    tmp_path: Path, registry: Registry, receiver: FaultyReceiver, clock: Clock,
) -> None:
    """A 500 ends the pass after one request; nothing more until the backoff has passed; then all arrive,
    the failed batch last (one batch the receiver chokes on does not hold up the others)."""
    batches = week_batches(registry, 2)
    sender = _sender(tmp_path / "s.db", receiver.url, clock)
    sender.outbox.enqueue(batches, TODAY)
    receiver.answer("500")
    [attempt] = sender.send_due()
    assert attempt.outcome == "retry" and attempt.retry_in_s is not None and 48 <= attempt.retry_in_s <= 72
    clock.t += 30
    assert sender.send_due() == []
    assert len(receiver.received) == 1
    clock.t += 60
    assert {a.outcome for a in sender.send_due()} == {ACCEPTED}
    _assert_stored_once(receiver, batches)
    first = receiver.received[0].batch_id
    assert [r.batch_id for r in receiver.received] == [first, *(b.batch_id for b in batches if b.batch_id != first),
                                                       first]


def test_503_retry_after_is_honoured_across_a_restart(
    tmp_path: Path, registry: Registry, receiver: FaultyReceiver, clock: Clock,
) -> None:
    """Retry-After: 600 is persisted; a restarted client waits it out, then delivers once."""
    batches = week_batches(registry, 1)
    first = _sender(tmp_path / "s.db", receiver.url, clock)
    first.outbox.enqueue(batches, TODAY)
    receiver.answer(("503", "600"))
    assert first.send_due()[0].retry_in_s == 600
    del first
    restarted = _sender(tmp_path / "s.db", receiver.url, clock)
    clock.t += 599
    assert restarted.send_due() == [] and receiver.connections == 1
    assert restarted.seconds_until_due() == pytest.approx(1.0)
    clock.t += 2
    assert [a.outcome for a in restarted.send_due()] == [ACCEPTED]
    _assert_stored_once(receiver, batches)
    assert restarted.outbox.sent()[0].attempts == 2


def test_429_backs_off_exponentially_while_it_lasts(
    tmp_path: Path, registry: Registry, receiver: FaultyReceiver, clock: Clock,
) -> None:
    """Consecutive 429s without Retry-After wait about 60, 120, 240 s; then the batch goes through."""
    batches = week_batches(registry, 1)
    sender = _sender(tmp_path / "s.db", receiver.url, clock)
    sender.outbox.enqueue(batches, TODAY)
    receiver.answer("429", "429", "429")
    waits = []
    for _ in range(3):
        [attempt] = sender.send_due()
        assert attempt.retry_in_s is not None
        waits.append(attempt.retry_in_s)
        clock.t += attempt.retry_in_s + 1
    assert 48 <= waits[0] <= 72 and 96 <= waits[1] <= 144 and 192 <= waits[2] <= 288
    assert [a.outcome for a in sender.send_due()] == [ACCEPTED]
    _assert_stored_once(receiver, batches)


@pytest.mark.parametrize("failure", [("hang", "1.0"), "drop"])
def test_a_lost_answer_is_resent_and_stored_once(
    tmp_path: Path, registry: Registry, receiver: FaultyReceiver, clock: Clock, failure: str | tuple[str, str],
) -> None:
    """The receiver stored the batch but the answer never came (timeout, dropped connection): the resend
    carries the same batch id, so the batch is stored once."""
    batches = week_batches(registry, 1)
    sender = _sender(tmp_path / "s.db", receiver.url, clock, timeout_s=0.3)
    sender.outbox.enqueue(batches, TODAY)
    receiver.answer(failure)
    assert sender.send_due()[0].outcome == "retry"
    clock.t += 10_000
    assert [a.outcome for a in sender.send_due()] == [ACCEPTED]
    assert receiver.store_counts[batches[0].batch_id] == 2
    _assert_stored_once(receiver, batches)


def test_connection_refused_then_a_restarted_client_delivers(
    tmp_path: Path, registry: Registry, receiver: FaultyReceiver, clock: Clock,
) -> None:
    """Nobody listening: the batch stays queued; a client restarted later (receiver up) delivers it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    batches = week_batches(registry, 2)
    offline = _sender(tmp_path / "s.db", dead, clock)
    offline.outbox.enqueue(batches, TODAY)
    assert [a.reason for a in offline.send_due()] == ["ConnectionError"]
    clock.t += 3600
    assert [a.reason for a in offline.send_due()] == ["ConnectionError"]
    clock.t += 3600
    online = _sender(tmp_path / "s.db", receiver.url, clock)
    assert [a.outcome for a in online.send_due()] == [ACCEPTED, ACCEPTED]
    _assert_stored_once(receiver, batches)


def test_a_400_is_final_recorded_and_never_retried(
    tmp_path: Path, registry: Registry, receiver: FaultyReceiver, clock: Clock,
) -> None:
    """A rejected batch moves to the sent log with the reason; later passes do not send it again."""
    batches = week_batches(registry, 2)
    sender = _sender(tmp_path / "s.db", receiver.url, clock)
    sender.outbox.enqueue(batches, TODAY)
    receiver.answer(("400", "registry version 99 is unknown"))
    assert [a.outcome for a in sender.send_due()] == [REJECTED, ACCEPTED]
    for _ in range(5):
        clock.t += 86_400
        assert sender.send_due() == []
    assert len(receiver.received) == 2
    rejected = sender.outbox.sent()[0]
    assert (rejected.outcome, rejected.status, rejected.reason) == (
        REJECTED, 400, "HTTP 400: registry version 99 is unknown")


def test_the_gate_is_asked_before_every_attempt(
    tmp_path: Path, registry: Registry, receiver: FaultyReceiver, clock: Clock,
) -> None:
    """A gate saying no opens no connection at all; the batch stays queued, held."""
    allowed = {"weekly": False, "deletion": True}
    sender = _sender(tmp_path / "s.db", receiver.url, clock, may_send=lambda b: allowed[b.kind])
    deletion = build_deletion_batch(registry, FACTS, INSTALLATION, TODAY, secret=SECRET)
    sender.outbox.enqueue([*week_batches(registry, 2), deletion], TODAY)
    attempts = sender.send_due(force=True)
    assert [a.outcome for a in attempts] == [ACCEPTED, HELD, HELD]
    assert [r.batch_id for r in receiver.received] == [attempts[0].batch_id]
    allowed["deletion"] = False
    receiver.connections = 0
    assert {a.outcome for a in sender.send_due(force=True)} == {HELD}
    assert receiver.connections == 0


def test_no_endpoint_sends_nothing(tmp_path: Path, registry: Registry, clock: Clock) -> None:
    """The default config has no endpoint: a pass does nothing and nothing is due."""
    sender = Sender(Outbox(tmp_path / "s.db"), SenderConfig(), lambda b: True, now=clock)
    sender.outbox.enqueue(week_batches(registry, 1), TODAY)
    assert sender.send_due(force=True) == [] and sender.seconds_until_due() is None


def test_https_end_to_end(tmp_path: Path, registry: Registry, tls_receiver: FaultyReceiver, clock: Clock) -> None:
    """Over TLS with a trustme CA the same bytes arrive, once."""
    batches = week_batches(registry, 2)
    sender = _sender(tmp_path / "s.db", tls_receiver.url, clock, ca_file=tls_receiver.ca_file)
    sender.outbox.enqueue(batches, TODAY)
    assert [a.outcome for a in sender.send_due()] == [ACCEPTED, ACCEPTED]
    _assert_stored_once(tls_receiver, batches)
