"""The sending side of ``StatsClient``: weekly batches into the outbox, the sender, the scheduler.

Wiring only: the sender package knows nothing of the local store or consent; this module hands it weekly
values, the installation's facts and a consent gate that is asked immediately before every attempt.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import structlog

from printernizer_stats.client._community import ClientCommunity
from printernizer_stats.client._summary import attempt_view, queued_view, sent_entry_view
from printernizer_stats.contract import ENDPOINT_ENV, BatchKind, batch_id
from printernizer_stats.exporter import StoreUnavailable, collection_allowed, do_not_track
from printernizer_stats.registry import WeekValue, new_secret, week_start
from printernizer_stats.sender import (
    ACCEPTED,
    HELD,
    AsyncScheduler,
    Batch,
    Identity,
    Outbox,
    OutboxUnavailable,
    QueuedBatch,
    Sender,
    SenderConfig,
    ThreadScheduler,
    build_deletion_batch,
    build_week_batch,
    describe_payload,
    verify_chain,
)

if TYPE_CHECKING:
    from printernizer_stats.client._client import StatsClient

_log = structlog.get_logger(__name__)


class ClientSending:
    """Batches, outbox, sender and scheduler of one :class:`StatsClient` (same SQLite file)."""

    def __init__(self, client: StatsClient, config: SenderConfig, now: Callable[[], float] = time.time) -> None:
        self.client = client
        self.config = config
        self.outbox = Outbox(client.store.path, config.max_outbox_weeks)
        self.sender = Sender(self.outbox, config, self.may_send, today=client.today, now=now)
        self.community = ClientCommunity(client, config)
        self.scheduler: AsyncScheduler | ThreadScheduler | None = None
        self._failed: str | None = None

    # -- the gate -------------------------------------------------------------------------------------
    def may_send(self, batch: QueuedBatch) -> bool:
        """DO_NOT_TRACK stops everything; a deletion request goes out opted out; weekly batches need consent."""
        client = self.client
        if do_not_track(client.environ):
            return False
        if batch.kind == BatchKind.DELETION:
            return True
        return collection_allowed(client.consent(), client.registry.consent_version, client.environ)

    # -- batching -------------------------------------------------------------------------------------
    def collect(self) -> list[str]:
        """Queue a batch for every complete ISO week not batched yet; returns the labels queued.

        Only while collection is allowed, only weeks whose Sunday is past, only data from the consent day
        on, each week once (the outbox remembers the last batched week).
        """
        # Under the client's lock: an opt-out waits for a batching round in progress, then clears its output.
        with self.client._lock:
            return self._collect()

    def _collect(self) -> list[str]:
        client = self.client
        state = client.consent()
        if not collection_allowed(state, client.registry.consent_version, client.environ):
            return []
        if state.consent_day is None or state.installation_id is None:
            return []
        today = client.today()
        last = week_start(today) - timedelta(weeks=1)
        first = week_start(state.consent_day)
        batched = self.outbox.last_batched_week()
        if batched is not None:
            first = max(first, batched + timedelta(weeks=1))
        if first > last:
            return []
        by_week: dict[date, list[WeekValue]] = {}
        for value in client.week_values(first, last, since_day=state.consent_day, strict=True):
            by_week.setdefault(value.week, []).append(value)
        facts = client.facts()
        identity = Identity(self._secret(state.installation_secret, "installation_secret"),
                            register=not self._accepted_any(state.installation_id))
        batches: list[Batch] = []
        for monday in sorted(by_week):
            batch = build_week_batch(client.registry, facts, state.installation_id, monday, by_week[monday],
                                     identity=identity)
            if batch is not None:
                batches.append(batch)
        self.outbox.enqueue(batches, today, batched_through=last)
        return [b.label for b in batches]

    def _secret(self, secret: str | None, setting: str) -> str:
        """The id's secret; one drawn now for an id from before secrets existed (its first batch registers)."""
        if secret is None:
            secret = new_secret()
            self.client.store.update_settings({setting: secret})
        return secret

    def _accepted_any(self, installation_id: str) -> bool:
        """Whether a batch of this id was accepted: then the receiver has its verifier, and batches carry
        only their proof."""
        return any(entry.outcome == ACCEPTED and entry.batch_id == batch_id(installation_id, entry.label)
                   for entry in self.outbox.sent())

    # -- transparency ---------------------------------------------------------------------------------
    def preview(self) -> dict[str, Any]:
        """The next batch to be sent, exactly: decoded OTLP JSON and the protobuf bytes (base64)."""
        self.collect()
        queued = self.outbox.queued()
        if not queued:
            return {"state": "empty", "batch_id": None, "week": None, "kind": None, "queued": 0,
                    "reason": self._why_empty()}
        head = queued[0]
        return {"batch_id": head.batch_id, "week": head.label, "kind": head.kind, "state": head.state,
                "attempts": head.attempts, "queued": len(queued), **describe_payload(head.payload)}

    def _why_empty(self) -> str:
        client = self.client
        if do_not_track(client.environ):
            return "DO_NOT_TRACK is set: nothing is collected or sent"
        if not collection_allowed(client.consent(), client.registry.consent_version, client.environ):
            return "not opted in: nothing is collected or sent"
        return "no complete ISO week with data since opting in"

    def status(self, *, strict: bool = False) -> dict[str, Any]:
        """Counts for the local summary: where batches go, how many wait, how many were sent.

        An unusable outbox gives ``None`` counts, or with ``strict`` raises ``OutboxUnavailable``.
        """
        try:
            queued, sent = self.outbox.queued(), self.outbox.sent()
        except OutboxUnavailable:
            if strict:
                raise
            return {"endpoint_configured": self.config.enabled, "queued": None, "sent": None, "last_sent_day": None}
        return {
            "endpoint_configured": self.config.enabled,
            "queued": [batch.label for batch in queued],
            "sent": len(sent),
            "last_sent_day": sent[-1].sent_day.isoformat() if sent else None,
        }

    def sent_log(self, *, strict: bool = False) -> list[dict[str, Any]]:
        """The sent log without the payloads (``history()`` has those): what left, when, and the answer."""
        try:
            entries = self.outbox.sent()
        except OutboxUnavailable:
            if strict:
                raise
            return []
        return [sent_entry_view(entry, with_payload=False) for entry in entries]

    def history(self) -> dict[str, Any]:
        """Every batch that left the machine, the chain check, and what is still queued."""
        entries = self.outbox.sent()
        return {
            "entries": [sent_entry_view(entry) for entry in entries],
            "chain": asdict(verify_chain(entries)),
            "queued": [queued_view(batch) for batch in self.outbox.queued()],
        }

    # -- sending --------------------------------------------------------------------------------------
    def submit_now(self) -> dict[str, Any]:
        """Batch complete weeks and try every queued batch once, now (the consent gate still applies)."""
        if not self.config.enabled:
            raise ValueError(f"no endpoint configured: pass one or set {ENDPOINT_ENV}")
        queued = self.collect()
        attempts = self.sender.send_due(force=True)
        return {"batched": queued, "attempts": [attempt_view(a) for a in attempts],
                "queued": len(self.outbox.queued())}

    def tick(self) -> float | None:
        """The scheduler's round: rotate the id if due, batch, send, fetch the community summary. Never raises."""
        try:
            self.client.honour_do_not_track()
            self.client.rotate_id_if_due()
            self.collect()
            attempts = self.sender.send_due()
            self.community.refresh()  # the community summary: once a day, only while opted in
            self._failed = None
            if attempts and all(a.outcome == HELD for a in attempts):
                return None  # nothing may go out now: wait for the regular interval
            return self.sender.seconds_until_due()
        except (OutboxUnavailable, StoreUnavailable) as exc:
            if self._failed is None:
                _log.warning("usage_stats.sending_off", reason=str(exc))
            self._failed = str(exc)
            return None

    # -- consent lifecycle ----------------------------------------------------------------------------
    def withdraw(self) -> int:
        """Opt-out: queued batches (a pending deletion request stays) and the community summary go at once."""
        return self.outbox.clear(self.client.today(), keep_kinds=(BatchKind.DELETION,)) + self.community.clear()

    def queue_deletion(self, installation_id: str, secret: str | None) -> dict[str, Any]:
        """Queue the one deletion request for ``installation_id`` (once: not again after it was accepted),
        proved with the id's ``secret``."""
        batch = build_deletion_batch(self.client.registry, self.client.facts(), installation_id, self.client.today(),
                                     secret=self._secret(secret, "previous_installation_secret"))
        if any(e.batch_id == batch.batch_id and e.outcome == ACCEPTED for e in self.outbox.sent()):
            return {"batch_id": batch.batch_id, "state": "already_sent"}
        self.outbox.enqueue([batch], self.client.today())
        self.wake()
        return {"batch_id": batch.batch_id, "state": "queued"}

    def delete_all(self) -> None:
        self.outbox.clear(self.client.today(), keep_kinds=(BatchKind.DELETION,))
        self.outbox.clear_sent_log()

    # -- scheduler ------------------------------------------------------------------------------------
    def start_async(self) -> bool:
        """Start the asyncio scheduler in the running loop; False when no endpoint is configured."""
        if not self.config.enabled:
            return False
        if not isinstance(self.scheduler, AsyncScheduler):
            self.stop()
            self.scheduler = AsyncScheduler(self.tick, self.config.check_interval_s, self.config.first_check_jitter_s)
        self.scheduler.start()
        return True

    def start_thread(self) -> bool:
        if not self.config.enabled:
            return False
        if not isinstance(self.scheduler, ThreadScheduler):
            self.stop()
            self.scheduler = ThreadScheduler(self.tick, self.config.check_interval_s, self.config.first_check_jitter_s)
        self.scheduler.start()
        return True

    def wake(self) -> None:
        if self.scheduler is not None:
            self.scheduler.wake()

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.stop()
