"""Deletion floods (issue 13, item 7): a group's deletions are one transaction of bulk statements, not one
each; deletions are limited per client address; a flood never costs an honest batch its place."""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa
from google.rpc import status_pb2

from printernizer_stats.contract import deletion_batch_id
from printernizer_stats.maintainers.analytics import recomputed_rollups, stored_rollups
from printernizer_stats.maintainers.server import (
    Outcome,
    ReceiverConfig,
    Storage,
    TimeWindow,
    ValidatedBatch,
    create_app,
    tables,
    validate_batch,
)
from printernizer_stats.registry import Registry, to_unix_nano
from tests.maintainers.server.asgi import Answer, AsgiDriver
from tests.maintainers.server.batches import (
    MONDAY,
    Installation,
    deletion_request,
    merged,
    typical_series,
    week_request,
)
from tests.maintainers.server.conftest import NOW, table_counts

WINDOW = TimeWindow(to_unix_nano(MONDAY + timedelta(days=9)))


def _valid(registry: Registry, request: object) -> ValidatedBatch:
    batch = validate_batch(registry, request, WINDOW)  # type: ignore[arg-type]
    assert isinstance(batch, ValidatedBatch)
    return batch


def _week(registry: Registry, installation: Installation, seed: int, weeks_ago: int = 0) -> ValidatedBatch:
    monday = MONDAY - timedelta(weeks=weeks_ago)
    return _valid(registry, week_request(registry, installation, monday, typical_series(registry, random.Random(seed))))


def _commits(storage: Storage) -> list[int]:
    count = [0]
    sa.event.listen(storage.engine, "commit", lambda _connection: count.__setitem__(0, count[0] + 1))
    return count


def test_a_groups_deletions_are_one_transaction(storage: Storage, registry: Registry) -> None:
    victims = [Installation() for _ in range(300)]
    storage.store_many([(_week(registry, v, i, w), MONDAY) for i, v in enumerate(victims[:20]) for w in (0, 1)])
    honest = [_week(registry, Installation(), 1000 + i) for i in range(5)]
    late = _week(registry, victims[0], 7, 3)  # a deleted installation's batch in the same group
    deletions = [_valid(registry, deletion_request(registry, v)) for v in victims]
    commits = _commits(storage)
    results = storage.store_many([(b, MONDAY) for b in [*deletions[:150], *honest, late, *deletions[150:]]])
    assert commits[0] == 2  # deletions, then weeks: not 306 transactions
    outcomes = [r.outcome for r in results]
    deleted = [Outcome.DELETED] * 150
    assert outcomes == deleted + [Outcome.STORED] * 5 + [Outcome.REFUSED_DELETED] + deleted
    counts = table_counts(storage)
    assert counts["installations"] == 5 and counts["daily_stats"] == 5
    with storage.engine.connect() as connection:
        ledger = tables(registry)["batches"]
        kinds = dict(connection.execute(sa.select(ledger.c.kind, sa.func.count()).group_by(ledger.c.kind)).all())
        stored_ids = set(connection.execute(sa.select(ledger.c.installation_id)).scalars())
    assert kinds == {"deletion": 300, "weekly": 5}
    assert {deletion_batch_id(v.installation_id) for v in victims} <= {
        r.batch_id for r in results if r.outcome is Outcome.DELETED}
    assert stored_ids == {None} | {b.installation.installation_id for b in honest}
    with storage.engine.connect() as connection:
        assert stored_rollups(storage.engine) == recomputed_rollups(connection)  # the deleted weeks subtracted


def _post(driver: AsgiDriver, body: bytes, address: str) -> Answer:
    return driver.request("POST", "/v1/metrics", body, {"content-type": "application/x-protobuf"},
                          client=(address, 40000))


def test_deletions_are_limited_per_address(storage: Storage, registry: Registry) -> None:
    """A collector-shaped request of 30 deletions over a burst of 10: 429, ten carried out (the retry finds
    them done), the honest batch in the same request stored; another address is not affected."""
    config = ReceiverConfig(deletion_burst=10, deletion_refill_per_hour=1, address_burst=0)
    driver = AsgiDriver(create_app(config, storage=storage, now=lambda: NOW))
    honest = week_request(registry, Installation(), MONDAY, typical_series(registry, random.Random(2)))
    flood = merged(honest, *(deletion_request(registry, Installation()) for _ in range(30)))
    answer = _post(driver, flood.SerializeToString(), "203.0.113.9")
    assert answer.status == 429 and int(answer.headers["retry-after"]) > 0
    assert "deletions from this address" in status_pb2.Status.FromString(answer.body).message
    counts = table_counts(storage)
    assert counts["batches"] == 1 + 10 and counts["installations"] == 1
    one = deletion_request(registry, Installation())
    assert _post(driver, one.SerializeToString(), "198.51.100.20").status == 200
    driver.close()
