"""``GroupWriter`` and ``Storage.store_many``: group commit with the outcomes of one-by-one stores."""

from __future__ import annotations

import asyncio
import random
from datetime import date, timedelta

import pytest

from printernizer_stats.maintainers.server import (
    Outcome,
    Storage,
    StorageUnavailable,
    TimeWindow,
    ValidatedBatch,
    validate_batch,
)
from printernizer_stats.maintainers.server._engine import create_engine
from printernizer_stats.maintainers.server._installations import merge_installations
from printernizer_stats.maintainers.server._writer import GroupWriter
from printernizer_stats.registry import Registry, to_unix_nano
from tests.maintainers.server.batches import MONDAY, Installation, deletion_request, typical_series, week_request
from tests.maintainers.server.conftest import table_counts

WINDOW = TimeWindow(to_unix_nano(MONDAY + timedelta(days=9)))


def _batch(registry: Registry, installation: Installation, weeks_ago: int = 0) -> ValidatedBatch:
    request = week_request(registry, installation, MONDAY - timedelta(weeks=weeks_ago),
                           typical_series(registry, random.Random(weeks_ago)))
    batch = validate_batch(registry, request, WINDOW)
    assert isinstance(batch, ValidatedBatch)
    return batch


def test_a_group_gets_the_outcomes_of_one_by_one_stores(storage: Storage, registry: Registry) -> None:
    """In one group: new batches are stored, a copy of one is a duplicate with its receipt, and a batch whose
    installation asked for deletion is refused."""
    gone, kept = Installation(), Installation()
    storage.store(validate_batch(registry, deletion_request(registry, gone), WINDOW), MONDAY)  # type: ignore[arg-type]
    first = _batch(registry, kept)
    results = storage.store_many([(first, MONDAY), (_batch(registry, kept, 1), MONDAY), (first, MONDAY),
                                  (_batch(registry, gone), MONDAY)])
    assert [r.outcome for r in results] == [Outcome.STORED, Outcome.STORED, Outcome.DUPLICATE,
                                            Outcome.REFUSED_DELETED]
    assert results[2].receipt == results[0].receipt
    counts = table_counts(storage)
    assert counts["daily_stats"] == 2 and counts["installations"] == 1


def test_one_installation_twice_in_a_group_keeps_its_span(storage: Storage, registry: Registry) -> None:
    """Two weeks of one installation in one group leave one installations row spanning both."""
    installation = Installation()
    storage.store_many([(_batch(registry, installation, 0), MONDAY), (_batch(registry, installation, 3), MONDAY)])
    with storage.engine.connect() as connection:
        row = connection.exec_driver_sql("SELECT first_week, last_week FROM installations").one()
    assert [str(value) for value in row] == [str(MONDAY - timedelta(weeks=3)), str(MONDAY)]


def test_merge_installations_keeps_the_latest_facts() -> None:
    """Rows of one installation merge into its earliest first week, latest last week and the latest facts."""
    received = {"first_received_week": date(2026, 11, 16), "last_received_week": date(2026, 11, 16)}
    rows = [{"installation_id": "a", "first_week": date(2026, 11, 9), "last_week": date(2026, 11, 9),
             **received, "app_version": "2.41.0"},
            {"installation_id": "a", "first_week": date(2026, 11, 2), "last_week": date(2026, 11, 2),
             "first_received_week": date(2026, 11, 23), "last_received_week": date(2026, 11, 23),
             "app_version": "2.40.0"}]
    assert merge_installations(rows) == [{"installation_id": "a", "first_week": date(2026, 11, 2),
                                          "last_week": date(2026, 11, 9), "first_received_week": date(2026, 11, 16),
                                          "last_received_week": date(2026, 11, 23), "app_version": "2.41.0"}]


def test_concurrent_requests_share_transactions(storage: Storage, registry: Registry) -> None:
    """Forty batches stored at once through the writer are all stored, in fewer transactions than batches."""
    writer = GroupWriter(storage, max_group=16)
    calls: list[int] = []
    original = storage.store_many
    storage.store_many = lambda items: calls.append(len(items)) or original(items)  # type: ignore[method-assign]
    batches = [_batch(registry, Installation()) for _ in range(40)]

    async def store_all() -> list[Outcome]:
        results = await asyncio.gather(*(writer.store(batch, MONDAY) for batch in batches))
        return [result.outcome for result in results]

    assert asyncio.run(store_all()) == [Outcome.STORED] * 40
    assert sum(calls) == 40 and len(calls) < 40 and max(calls) <= 16
    assert table_counts(storage)["daily_stats"] == 40


def test_a_failed_group_fails_every_waiting_request(registry: Registry, tmp_path) -> None:
    """When the database fails, every batch of the group gets StorageUnavailable (a 503), none hangs."""
    storage = Storage(create_engine(f"sqlite:///{tmp_path / 'unmigrated.db'}"), registry)
    writer = GroupWriter(storage)

    async def store_two() -> list[BaseException | object]:
        return await asyncio.gather(*(writer.store(_batch(registry, Installation()), MONDAY) for _ in range(2)),
                                    return_exceptions=True)

    assert all(isinstance(result, StorageUnavailable) for result in asyncio.run(store_two()))
    storage.close()


def test_group_size_must_be_positive(storage: Storage) -> None:
    """A writer that could never write is a configuration error."""
    with pytest.raises(ValueError, match="max_group"):
        GroupWriter(storage, max_group=0)
