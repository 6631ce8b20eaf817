"""``Sender``: one pass over the outbox, each due batch gets one attempt; waits are persisted, not slept.

Processing order of a pass:
  1. nothing without an endpoint; nothing while the receiver asked us to wait (unless forced);
  2. for each due batch, in send order, ask ``may_send`` immediately before opening a connection (consent
     and DO_NOT_TRACK are checked at the last moment, so an opt-out racing a pass opens nothing new);
  3. 2xx or a final rejection moves the batch to the sent log; a retryable failure schedules the next
     attempt (exponential backoff or ``Retry-After``) and ends the pass, so a down receiver costs one
     connection per pass, not one per queued week.
The HTTP session lives for one pass only: no pooled socket outlives it.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import structlog

from printernizer_stats.host.sender._config import SenderConfig
from printernizer_stats.host.sender._outbox import Outbox, QueuedBatch
from printernizer_stats.host.sender._retry import RetryPolicy
from printernizer_stats.host.sender._sentlog import ACCEPTED, REJECTED
from printernizer_stats.host.sender._transport import Outcome, SendResult, Transport
from printernizer_stats.registry import utc_today

_log = structlog.get_logger(__name__)

MaySend = Callable[[QueuedBatch], bool]
"""Asked immediately before each attempt: may this batch be sent right now?"""
HELD = "held"


@dataclass(frozen=True, slots=True)
class Attempt:
    """What a pass did with one batch: accepted, rejected, retry (scheduled) or held (not allowed now)."""

    batch_id: str
    label: str
    outcome: str
    status: int | None = None
    reason: str | None = None
    retry_in_s: float | None = None


class Sender:
    """Delivers the outbox to the configured endpoint.

    Args:
        outbox: where batches wait and the retry schedule lives.
        config: endpoint, TLS, proxy, timeouts and backoff.
        may_send: the consent gate, asked before every attempt.
        today / now: the UTC day (for the sent log) and Unix time (for the schedule); parameters for tests.
        transport_factory: builds the HTTP transport for a pass (a parameter for tests; the simulator's
            workers share one keep-alive connection between the many installations they host).
    """

    def __init__(
        self,
        outbox: Outbox,
        config: SenderConfig,
        may_send: MaySend,
        *,
        today: Callable[[], date] = utc_today,
        now: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        transport_factory: Callable[[SenderConfig], Transport] = Transport,
    ) -> None:
        self.outbox = outbox
        self.config = config
        self.may_send = may_send
        self.today = today
        self.now = now
        self.rng = rng or random.Random()
        self.policy = RetryPolicy(config.backoff_base_s, config.backoff_max_s, config.retry_after_max_s)
        self.transport_factory = transport_factory
        self._pass_lock = threading.Lock()

    def send_due(self, force: bool = False) -> list[Attempt]:
        """One pass (see the module docstring). ``force`` ignores the schedule, not the consent gate."""
        if not self.config.enabled:
            return []
        with self._pass_lock:
            transport: Transport | None = None
            attempts: list[Attempt] = []
            try:
                for batch in self.outbox.due(self.now(), force):
                    if not self.may_send(batch):
                        attempts.append(Attempt(batch.batch_id, batch.label, HELD, reason="not allowed now"))
                        continue
                    transport = transport or self.transport_factory(self.config)
                    attempt = self._record(batch, transport.post(batch.payload))
                    attempts.append(attempt)
                    if attempt.outcome == Outcome.RETRY.value:
                        break
            finally:
                if transport is not None:
                    transport.close()
            return attempts

    def _record(self, batch: QueuedBatch, result: SendResult) -> Attempt:
        if result.outcome is Outcome.RETRY:
            # The wait grows with consecutive failures of the receiver, not of this batch; the batch also
            # goes to the back of the queue, so one batch the receiver chokes on cannot block the others.
            failures, _ = self.outbox.backoff()
            wait = self.policy.delay(failures + 1, result.retry_after_s, self.rng)
            now = self.now()
            self.outbox.retry_later(batch, next_attempt_at=now + wait, not_before=now + wait, error=result.reason)
            _log.warning("usage_stats.send_retry", week=batch.label, reason=result.reason, retry_in_s=round(wait))
            return Attempt(batch.batch_id, batch.label, Outcome.RETRY.value, result.status, result.reason, wait)
        outcome = ACCEPTED if result.outcome is Outcome.ACCEPTED else REJECTED
        self.outbox.finish(batch, self.today(), outcome, result.status, result.reason, result.receipt,
                           result.server_batch_id)
        if outcome == REJECTED:
            _log.warning("usage_stats.batch_rejected", week=batch.label, reason=result.reason)
        else:
            _log.info("usage_stats.batch_sent", week=batch.label, status=result.status)
        return Attempt(batch.batch_id, batch.label, outcome, result.status, result.reason)

    def seconds_until_due(self) -> float | None:
        """How long until the next attempt is due (0 if now), or None when nothing is queued or configured."""
        if not self.config.enabled:
            return None
        due_at = self.outbox.next_due_at()
        return None if due_at is None else max(0.0, due_at - self.now())
