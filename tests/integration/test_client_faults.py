"""Faults on the client's side of the path, each against the real receiver process on SQLite: the receiver
down for a whole simulated week, the client SIGKILLed mid-send, its disk full, and the installation's clock
jumping back a day and forward a year. Every batch is stored, each once, and nothing is batched twice."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from printernizer_stats.host.client import StatsClient
from printernizer_stats.host.sender import ACCEPTED, SenderConfig
from printernizer_stats.maintainers.server import tables
from printernizer_stats.registry import Registry, utc_today, week_label, week_start
from printernizer_stats_tools.demo._receiver_process import ReceiverProcess
from printernizer_stats_tools.simulator import SimulatedInstallation
from tests.integration.faults import FaultyHop

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
                assert [b.label for b in installation.client.services.sending.outbox.queued()] == [
                    week_label(first_day + timedelta(weeks=1))]
            sent_while_down = {e.batch_id for i in installations for e in i.client.services.sending.outbox.sent()}
            receiver.start()  # same port: the clients' endpoint is unchanged
            for installation in installations:
                installation.run_week()
                assert _outcomes(installation) == [ACCEPTED, ACCEPTED]  # the waiting week, then this one
                assert not installation.client.services.sending.outbox.queued()
            sent = [e.batch_id for i in installations for e in i.client.services.sending.outbox.sent()]
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
            labels = [entry.label for entry in installation.client.services.sending.outbox.sent()]
            sent = [entry.batch_id for entry in installation.client.services.sending.outbox.sent()]
            stored = _stored(db_url, registry, len(sent))
            assert installation.client.services.gate.off_reason is None and installation.client.status()
        finally:
            installation.close()
    assert labels == [week_label(monday) for monday in weeks]  # each lived week once, in order, none lost
    assert sorted(stored) == sorted(sent) and len(set(sent)) == 4


def test_client_killed_mid_send(registry: Registry, tmp_path: Path) -> None:
    """``printernizer-stats submit`` (the real client, in its own process) is SIGKILLed while its first batch
    is on the wire: the receiver has stored it, the answer never arrived. Run again, it sends what is queued,
    that batch included: each stored exactly once, each in the sent log once, nothing left queued."""
    db_url = f"sqlite:///{tmp_path / 'receiver.db'}"
    db = tmp_path / "i.db"
    first_day = week_start(utc_today()) - timedelta(weeks=3)
    with (ReceiverProcess(db_url, tmp_path / "receiver.log", TOKEN, OPTIONS) as receiver,
          FaultyHop(receiver.url, rate=0, seed=0) as hop):
        installation = SimulatedInstallation(db, 11, first_day, SenderConfig(endpoint=hop.url, token=TOKEN))
        try:
            for _ in range(3):
                installation.run_week()
        finally:
            installation.close()
        argv = [sys.executable, "-m", "printernizer_stats.cli", "submit", "--db", str(db), "--endpoint", hop.url,
                "--token", TOKEN]
        hop.hold.set()
        child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert hop.held.wait(60), "the client never sent"
            assert len(_stored(db_url, registry, 1)) == 1  # the batch took effect before the kill
        finally:
            child.kill()
            child.wait(30)
        assert child.returncode == -signal.SIGKILL
        hop.hold.clear()
        hop.release.set()
        again = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
        assert again.returncode == 0, again.stderr
        outbox = StatsClient(db).services.sending.outbox
        sent, queued = [entry.batch_id for entry in outbox.sent()], outbox.queued()
        stored = _stored(db_url, registry, 3)
    assert not queued and len(sent) == len(set(sent)) == 3
    assert sorted(stored) == sorted(sent)


DISK_FULL_HOST = """
import json, resource, sqlite3, sys
from datetime import timedelta
from pathlib import Path
from printernizer_stats.registry import utc_today, week_start
from printernizer_stats_tools.simulator import SimulatedInstallation

db, mode = Path(sys.argv[1]), sys.argv[2]
installation = SimulatedInstallation(db, 5, week_start(utc_today()) - timedelta(weeks=30))
installation.run_week()
if mode == "fill":  # the disk (a small tmpfs) is filled by something else
    with open(db.parent / "filler", "wb", buffering=0) as filler:  # unbuffered: close has nothing to flush
        try:
            while True:
                filler.write(bytes(65536))
                filler.flush()
        except OSError:
            pass
else:  # no file of this process may grow past its size now (plus a page)
    limit = max(path.stat().st_size for path in db.parent.glob(db.name + "*")) + 4096
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
lived = 0
for _ in range(20):  # the host lives on, recording as usual: nothing may raise into it
    installation.run_week()
    installation.client.record_error("DATABASE", "system")
    lived += 1
status = installation.client.status()
installation.close()
with sqlite3.connect(db) as stored:  # read only: what was stored before the disk filled
    rows = stored.execute("SELECT count(*) FROM daily_readings").fetchone()[0]
print(json.dumps({"lived": lived, "status": status, "rows_readable": rows}))
"""


def _disk_full_host(tmp_path: Path) -> tuple[list[str], str]:
    """A host on a really full disk: a 4 MiB tmpfs in a private mount namespace (root with unshare), else a
    file-size limit (writes past it fail with EFBIG as on a full disk; Python ignores SIGXFSZ)."""
    code = [sys.executable, "-c", DISK_FULL_HOST]
    unshare = shutil.which("unshare")
    if os.geteuid() == 0 and unshare:
        disk = tmp_path / "disk"
        disk.mkdir()
        script = f'mount -t tmpfs -o size=4m tmpfs {disk} && exec "$@"'
        return [unshare, "--mount", "--propagation", "private", "sh", "-c", script, "sh", *code,
                str(disk / "stats.db"), "fill"], "full"
    return [*code, str(tmp_path / "stats.db"), "limit"], "i/o error"


def test_disk_full_the_host_lives_on_and_stats_say_why(tmp_path: Path) -> None:
    """A host process runs the real client until its disk is full. It keeps running (20 more weeks of
    recording), statistics turn off with the reason in its status, and the weeks stored before are readable."""
    argv, expected = _disk_full_host(tmp_path)
    host = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    assert host.returncode == 0, host.stderr
    report = json.loads(host.stdout.splitlines()[-1])
    assert report["lived"] == 20
    reason = report["status"]["off_reason"]
    assert reason is not None and expected in reason.lower(), report["status"]
    assert report["status"]["collecting"] is False
    assert "usage_stats.off" in host.stdout  # one log line says so (structlog writes to stdout)
    assert report["rows_readable"] > 0  # what was stored before the disk filled is intact
