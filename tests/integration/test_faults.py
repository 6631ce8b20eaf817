"""Fault injection across the whole path: real clients -> HTTPS -> the real collector (shipped otelcol.yaml)
-> the receiver -> its database. PostgreSQL (a private server) stopped and started mid-run, and a simulated
year with 10 % random failures on both network hops and on the receiver's PostgreSQL connection, answers lost
after they took effect included: every batch is stored, each once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from printernizer_stats.host.sender import ACCEPTED, SenderConfig
from printernizer_stats.maintainers.server import tables
from printernizer_stats.registry import Registry, utc_today, week_start
from printernizer_stats_tools.collectors import OtelcolCollector
from printernizer_stats_tools.demo._receiver_process import ReceiverProcess
from printernizer_stats_tools.simulator import SimulatedInstallation
from tests.integration.db_faults import FaultyDatabaseHop
from tests.integration.faults import FAULTS, PG_BIN, FaultyHop, PrivatePostgres
from tests.maintainers.collector.otelcol import Certificates, settings, start_collector
from tests.postgres import fresh_database

pytestmark = pytest.mark.collector
TOKEN = "fault-injection-token"
OPTIONS = ("--address-burst", "0", "--installation-burst", "64")


def _stored_ids(db_url: str, registry: Registry) -> list[str]:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            batches = tables(registry)["batches"]
            return [str(row) for row in connection.execute(sa.select(batches.c.batch_id)).scalars()]
    except sa.exc.OperationalError:
        return []  # the database is down right now
    finally:
        engine.dispose()


def _wait_stored(db_url: str, registry: Registry, count: int, timeout_s: float = 60) -> list[str]:
    deadline = time.monotonic() + timeout_s
    stored = _stored_ids(db_url, registry)
    while len(stored) < count and time.monotonic() < deadline:
        time.sleep(0.2)
        stored = _stored_ids(db_url, registry)
    return stored


def _sent_ids(installations: list[SimulatedInstallation]) -> set[str]:
    return {entry.batch_id for i in installations for entry in i.client.services.sending.outbox.sent()}


@pytest.fixture
def stack() -> Iterator[ExitStack]:
    with ExitStack() as resources:
        yield resources


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    if not (PG_BIN / "initdb").is_file():
        pytest.skip("PostgreSQL 15's server binaries are not installed (.ci/services installs them)")
    server = PrivatePostgres()
    try:
        yield server.init()
    finally:
        server.close()


def test_postgresql_stopped_and_restarted_mid_run(registry: Registry, private_postgres: PrivatePostgres,
                                                   otelcol_binary: Path, certificates: Certificates,
                                                   collector_factory: list[OtelcolCollector],
                                                   tmp_path: Path) -> None:
    """The receiver's database goes away for a Monday: the receiver answers 503 (never 500), the collector
    keeps the batches in its queue and retries; when PostgreSQL is back every batch is stored once."""
    first_day = week_start(utc_today()) - timedelta(weeks=3)
    with (ReceiverProcess(private_postgres.url, tmp_path / "receiver.log", TOKEN, OPTIONS) as receiver,
          FaultyHop(receiver.url, rate=0, seed=0) as observer):
        collector = start_collector(collector_factory, otelcol_binary,
                                    settings(observer.url, TOKEN, certificates, tmp_path / "queue"),
                                    tmp_path / "otelcol")
        sender = SenderConfig(endpoint=collector.url, ca_file=str(certificates.ca))
        installations = [SimulatedInstallation(tmp_path / f"i{k}.db", 60 + k, first_day, sender) for k in range(4)]
        try:
            for week in range(3):
                for installation in installations:
                    installation.run_week()
                    assert all(a["outcome"] == ACCEPTED for a in installation.submit()["attempts"])
                if week == 0:
                    assert len(_wait_stored(private_postgres.url, registry, 4)) == 4
                    private_postgres.stop()
                if week == 1:
                    time.sleep(2)  # the collector's first export meets the database down
                    assert observer.statuses[503] > 0
                    private_postgres.start()
            stored = _wait_stored(private_postgres.url, registry, 12)
            collector.stop()
        finally:
            for installation in installations:
                installation.close()
    assert sorted(stored) == sorted(_sent_ids(installations)) and len(stored) == 12
    assert set(observer.statuses) <= {200, 503}, observer.statuses


def test_a_year_with_ten_percent_failures_at_every_hop(registry: Registry, otelcol_binary: Path,
                                                       certificates: Certificates,
                                                       collector_factory: list[OtelcolCollector],
                                                       tmp_path: Path, stack: ExitStack) -> None:
    """Three installations live 52 weeks; 10 % of requests from clients to the collector and from the
    collector to the receiver are refused (503), dropped, or dropped after they took effect (seeded), and 10 %
    of the receiver's transactions on PostgreSQL lose their connection (at BEGIN, before COMMIT, or after it
    with the answer lost). The clients retry on the following Mondays, the collector from its queue: 100 %
    stored, each once. The HTTP faults are drawn per request body and attempt from the seed."""
    weeks, count = 52, 3
    first_day: date = week_start(utc_today()) - timedelta(weeks=weeks)
    database = stack.enter_context(fresh_database())
    to_database = stack.enter_context(FaultyDatabaseHop(5432, rate=0, seed=7))
    # Without TLS to the hop (Debian's server offers it), so the hop can see BEGIN and COMMIT.
    db_url = database.replace("@127.0.0.1:5432/", f"@127.0.0.1:{to_database.port}/") + "?sslmode=disable"
    # A year of one installation's batches arrives within a minute here, and the year began 52 weeks ago:
    # no per-installation limit, and points up to 60 weeks old are accepted (the default refuses 26+).
    options = ("--address-burst", "0", "--installation-burst", "1000", "--max-age-weeks", "60")
    with (ReceiverProcess(db_url, tmp_path / "receiver.log", TOKEN, options) as receiver,
          FaultyHop(receiver.url, rate=0.1, seed=14) as to_receiver):
        to_database.rate = 0.1  # from here on: the receiver has migrated and answers
        collector = start_collector(collector_factory, otelcol_binary,
                                    settings(to_receiver.url, TOKEN, certificates, tmp_path / "queue"),
                                    tmp_path / "otelcol")
        with FaultyHop(collector.url, rate=0.1, seed=41, ca_file=certificates.ca) as to_collector:
            # Plain HTTP to a loopback hop is allowed to clients; the hop speaks HTTPS to the collector.
            sender = SenderConfig(endpoint=to_collector.url)
            installations = [SimulatedInstallation(tmp_path / f"i{k}.db", 80 + k, first_day, sender)
                             for k in range(count)]
            try:
                for _ in range(weeks):
                    for installation in installations:
                        installation.run_week()
                        installation.submit()
                for _ in range(20):  # the Mondays after: whatever still waits goes out
                    if not any(i.client.services.sending.outbox.queued() for i in installations):
                        break
                    for installation in installations:
                        installation.submit()
                assert not any(i.client.services.sending.outbox.queued() for i in installations)
                sent = _sent_ids(installations)
                stored = _wait_stored(database, registry, len(sent), timeout_s=120)
                collector.stop()
            finally:
                for installation in installations:
                    installation.close()
    assert len(sent) == weeks * count
    assert sorted(stored) == sorted(sent), to_receiver.statuses  # every batch, each once (the ledger's key)
    # The clients' requests are the same in every run, so their hop's faults are too: all three kinds. The
    # collector's merged requests depend on timing (with the database's faults it backs off and merges more,
    # down to a dozen requests: then its hop may draw none); the receiver's transactions are many.
    assert set(to_collector.injected) == set(FAULTS), to_collector.injected
    assert sum(to_database.injected.values()) > 0, to_database.injected
    # A cut transaction is a 503, never 500; a 429 is a batch whose installation's first batch has not been
    # stored yet (the collector's merged requests overtake each other): the collector retries it.
    assert set(to_receiver.statuses) <= {200, 429, 503}, to_receiver.statuses
