"""What ``StatsClient`` shows people: its status and everything it stores, as JSON-ready data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from printernizer_stats.client._summary import consent_summary, local_summary
from printernizer_stats.contract import DELETION_LABEL
from printernizer_stats.exporter import ConsentState, StoreUnavailable, do_not_track
from printernizer_stats.registry import combine_weeks

if TYPE_CHECKING:
    from printernizer_stats.client._client import StatsClient


def client_status(client: StatsClient) -> dict[str, Any]:
    """Consent, DO_NOT_TRACK, why statistics are off, sending, and whether a server deletion can be asked."""
    state = client.consent()
    consent = consent_summary(state, client.collecting(), do_not_track(client.environ))
    sending = client.sending.status()
    deletion_queued = DELETION_LABEL in (sending["queued"] or [])
    return {
        **consent, "off_reason": client.off_reason, "registry_consent_version": client.registry.consent_version,
        "registry_version": client.registry.version, "sending": sending,
        "can_request_server_deletion": state.previous_installation_id is not None and not state.opted_in,
        "deletion_request": "queued" if deletion_queued else None,
    }


def client_local_summary(client: StatsClient, strict: bool) -> dict[str, Any]:
    """Consent, facts, days, weeks, sending status and the sent log (payloads left to ``history()``)."""
    store = client.store
    state = ConsentState.from_settings(store.settings()) if strict else client.consent()
    try:
        readings = store.readings()
        # What week_values() gives, with the days read once.
        weeks = sorted([*store.week_rollups(), *combine_weeks(readings, client.registry)],
                       key=lambda v: (v.week, v.metric, v.attributes))
    except StoreUnavailable:
        if strict:
            raise
        readings, weeks = [], []
    consent = consent_summary(state, client.collecting(), do_not_track(client.environ))
    consent["off_reason"] = client.off_reason
    summary = local_summary(readings, weeks, client.registry, consent, client.facts())
    summary["sending"] = client.sending.status(strict=strict)
    summary["sent"] = client.sending.sent_log(strict=strict)
    summary["as_of_day"] = client.today().isoformat()
    return summary
