"""Poison values (issue 13, item 1): refused with the field named, never stored, never failing a neighbour.

Each value here passed validation before (``re.match`` with ``^…$``: ``$`` admits a trailing newline, ``\\d``
any Unicode digit) and was stored on SQLite, or raised a DataError on PostgreSQL that answered 503 to every
batch of the same group commit, for ever.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
from datetime import timedelta

import pytest
import sqlalchemy as sa
from google.rpc import status_pb2
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceResponse

from printernizer_stats.maintainers.server import (
    GroupWriter,
    Outcome,
    ReceiverConfig,
    Storage,
    TimeWindow,
    ValidatedBatch,
    tables,
    validate_batch,
)
from printernizer_stats.registry import Registry, to_unix_nano
from tests.maintainers.server.asgi import AsgiDriver
from tests.maintainers.server.batches import MONDAY, Installation, Series, merged, typical_series, week_request
from tests.maintainers.server.conftest import table_counts

WINDOW = TimeWindow(to_unix_nano(MONDAY + timedelta(days=9)))
POISON = [
    ("app_version", "2.42.0\n"), ("app_version", "\u0662.\u0664\u0662.\u0660"),
    ("app_version", "\uff12.\uff14\uff12.\uff10"), ("app_version", "2.42.0\r"), ("app_version", " 2.42.0"),
    ("country_code", "CH\n"), ("country_code", "\uff23\uff28"), ("python_version", "3.11\n"),
    ("python_version", "\u0663.\u0661\u0661"), ("python_version", "3.111\n"),
]
"""(installation field, value): newline after, other scripts' digits, full-width letters, too long."""


def _request(registry: Registry, installation: Installation, seed: int = 0):  # type: ignore[no-untyped-def]
    return week_request(registry, installation, MONDAY, typical_series(registry, random.Random(seed)))


@pytest.mark.parametrize(("field", "value"), POISON, ids=[repr(v) for _, v in POISON])
def test_a_poison_resource_value_is_a_400_naming_its_field(field: str, value: str, driver: AsgiDriver,
                                                            storage: Storage, registry: Registry) -> None:
    before = table_counts(storage)
    answer = driver.post(_request(registry, Installation(**{field: value})).SerializeToString())
    assert answer.status == 400, answer.body[:200]
    assert f"printernizer.{field}" in status_pb2.Status.FromString(answer.body).message
    assert table_counts(storage) == before


@pytest.mark.parametrize("value", ["\u0662", "\u00b2", "7\n", "07", "\uff17"])
def test_a_poison_registry_version_is_a_400_not_a_500(value: str, driver: AsgiDriver, registry: Registry) -> None:
    request = week_request(registry, Installation(), MONDAY, typical_series(registry, random.Random(1)),
                           **{"printernizer.stats.registry_version": value})
    answer = driver.post(request.SerializeToString())
    assert answer.status == 400
    assert "printernizer.stats.registry_version" in status_pb2.Status.FromString(answer.body).message


@pytest.mark.parametrize("config", [ReceiverConfig(address_burst=0)])  # a collector's: everyone's address
def test_a_poison_batch_among_a_collectors_batches_fails_only_itself(driver: AsgiDriver, storage: Storage,
                                                                      registry: Registry) -> None:
    honest = [_request(registry, Installation(), seed) for seed in range(5)]
    poison = _request(registry, Installation(app_version="2.42.0\n"), 9)
    answer = driver.post(merged(*honest[:2], poison, *honest[2:]).SerializeToString())
    assert answer.status == 200
    partial = ExportMetricsServiceResponse.FromString(answer.body).partial_success
    assert partial.error_message.startswith("resource_metrics[2]: resource attribute 'printernizer.app_version'")
    assert table_counts(storage)["batches"] == 5


def _validated(registry: Registry, seed: int) -> ValidatedBatch:
    batch = validate_batch(registry, _request(registry, Installation(), seed), WINDOW)
    assert isinstance(batch, ValidatedBatch)
    return batch


def _beyond_64_bits(batch: ValidatedBatch) -> ValidatedBatch:
    """What a gap in validation would let through: a counter no 64-bit column holds (SQLite's driver raises
    OverflowError, PostgreSQL a DataError), refused before any SQL."""
    index = next(i for i, s in enumerate(batch.series) if s.sample_count is not None)
    series = list(batch.series)
    series[index] = series[index]._replace(sample_count=2**70)
    return dataclasses.replace(batch, series=tuple(series))


