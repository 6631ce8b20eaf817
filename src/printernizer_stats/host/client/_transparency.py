"""What the client shows people: its status, everything it stores, and an example batch, as JSON-ready data."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from printernizer_stats.contract import DELETION_LABEL
from printernizer_stats.host.client._example import example_batch
from printernizer_stats.host.client._facts import InstallationFacts
from printernizer_stats.host.client._gate import ConsentGate
from printernizer_stats.host.client._sending import ClientSending
from printernizer_stats.host.client._summary import consent_summary, local_summary
from printernizer_stats.host.client._weeks import LocalWeeks
from printernizer_stats.host.exporter import ConsentState, LocalStore, StoreUnavailable
from printernizer_stats.host.instrumentation import GaugeSource
from printernizer_stats.registry import Registry


class TransparencyViews:
    """Read-only views of one installation's statistics: nothing here changes or sends anything."""

    def __init__(
        self, gate: ConsentGate, store: LocalStore, *, weeks: LocalWeeks, facts: InstallationFacts,
        sending: ClientSending, registry: Registry, today: Callable[[], date],
        host_gauges: Mapping[str, GaugeSource],
    ) -> None:
        self._gate = gate
        self._store = store
        self._weeks = weeks
        self._facts = facts
        self._sending = sending
        self._registry = registry
        self._today = today
        self._host_gauges = host_gauges

    def _consent(self, state: ConsentState) -> dict[str, Any]:
        consent = consent_summary(state, self._gate.collecting(), self._gate.do_not_track())
        consent["off_reason"] = self._gate.off_reason
        return consent

    def status(self) -> dict[str, Any]:
        """Consent, DO_NOT_TRACK, why statistics are off, sending, and whether a server deletion can be asked."""
        state = self._gate.state()
        sending = self._sending.status()
        deletion_queued = DELETION_LABEL in (sending["queued"] or [])
        return {
            **self._consent(state), "registry_consent_version": self._registry.consent_version,
            "registry_version": self._registry.version, "sending": sending,
            "can_request_server_deletion": state.previous_installation_id is not None and not state.opted_in,
            "deletion_request": "queued" if deletion_queued else None,
        }

    def local_summary(self, strict: bool) -> dict[str, Any]:
        """Consent, facts, days, weeks, sending status and the sent log (payloads left to ``history()``).

        An unreadable store gives what can be read, or with ``strict`` raises ``StoreUnavailable`` /
        ``OutboxUnavailable`` (an export must not pass for empty).
        """
        state = ConsentState.from_settings(self._store.settings()) if strict else self._gate.state()
        try:
            readings, weeks = self._weeks.days_and_weeks()
        except StoreUnavailable:
            if strict:
                raise
            readings, weeks = [], []
        summary = local_summary(readings, weeks, self._registry, self._consent(state), self._facts.current())
        summary["sending"] = self._sending.status(strict=strict)
        summary["sent"] = self._sending.sent_log(strict=strict)
        summary["as_of_day"] = self._today().isoformat()
        return summary

    def example_batch(self) -> dict[str, Any]:
        """What a weekly batch looks like before opting in: live facts and gauges, every count zero."""
        return example_batch(self._registry, self._facts.current(), self._today(), self._host_gauges)
