"""Faults on the client's side of the path, each against the real receiver process on SQLite: the receiver
down for a whole simulated week, and the installation's clock jumping back a day and forward a year. Every
batch is stored, each once, and nothing is batched twice."""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from printernizer_stats.cli._receiver_process import ReceiverProcess
from printernizer_stats.registry import Registry, utc_today, week_label, week_start
from printernizer_stats.sender import ACCEPTED, SenderConfig
from printernizer_stats.server import tables
from printernizer_stats.simulator import SimulatedInstallation

TOKEN = "client-fault-token"
# Simulated weeks arrive seconds apart, and the clock test's first weeks are a year old.
OPTIONS = ("--address-burst", "0", "--installation-burst", "1000", "--max-age-weeks", "60")


def _stored(db_url: str, registry: Registry, count: int, timeout_s: float = 30) -> list[str]:
    """The receiver's batch ids once ``count`` are there (or the timeout passed)."""
    engine = sa.create_engine(db_url)
    batches = tables(registry)["batches"]
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            with engine.connect() as connection:
                stored = [str(row) for row in connection.execute(sa.select(batches.c.batch_id)).scalars()]
            if len(stored) >= count or time.monotonic() > deadline:
                return stored
            time.sleep(0.2)
    finally:
        engine.dispose()


def _outcomes(installation: SimulatedInstallation) -> list[str]:
    return [attempt["outcome"] for attempt in installation.submit()["attempts"]]


def test_receiver_down_for_a_simulated_week(registry: Registry, tmp_path: Path) -> None:
    """The receiver is stopped for a whole week: that Monday's batches fail and wait in the outboxes (none is
    dropped or recorded as sent); the next Monday, with the receiver back, both weeks arrive, each once."""
    db_url = f"sqlite:///{tmp_path / 'receiver.db'}"
    first_day = week_start(utc_today()) - timedelta(weeks=4)
    with ReceiverProcess(db_url, tmp_path / "receiver.log", TOKEN, OPTIONS) as receiver:
        sender = SenderConfig(endpoint=receiver.url, token=TOKEN)
        installations = [SimulatedInstallation(tmp_path / f"i{k}.db", 30 + k, first_day, sender) for k in range(3)]
        try:
            for installation in installations:
                installation.run_week()
                assert _outcomes(installation) == [ACCEPTED]
            receiver.stop()
            for installation in installations:  # the week it is down: lived, and its Monday's batch refused
                installation.run_week()
                assert _outcomes(installation) == ["retry"]
                assert [b.label for b in installation.client.sending.outbox.queued()] == [
                    week_label(first_day + timedelta(weeks=1))]
            sent_while_down = {e.batch_id for i in installations for e in i.client.sending.outbox.sent()}
            receiver.start()  # same port: the clients' endpoint is unchanged
            for installation in installations:
                installation.run_week()
                assert _outcomes(installation) == [ACCEPTED, ACCEPTED]  # the waiting week, then this one
                assert not installation.client.sending.outbox.queued()
            sent = [e.batch_id for i in installations for e in i.client.sending.outbox.sent()]
            stored = _stored(db_url, registry, len(sent))
        finally:
            for installation in installations:
                installation.close()
    assert len(sent_while_down) == 3  # only the first week's batches had been recorded as sent
    assert len(sent) == len(set(sent)) == 9
    assert sorted(stored) == sorted(sent)


def test_clock_back_a_day_and_forward_a_year(registry: Registry, tmp_path: Path) -> None:
    """After two weeks sent, the clock goes back to the Sunday before (a day is lived again and a batching
    round runs on it), then forward 52 weeks: no week is batched twice, none with data is lost, nothing
    raises and statistics stay on."""
    db_url = f"sqlite:///{tmp_path / 'receiver.db'}"
    first_day: date = week_start(utc_today()) - timedelta(weeks=56)
    with ReceiverProcess(db_url, tmp_path / "receiver.log", TOKEN, OPTIONS) as receiver:
        sender = SenderConfig(endpoint=receiver.url, token=TOKEN)
        installation = SimulatedInstallation(tmp_path / "i.db", 7, first_day, sender)
        try:
            weeks = [installation.run_week() for _ in range(2)]
            assert _outcomes(installation) == [ACCEPTED, ACCEPTED]
            # Back a day: the Sunday of the week just sent, lived again, then a batching round on it.
            installation.clock.day = installation.next_day - timedelta(days=1)
            installation.sim.day(lambda: 10**6)
            assert installation.client.submit_now()["batched"] == []
            # Forward a year: the installation was off for 52 weeks and lives two more.
            installation.next_day += timedelta(weeks=52)
            weeks += [installation.run_week()]
            assert _outcomes(installation) == [ACCEPTED]
            weeks += [installation.run_week()]
            assert _outcomes(installation) == [ACCEPTED]
            labels = [entry.label for entry in installation.client.sending.outbox.sent()]
            sent = [entry.batch_id for entry in installation.client.sending.outbox.sent()]
            stored = _stored(db_url, registry, len(sent))
            assert installation.client.off_reason is None and installation.client.status()
        finally:
            installation.close()
    assert labels == [week_label(monday) for monday in weeks]  # each lived week once, in order, none lost
    assert sorted(stored) == sorted(sent) and len(set(sent)) == 4
