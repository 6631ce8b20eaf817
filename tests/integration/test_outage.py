"""503 means the database is unavailable, nothing else (issue 13, item 1): a private PostgreSQL is stopped
under a group holding a batch the database refuses; the group is answered 503 as a whole (not 400 for the
poison, which would make its client drop it for good while it is the database's fault), and once PostgreSQL
is back the honest batches are stored and only the poison is refused."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from printernizer_stats.maintainers.server import (
    Outcome,
    Storage,
    StorageUnavailable,
    TimeWindow,
    ValidatedBatch,
    create_app,
    create_engine,
    migrate,
    validate_batch,
)
from printernizer_stats.registry import Registry, to_unix_nano
from tests.integration.faults import PG_BIN, PrivatePostgres
from tests.maintainers.server.asgi import AsgiDriver
from tests.maintainers.server.batches import MONDAY, Installation, gzipped, typical_series, week_request

NOW = datetime.combine(MONDAY + timedelta(days=9), datetime.min.time(), UTC)
WINDOW = TimeWindow(to_unix_nano(NOW.date()))


@pytest.fixture
def private_storage(registry: Registry) -> Iterator[tuple[PrivatePostgres, Storage]]:
    if not (PG_BIN / "initdb").is_file():
        pytest.skip("PostgreSQL 15's server binaries are not installed (.ci/services installs them)")
    server = PrivatePostgres()
    try:
        server.init()
        engine = create_engine(server.url)
        migrate(engine)
        storage = Storage(engine, registry)
        yield server, storage
        storage.close()
    finally:
        server.close()


def _batch(registry: Registry, seed: int) -> ValidatedBatch:
    request = week_request(registry, Installation(), MONDAY, typical_series(registry, random.Random(seed)))
    batch = validate_batch(registry, request, WINDOW)
    assert isinstance(batch, ValidatedBatch)
    return batch


def _poison(batch: ValidatedBatch) -> ValidatedBatch:
    series = list(batch.series)
    index = next(i for i, s in enumerate(series) if s.sample_count is not None)
    series[index] = series[index]._replace(sample_count=2**70)  # no bigint holds it: a DataError
    return dataclasses.replace(batch, series=tuple(series))


def test_an_outage_is_a_503_and_a_poison_batch_is_not(registry: Registry,
                                                       private_storage: tuple[PrivatePostgres, Storage]) -> None:
    server, storage = private_storage
    group = [(_batch(registry, 1), MONDAY), (_poison(_batch(registry, 2)), MONDAY), (_batch(registry, 3), MONDAY)]
    server.stop()
    with pytest.raises(StorageUnavailable):
        storage.store_many(group)
    driver = AsgiDriver(create_app(storage=storage, now=lambda: NOW))
    request = week_request(registry, Installation(), MONDAY, typical_series(registry, random.Random(4)))
    answer = driver.post(gzipped(request), gzip=True)
    assert answer.status == 503 and answer.headers["retry-after"]
    server.start()
    assert [r.outcome for r in storage.store_many(group)] == [Outcome.STORED, Outcome.INVALID, Outcome.STORED]
    assert driver.post(gzipped(request), gzip=True).status == 200
    driver.close()
