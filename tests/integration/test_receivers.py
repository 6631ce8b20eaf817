"""Many receivers, one database: two receiver processes (one of them ``serve --workers 2``) on one
PostgreSQL database take the same batches concurrently; each is stored once, the rollups equal their
full recomputation, and the weeks' partitions are made once though both receivers make them at once."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from printernizer_stats.maintainers.analytics import recomputed_rollups, stored_rollups
from printernizer_stats.maintainers.server import PARTITIONED_TABLES, create_engine, migrate
from printernizer_stats.maintainers.server._partitions import partition_name, week_partitions
from printernizer_stats.registry import Registry, utc_today, week_start
from printernizer_stats_tools.demo._receiver_process import ReceiverProcess
from tests.maintainers.server.batches import Installation, deletion_request, gzipped, typical_series, week_request
from tests.postgres import fresh_database

pytestmark = pytest.mark.postgres
OPTIONS = ("--address-burst", "0", "--installation-burst", "1000", "--simulated-receipt")
HEADERS = {"content-type": "application/x-protobuf", "content-encoding": "gzip"}


def _bodies(registry: Registry) -> tuple[list[bytes], list[bytes], int]:
    """Weekly batches of 30 installations over 3 weeks (some skip one), and deletions of 3 of them."""
    rng = random.Random(15)
    monday = week_start(utc_today()) - timedelta(weeks=1)
    installations = [Installation(app_version=rng.choice(("2.41.7", "2.42.0")),
                                  deployment_mode=rng.choice(("docker", "pi"))) for _ in range(30)]
    weeks, expected = [], 0
    for number, installation in enumerate(installations):
        for weeks_ago in range(3):
            if (number + weeks_ago) % 7 == 0:
                continue
            weeks.append(gzipped(week_request(registry, installation, monday - timedelta(weeks=weeks_ago),
                                              typical_series(registry, rng))))
            expected += number >= 3
    deletions = [gzipped(deletion_request(registry, installation)) for installation in installations[:3]]
    return weeks, deletions, expected


def test_two_receivers_store_each_batch_once(tmp_path: Path, registry: Registry) -> None:
    weeks, deletions, expected = _bodies(registry)
    with fresh_database() as url:
        engine = create_engine(url)
        migrate(engine)
        recent = [week_start(utc_today()) - timedelta(weeks=n) for n in (1, 2, 3)]
        with engine.begin() as connection:  # made ahead by migrate: gone, so both receivers make them at once
            for week in recent:
                for name in PARTITIONED_TABLES:
                    connection.exec_driver_sql(f"DROP TABLE {partition_name(name, week)}")
        with (ReceiverProcess(url, tmp_path / "a.log", options=(*OPTIONS, "--workers", "2")) as first,
              ReceiverProcess(url, tmp_path / "b.log", options=OPTIONS) as second,
              httpx.Client(timeout=30) as client):
            def send(body: bytes) -> list[int]:
                return [client.post(f"{receiver.url}/v1/metrics", content=body, headers=HEADERS).status_code
                        for receiver in (first, second)]

            order = weeks + deletions
            random.Random(2).shuffle(order)
            with ThreadPoolExecutor(8) as pool:
                statuses = [status for pair in pool.map(send, order * 2) for status in pair]
        assert set(statuses) == {200}
        with engine.connect() as connection:
            ledger = connection.execute(sa.text("SELECT kind, count(*) FROM batches GROUP BY kind")).all()
            daily = connection.execute(sa.text("SELECT count(*) FROM daily_stats")).scalar_one()
            assert dict(ledger) == {"weekly": expected, "deletion": 3} and daily == expected
            assert stored_rollups(engine) == recomputed_rollups(connection)
            assert stored_rollups(engine)  # not trivially equal
            for name in PARTITIONED_TABLES:  # each week's rows in its partition, made by one of the receivers
                assert set(week_partitions(connection, name)) >= set(recent)
                assert connection.execute(sa.text(f"SELECT count(*) FROM {name}_default")).scalar_one() == 0
        engine.dispose()
