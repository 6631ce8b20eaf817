"""The sending side of the client: weekly batches into the outbox, the sender, what was sent.

Wiring only: the sender package knows nothing of the local store or consent; this module hands it weekly
values, the installation's facts and the consent gate, which is asked immediately before every attempt.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

from printernizer_stats.contract import ENDPOINT_ENV, BatchKind, batch_id
from printernizer_stats.host.client._facts import InstallationFacts
from printernizer_stats.host.client._gate import ConsentGate
from printernizer_stats.host.client._schedule import Schedule
from printernizer_stats.host.client._summary import attempt_view, queued_view, sent_entry_view
from printernizer_stats.host.client._weeks import LocalWeeks
from printernizer_stats.host.exporter import LocalStore
from printernizer_stats.host.sender import (
    ACCEPTED,
    Batch,
    Identity,
    Outbox,
    OutboxUnavailable,
    Sender,
    SenderConfig,
    build_deletion_batch,
    build_week_batch,
    describe_payload,
    verify_chain,
)
from printernizer_stats.registry import Registry, WeekValue, new_secret, week_start

EMPTY_REASON = "no complete ISO week with data since opting in"


class ClientSending:
    """Batches, outbox and sender of one installation (the outbox lives in the local store's file).

    Args:
        store: the local store (a missing id secret is drawn and stored there).
        lock: the client's lock: an opt-out waits for a batching round in progress, then clears its output.
        schedule: woken when a deletion request is queued.
    """

    def __init__(
        self, config: SenderConfig, gate: ConsentGate, outbox: Outbox, sender: Sender, *, store: LocalStore,
        weeks: LocalWeeks, facts: InstallationFacts, registry: Registry, today: Callable[[], date],
        lock: threading.RLock, schedule: Schedule,
    ) -> None:
        self.config = config
        self.outbox = outbox
        self.sender = sender
        self._gate = gate
        self._store = store
        self._weeks = weeks
        self._facts = facts
        self._registry = registry
        self._today = today
        self._lock = lock
        self._schedule = schedule

    # -- batching -------------------------------------------------------------------------------------
    def collect(self) -> list[str]:
        """Queue a batch for every complete ISO week not batched yet; returns the labels queued.

        Only while collection is allowed, only weeks whose Sunday is past, only data from the consent day
        on, each week once (the outbox remembers the last batched week).
        """
        with self._lock:
            return self._collect()

    def _collect(self) -> list[str]:
        state = self._gate.state()
        if not self._gate.consented(state) or state.consent_day is None or state.installation_id is None:
            return []
        today = self._today()
        last = week_start(today) - timedelta(weeks=1)
        first = week_start(state.consent_day)
        batched = self.outbox.last_batched_week()
        if batched is not None:
            first = max(first, batched + timedelta(weeks=1))
        if first > last:
            return []
        by_week: dict[date, list[WeekValue]] = {}
        for value in self._weeks.values(first, last, since_day=state.consent_day, strict=True):
            by_week.setdefault(value.week, []).append(value)
        facts = self._facts.current()
        identity = Identity(self._secret(state.installation_secret, "installation_secret"),
                            register=not self._accepted_any(state.installation_id))
        batches: list[Batch] = []
        for monday in sorted(by_week):
            batch = build_week_batch(self._registry, facts, state.installation_id, monday, by_week[monday],
                                     identity=identity)
            if batch is not None:
                batches.append(batch)
        self.outbox.enqueue(batches, today, batched_through=last)
        return [b.label for b in batches]

    def _secret(self, secret: str | None, setting: str) -> str:
        """The id's secret; one drawn now for an id from before secrets existed (its first batch registers)."""
        if secret is None:
            secret = new_secret()
            self._store.update_settings({setting: secret})
        return secret

    def _accepted_any(self, installation_id: str) -> bool:
        """Whether a batch of this id was accepted: then the receiver has its verifier, and batches carry
        only their proof."""
        return any(entry.outcome == ACCEPTED and entry.batch_id == batch_id(installation_id, entry.label)
                   for entry in self.outbox.sent())

    # -- transparency ---------------------------------------------------------------------------------
    def preview(self) -> dict[str, Any]:
        """The next batch to be sent, exactly: decoded OTLP JSON and the protobuf bytes (base64)."""
        with self._gate.reporting():
            self.collect()
            queued = self.outbox.queued()
        if not queued:
            return {"state": "empty", "batch_id": None, "week": None, "kind": None, "queued": 0,
                    "reason": self._gate.refusal() or EMPTY_REASON}
        head = queued[0]
        return {"batch_id": head.batch_id, "week": head.label, "kind": head.kind, "state": head.state,
                "attempts": head.attempts, "queued": len(queued), **describe_payload(head.payload)}

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
        with self._gate.reporting():
            queued = self.collect()
            attempts = self.sender.send_due(force=True)
            return {"batched": queued, "attempts": [attempt_view(a) for a in attempts],
                    "queued": len(self.outbox.queued())}

    # -- consent lifecycle ----------------------------------------------------------------------------
    def withdraw(self) -> int:
        """Opt-out: queued batches go at once (a pending deletion request stays); returns how many."""
        return self.outbox.clear(self._today(), keep_kinds=(BatchKind.DELETION,))

    def queue_deletion(self, installation_id: str, secret: str | None) -> dict[str, Any]:
        """Queue the one deletion request for ``installation_id`` (once: not again after it was accepted),
        proved with the id's ``secret``."""
        batch = build_deletion_batch(self._registry, self._facts.current(), installation_id, self._today(),
                                     secret=self._secret(secret, "previous_installation_secret"))
        if any(e.batch_id == batch.batch_id and e.outcome == ACCEPTED for e in self.outbox.sent()):
            return {"batch_id": batch.batch_id, "state": "already_sent"}
        self.outbox.enqueue([batch], self._today())
        self._schedule.wake()
        return {"batch_id": batch.batch_id, "state": "queued"}

    def delete_all(self) -> None:
        self.outbox.clear(self._today(), keep_kinds=(BatchKind.DELETION,))
        self.outbox.clear_sent_log()
