"""Pure views of local data for people: what the viewer, ``printernizer-stats local`` and export show."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import date
from typing import Any

from printernizer_stats.host.exporter import ConsentState
from printernizer_stats.host.sender import Attempt, QueuedBatch, SentEntry, otlp_json
from printernizer_stats.registry import DayReading, Kind, Registry, WeekValue, week_label


def series_label(attributes: Iterable[tuple[str, str]]) -> str:
    """``event=completed,printer_type=bambu_lab``; empty attributes read as ``total``."""
    return ",".join(f"{key}={value}" for key, value in attributes) or "total"


def _by_period(values: Iterable[DayReading | WeekValue], registry: Registry) -> dict[date, dict[str, dict[str, Any]]]:
    periods: dict[date, dict[str, dict[str, Any]]] = {}
    for value in values:
        start = value.day if isinstance(value, DayReading) else value.week
        series = periods.setdefault(start, {}).setdefault(value.metric, {})
        if registry.metrics[value.metric].kind is Kind.HISTOGRAM:
            series[series_label(value.attributes)] = {"count": value.count, "sum": round(value.value, 6)}
        else:
            series[series_label(value.attributes)] = value.value
    return periods


def weekly_summary(values: Iterable[WeekValue], registry: Registry) -> list[dict[str, Any]]:
    """Per ISO week, per metric, per series: the weekly value as it would be sent."""
    return [
        {"week": week_label(week), "start": week.isoformat(), "metrics": metrics}
        for week, metrics in sorted(_by_period(values, registry).items())
    ]


def daily_summary(readings: Iterable[DayReading], registry: Registry) -> list[dict[str, Any]]:
    """Per UTC day still kept as days (older days are compacted into weeks), per metric, per series."""
    known = [reading for reading in readings if reading.metric in registry.metrics]
    return [
        {"day": day.isoformat(), "metrics": metrics} for day, metrics in sorted(_by_period(known, registry).items())
    ]


def consent_summary(state: ConsentState, allowed: bool, do_not_track: bool) -> dict[str, Any]:
    return {
        "opted_in": state.opted_in,
        "collecting": allowed,
        "do_not_track": do_not_track,
        "consent_version": state.consent_version,
        "consent_day": state.consent_day.isoformat() if state.consent_day else None,
        "installation_id": state.installation_id,
        "installation_day": state.installation_day.isoformat() if state.installation_day else None,
        "rotate_yearly": state.rotate_yearly,
    }


def local_summary(
    readings: list[DayReading], weeks: list[WeekValue], registry: Registry, consent: dict[str, Any],
    facts: dict[str, str],
) -> dict[str, Any]:
    """Everything stored locally, grouped for reading: consent, installation facts, weekly statistics."""
    days = sorted({reading.day for reading in readings})
    return {
        "consent": consent,
        "installation": facts,
        "days_recorded": len(days),
        "first_day": days[0].isoformat() if days else None,
        "last_day": days[-1].isoformat() if days else None,
        "days": daily_summary(readings, registry),
        "weeks": weekly_summary(weeks, registry),
        "registry_version": registry.version,
    }


def sent_entry_view(entry: SentEntry, with_payload: bool = True) -> dict[str, Any]:
    """One sent-log entry: its answer, receipt, hashes and (``with_payload``) the OTLP JSON it carried."""
    described = {
        "seq": entry.seq, "batch_id": entry.batch_id, "week": entry.label, "kind": entry.kind,
        "sent_day": entry.sent_day.isoformat(), "attempts": entry.attempts, "outcome": entry.outcome,
        "status": entry.status, "reason": entry.reason, "receipt": entry.receipt,
        "server_batch_id": entry.server_batch_id, "sha256": entry.sha256, "size_bytes": len(entry.payload),
        "prev_hash": entry.prev_hash, "entry_hash": entry.entry_hash,
    }
    if with_payload:
        described["otlp_json"] = otlp_json(entry.payload)
    return described


def queued_view(batch: QueuedBatch) -> dict[str, Any]:
    return {"batch_id": batch.batch_id, "week": batch.label, "kind": batch.kind, "state": batch.state,
            "attempts": batch.attempts, "last_error": batch.last_error}


def attempt_view(attempt: Attempt) -> dict[str, Any]:
    return asdict(attempt)