def _series_twice(batch: ValidatedBatch) -> ValidatedBatch:
    """A gap in validation that only the database notices: one series twice (its primary key)."""
    return dataclasses.replace(batch, series=(*batch.series, batch.series[0]))


def _installation(batch: ValidatedBatch, **changes: object) -> ValidatedBatch:
    return dataclasses.replace(batch, installation=dataclasses.replace(batch.installation, **changes))


def _too_long(batch: ValidatedBatch) -> ValidatedBatch:
    facts = tuple((name, "9999.9999.9999999" if name == "app_version" else value)
                  for name, value in batch.installation.facts)
    return dataclasses.replace(batch, installation=dataclasses.replace(batch.installation, facts=facts))


def test_a_value_longer_than_its_column_is_refused_before_any_sql(storage: Storage, registry: Registry) -> None:
    length = tables(registry)["installations"].c.app_version.type.length
    results = storage.store_many([(_validated(registry, 0), MONDAY), (_too_long(_validated(registry, 1)), MONDAY)])
    assert [r.outcome for r in results] == [Outcome.STORED, Outcome.INVALID]
    assert results[1].reason == f"installations.app_version: longer than its {length} characters"
    assert table_counts(storage)["batches"] == 1


def test_an_integer_beyond_its_column_is_refused_before_any_sql(storage: Storage, registry: Registry) -> None:
    """A 400 naming the column, on every database, instead of a driver's OverflowError or a DataError."""
    results = storage.store_many([
        (_beyond_64_bits(_validated(registry, 1)), MONDAY),
        (_installation(_validated(registry, 2), registry_version=2**31), MONDAY),
        (_validated(registry, 3), MONDAY),
    ])
    assert [r.outcome for r in results] == [Outcome.INVALID, Outcome.INVALID, Outcome.STORED]
    assert results[0].reason == ("events_summary.sample_count: outside the range of its column "
                                 f"({-2**63}..{2**63 - 1})")
    assert results[1].reason == ("installations.registry_version: outside the range of its column "
                                 f"({-2**31}..{2**31 - 1})")
    assert table_counts(storage)["batches"] == 1


def test_a_count_beyond_64_bits_is_a_400_naming_it(driver: AsgiDriver, storage: Storage, registry: Registry) -> None:
    """The largest count protobuf carries (2**64 - 1) through the route: a 400 naming it, nothing stored."""
    histogram = next(s for s in typical_series(registry, random.Random(4)) if s.bucket_counts)
    huge = Series(histogram.metric, histogram.attributes, 1.0, (2**64 - 1,) + (0,) * (len(histogram.bucket_counts) - 1))
    answer = driver.post(week_request(registry, Installation(), MONDAY, [huge]).SerializeToString())
    assert answer.status == 400, answer.body[:200]
    assert f"metric {histogram.metric!r}: count" in status_pb2.Status.FromString(answer.body).message
    assert table_counts(storage)["batches"] == 0


def test_a_database_error_of_one_batch_never_fails_its_group(storage: Storage, registry: Registry) -> None:
    """Forty honest batches and one the database refuses, written by the group writer concurrently: the
    forty are stored, the one is INVALID (a 400), nobody gets StorageUnavailable (a 503)."""
    honest = [_validated(registry, seed) for seed in range(40)]
    poison = _series_twice(_validated(registry, 99))
    writer = GroupWriter(storage)

    async def send_all() -> list[object]:
        batches = [*honest[:20], poison, *honest[20:]]
        return await asyncio.gather(*(writer.store(b, MONDAY) for b in batches), return_exceptions=True)

    results = asyncio.run(send_all())
    outcomes = [getattr(r, "outcome", r) for r in results]
    assert outcomes[20] is Outcome.INVALID
    assert outcomes[:20] + outcomes[21:] == [Outcome.STORED] * 40
    with storage.engine.connect() as connection:
        ledger = tables(registry)["batches"]
        stored = set(connection.execute(sa.select(ledger.c.batch_id)).scalars())
    assert stored == {b.batch_id for b in honest}
