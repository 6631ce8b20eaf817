"""PII canaries: plant sensitive values everywhere they could sneak in; none may reach the SQLite file."""

from __future__ import annotations

import json
from dataclasses import astuple
from datetime import date
from pathlib import Path

from printernizer_stats.host.client import StatsClient
from printernizer_stats.host.sender import SenderConfig
from printernizer_stats_tools.simulator import (
    InstanceSimulator,
    Sensitive,
    SimClock,
    random_profile,
    simulate_weeks,
    simulated_client,
)
from tests.host.sender.receiver import FaultyReceiver

CANARIES = Sensitive(
    host="canary-host-7f3a.example.lan",
    ip="203.0.113.77",
    file_name="canary_file_9c1e.3mf",
    serial="CANARYSERIAL42",
    email="canary.person@example.org",
    url="https://canary-url.example.net/path?q=canary",
)


def _all_bytes(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file())


def _canary_week(tmp_path: Path) -> None:
    """Simulate the week of 2026-11-09 with every canary planted everywhere it could sneak in."""
    profile = random_profile(3)
    clock = SimClock(date(2026, 11, 9))
    client = simulated_client(str(tmp_path / "stats.db"), profile, clock)
    client.opt_in()
    sim = InstanceSimulator(client, profile, clock, CANARIES)
    for value in astuple(CANARIES):
        # Straight into attribute values and keys, and as error codes and route labels.
        client.services.instruments.add("printernizer.jobs.events", 1, {"event": value, value: value})
        client.services.instruments.add(value, 1, {"event": "created"})
        client.record_error(value, value)
        client.services.instruments.record("http.server.request.duration", 0.1, {
            "http.route": value, "http.request.method": value, "http.response.status_code": value,
        })
        sim.bus.emit("printer_connection_progress", {"status": "failed", "message": value, "printer_id": value})
        sim.bus.emit("job_status_changed", {"status": value, "old_status": value})
    simulate_weeks(sim, clock.day, 1)
    client.stop()


def _assert_no_canary(data: bytes) -> None:
    for value in astuple(CANARIES):
        assert value.encode() not in data, value
        assert value.encode("utf-16-le") not in data, value


def test_canaries_never_reach_sqlite(tmp_path: Path) -> None:
    """A simulated week with canaries in payloads and in attribute values leaves none in the DB files."""
    _canary_week(tmp_path)
    data = _all_bytes(tmp_path)
    assert len(data) > 10_000
    _assert_no_canary(data)


def test_canaries_never_reach_a_batch_the_outbox_the_sent_log_or_the_wire(tmp_path: Path) -> None:
    """The week's batch, its preview, the outbox, the sent log and every byte the receiver got are clean."""
    _canary_week(tmp_path)
    with FaultyReceiver() as receiver:
        client = StatsClient(tmp_path / "stats.db", today=lambda: date(2026, 11, 16), environ={},
                             sender=SenderConfig(endpoint=receiver.url))
        preview = client.preview()
        assert preview["state"] == "queued"
        queued = b"".join(q.payload for q in client.services.sending.outbox.queued())
        result = client.submit_now()
        assert result["attempts"][0]["outcome"] == "accepted"
        history = client.history()
        sent = b"".join(e.payload for e in client.services.sending.outbox.sent())
        wire = b"".join(r.body + r.payload + json.dumps(r.headers).encode() for r in receiver.received)
    client.services.store.checkpoint()
    assert len(queued) > 1000 and queued == sent
    _assert_no_canary(queued + sent + wire + _all_bytes(tmp_path))
    _assert_no_canary(json.dumps(preview).encode() + json.dumps(history).encode())
