"""StatsClient's sending side on simulated data: preview == wire bytes, consent lifecycle, zero connections."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from printernizer_stats.host.client import StatsClient
from printernizer_stats.host.exporter import StoreUnavailable
from printernizer_stats.host.sender import SenderConfig, hide_credentials, otlp_json
from printernizer_stats.registry import DELETION_METRIC, DayReading, WeekValue, week_label
from printernizer_stats_tools.simulator import simulate_installation
from tests.host.sender.conftest import Clock
from tests.host.sender.receiver import FaultyReceiver

FIRST = date(2026, 10, 5)  # a Monday; three simulated weeks end on Sunday 2026-10-25
AFTER = FIRST + timedelta(weeks=3)
WEEKS = [week_label(FIRST + timedelta(weeks=n)) for n in range(3)]


@dataclass
class Day:
    """The client's UTC day, movable by the test."""

    day: date

    def __call__(self) -> date:
        return self.day


@pytest.fixture(scope="module")
def simulated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sim") / "stats.db"
    client, _ = simulate_installation(str(path), weeks=3, seed=5, first_day=FIRST)
    client.services.store.checkpoint()
    return path


@pytest.fixture
def db(simulated_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "stats.db"
    shutil.copy(simulated_db, path)
    return path


@pytest.fixture
def receiver() -> Iterator[FaultyReceiver]:
    with FaultyReceiver() as server:
        yield server


def _client(path: Path, day: Day, url: str = "", environ: dict[str, str] | None = None,
            clock: Clock | None = None, **config: object) -> StatsClient:
    sender = SenderConfig(endpoint=url, timeout_s=0.5, first_check_jitter_s=0, **config)  # type: ignore[arg-type]
    return StatsClient(path, today=day, sender=sender, environ=environ or {}, now=clock or Clock())


def _resource(payload: bytes) -> dict[str, str]:
    request = ExportMetricsServiceRequest.FromString(payload)
    return {kv.key: kv.value.string_value for kv in request.resource_metrics[0].resource.attributes}


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_preview_is_byte_for_byte_what_the_receiver_gets(db: Path, tmp_path: Path, tls: bool) -> None:
    """The previewed bytes (and every queued batch's) equal what the receiver stored, but for the hidden proof
    and verifier (the hash is of the real bytes), over HTTP and over TLS with a trustme CA; the sent log then
    lists each week once, with a valid chain."""
    with FaultyReceiver(tls_dir=tmp_path if tls else None) as receiver:
        client = _client(db, Day(AFTER), receiver.url, ca_file=receiver.ca_file)
        preview = client.preview()
        assert (preview["state"], preview["week"], preview["queued"]) == ("queued", WEEKS[0], 3)
        queued = {q.batch_id: q.payload for q in client.services.sending.outbox.queued()}
        result = client.submit_now()
        assert [a["outcome"] for a in result["attempts"]] == ["accepted"] * 3 and result["queued"] == 0
        stored = receiver.stored[preview["batch_id"]]
        assert hide_credentials(stored) == base64.b64decode(preview["protobuf_base64"])
        assert hashlib.sha256(stored).hexdigest() == preview["sha256"]
        assert receiver.stored == queued
        assert otlp_json(receiver.stored[preview["batch_id"]]) == preview["otlp_json"]
        history = client.history()
        assert [e["week"] for e in history["entries"]] == WEEKS
        assert history["chain"]["valid"] and all(e["outcome"] == "accepted" for e in history["entries"])
        assert all(e["receipt"] for e in history["entries"])
        assert client.preview()["state"] == "empty"


def test_only_complete_weeks_from_the_consent_day_each_once(tmp_path: Path) -> None:
    """The running week waits; days before the consent day never go out; a week is batched only once."""
    day = Day(date(2026, 11, 18))  # a Wednesday
    client = _client(tmp_path / "s.db", day)
    client.opt_in()
    kinds = {n: s.kind for n, s in client.registry.metrics.items()}
    monday = date(2026, 11, 16)
    client.services.store.add([DayReading(monday, "printernizer.app.starts", (), 5.0),  # before consent: stays home
                      DayReading(date(2026, 11, 19), "printernizer.app.starts", (), 2.0)], kinds)
    assert client.services.sending.collect() == []  # the week is still running
    day.day = date(2026, 11, 23)
    assert client.services.sending.collect() == ["2026-W47"]
    request = ExportMetricsServiceRequest.FromString(base64.b64decode(client.preview()["protobuf_base64"]))
    [metric] = [m for m in request.resource_metrics[0].scope_metrics[0].metrics if m.name == "printernizer.app.starts"]
    assert metric.sum.data_points[0].as_int == 2
    assert client.services.sending.collect() == []
    client.stop()


@pytest.mark.parametrize("how", ["opt_out", "do_not_track"])
def test_off_means_zero_connections_for_a_month(db: Path, receiver: FaultyReceiver, how: str) -> None:
    """Opted out (or DO_NOT_TRACK=1): readings and queued batches go at once, and across a simulated month
    of scheduler rounds, forced submits and a running scheduler thread no socket reaches the receiver."""
    day, clock = Day(AFTER), Clock()
    client = _client(db, day, receiver.url, clock=clock)
    assert client.preview()["state"] == "queued"
    if how == "opt_out":
        client.opt_out()
    else:
        client = _client(db, day, receiver.url, environ={"DO_NOT_TRACK": "1"}, clock=clock, check_interval_s=0.01)
        client.start()
    assert client.services.store.readings() == [] and client.services.sending.outbox.queued() == []
    for _ in range(30):
        day.day += timedelta(days=1)
        clock.t += 86_400
        client.services.rounds.tick()
        client.submit_now()
        preview = client.preview()
        assert preview["state"] == "empty"
    assert ("DO_NOT_TRACK" if how == "do_not_track" else "not opted in") in preview["reason"]
    assert client.start_scheduler_thread()  # and a few real rounds on the scheduler's own thread
    for _ in range(5):
        client.services.rounds.schedule.wake()
        time.sleep(0.02)
    client.stop_scheduler()
    scheduler = client.services.rounds.schedule.scheduler
    assert scheduler is not None and scheduler.ticks >= 1
    assert receiver.connections == 0 and receiver.received == []


def test_opt_out_racing_a_batching_round_leaves_nothing_queued(db: Path) -> None:
    """An opt-out arriving while a scheduler round is batching waits for it, then deletes what it queued."""
    client = _client(db, Day(AFTER))
    weeks = client.services.weeks
    original, entered = weeks.values, threading.Event()

    def slow_week_values(*args: Any, **kwargs: Any) -> list[WeekValue]:
        values = original(*args, **kwargs)
        entered.set()
        time.sleep(0.2)  # the opt-out arrives now, with this round's values already read
        return values

    weeks.values = slow_week_values  # type: ignore[method-assign]
    round_ = threading.Thread(target=client.services.sending.collect)
    round_.start()
    assert entered.wait(2)
    client.opt_out()
    round_.join()
    assert client.services.sending.outbox.queued() == []


def test_an_unreadable_store_does_not_skip_weeks(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A locked DB during a round is not an empty week: nothing is marked batched, the next round catches up."""
    client = _client(db, Day(AFTER))

    def locked(*args: Any, **kwargs: Any) -> list[DayReading]:
        raise StoreUnavailable("OperationalError: database is locked")

    with monkeypatch.context() as patch:
        patch.setattr(client.services.store, "readings", locked)
        assert client.services.rounds.tick() is None
    assert client.services.sending.outbox.last_batched_week() is None
    assert client.services.sending.collect() == WEEKS


def test_the_control_opted_in_does_connect(db: Path, receiver: FaultyReceiver) -> None:
    """The same month opted in does reach the receiver (so the zero above means something)."""
    day, clock = Day(AFTER), Clock()
    client = _client(db, day, receiver.url, clock=clock)
    client.services.rounds.tick()
    assert receiver.connections >= 1 and len(receiver.stored) == 3


def test_deletion_request_is_sent_once_while_opted_out(db: Path, receiver: FaultyReceiver) -> None:
    """opt_out(request_server_deletion=True) queues one deletion batch for the old id; it is sent once,
    and neither later rounds nor asking again send anything more."""
    day, clock = Day(AFTER), Clock()
    client = _client(db, day, receiver.url, clock=clock)
    old_id = client.consent().installation_id
    client.opt_out(request_server_deletion=True)
    assert client.preview()["week"] == "deletion"
    client.services.rounds.tick()
    [payload] = receiver.stored.values()
    request = ExportMetricsServiceRequest.FromString(payload)
    assert [m.name for m in request.resource_metrics[0].scope_metrics[0].metrics] == [DELETION_METRIC]
    assert _resource(payload)["printernizer.installation_id"] == old_id
    assert client.request_server_deletion()["state"] == "already_sent"
    for _ in range(30):
        day.day += timedelta(days=1)
        clock.t += 86_400
        client.services.rounds.tick()
    assert len(receiver.received) == 1
    assert client.history()["entries"][-1]["week"] == "deletion"


def test_deletion_request_waits_while_do_not_track(db: Path, receiver: FaultyReceiver) -> None:
    """DO_NOT_TRACK is the hard switch: even a deletion request waits until it is lifted."""
    day, clock = Day(AFTER), Clock()
    _client(db, day, receiver.url, clock=clock).opt_out(request_server_deletion=True)
    dnt = _client(db, day, receiver.url, environ={"DO_NOT_TRACK": "1"}, clock=clock)
    dnt.services.rounds.tick()
    dnt.submit_now()
    assert receiver.connections == 0
    assert dnt.preview()["week"] == "deletion"
    _client(db, day, receiver.url, clock=clock).services.rounds.tick()
    assert len(receiver.stored) == 1


def test_request_server_deletion_needs_an_earlier_id(tmp_path: Path) -> None:
    """Without a previous installation id there is nothing to delete, and the error says so."""
    with pytest.raises(ValueError, match="earlier installation id"):
        _client(tmp_path / "s.db", Day(AFTER)).request_server_deletion()


def test_reopt_in_sends_under_a_new_id(db: Path, receiver: FaultyReceiver) -> None:
    """After opt-out and opt-in again, batches carry the new id and only data from the new consent day."""
    day = Day(AFTER)
    client = _client(db, day, receiver.url)
    old_id = client.consent().installation_id
    client.opt_out()
    new_id = client.opt_in().installation_id
    client.services.instruments.add("printernizer.app.starts")
    client.flush()
    client.stop()
    day.day += timedelta(weeks=1)
    client.submit_now()
    [payload] = receiver.stored.values()
    assert _resource(payload)["printernizer.installation_id"] == new_id != old_id


def test_restart_between_attempts_delivers_once(db: Path, receiver: FaultyReceiver) -> None:
    """503 + Retry-After, process gone, a new StatsClient on the same file waits it out and delivers."""
    day, clock = Day(AFTER), Clock()
    receiver.answer(("503", "300"))
    _client(db, day, receiver.url, clock=clock).services.rounds.tick()
    restarted = _client(db, day, receiver.url, clock=clock)
    assert restarted.services.rounds.tick() == pytest.approx(300)
    assert len(receiver.received) == 1
    clock.t += 301
    restarted.services.rounds.tick()
    assert len(receiver.stored) == 3 and len(receiver.received) == 4
    assert restarted.history()["chain"]["valid"]


def test_outbox_bound_after_a_long_offline_stretch(db: Path, captured_logs: list[dict[str, object]]) -> None:
    """With room for two weeks, the oldest of three is dropped with a warning."""
    client = _client(db, Day(AFTER), max_outbox_weeks=2)
    assert client.services.sending.collect() == WEEKS
    assert [q.label for q in client.services.sending.outbox.queued()] == WEEKS[1:]
    assert any(log["event"] == "usage_stats.outbox_full" for log in captured_logs)


def test_yearly_rotation_changes_the_id_in_later_batches(db: Path, receiver: FaultyReceiver) -> None:
    """With rotation on, a year later the scheduler round rotates the id before batching."""
    day = Day(AFTER)
    client = _client(db, day, receiver.url)
    old_id = client.consent().installation_id
    client.services.consent.set_yearly_rotation(True)
    client.services.rounds.tick()
    day.day += timedelta(days=366)
    client.services.rounds.tick()
    assert client.consent().installation_id != old_id


def test_delete_all_leaves_nothing_local(db: Path, receiver: FaultyReceiver) -> None:
    """Readings, queued batches, the sent log and remembered facts all go; consent is off."""
    client = _client(db, Day(AFTER), receiver.url)
    client.services.rounds.tick()
    assert client.local_summary()["sending"]["sent"] == 3
    client.delete_all()
    assert client.history()["entries"] == [] and client.services.sending.outbox.queued() == []
    assert client.local_summary()["sending"] == {"endpoint_configured": True, "queued": [], "sent": 0,
                                                 "last_sent_day": None}
    assert client.services.store.readings() == [] and client.services.store.week_rollups() == []
    assert client.services.facts.current() == {} and not client.consent().opted_in


def test_asyncio_scheduler_sends_from_the_hosts_loop(db: Path, receiver: FaultyReceiver) -> None:
    """start_scheduler() inside a running loop batches and sends without blocking it; stop_scheduler() ends it."""
    client = _client(db, Day(AFTER), receiver.url)

    async def host() -> None:
        assert client.start_scheduler()
        for _ in range(200):
            if len(receiver.stored) == 3:
                break
            await asyncio.sleep(0.01)
        client.stop_scheduler()

    asyncio.run(host())
    assert len(receiver.stored) == 3


def test_no_endpoint_no_scheduler(tmp_path: Path) -> None:
    """Without an endpoint there is nothing to schedule, and submitting says why."""
    client = _client(tmp_path / "s.db", Day(AFTER))
    assert client.start_scheduler_thread() is False
    with pytest.raises(ValueError, match="no endpoint"):
        client.submit_now()
