"""``Storage``: batches stored once (also under concurrency), deletion at once with an anonymous tombstone."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from printernizer_stats.maintainers.server import (
    Outcome,
    Storage,
    StorageUnavailable,
    TimeWindow,
    ValidatedBatch,
    create_engine,
    validate_batch,
)
from printernizer_stats.registry import Registry, to_unix_nano
from tests.maintainers.server.batches import MONDAY, Installation, deletion_request, typical_series, week_request
from tests.maintainers.server.conftest import all_rows, table_counts

WINDOW = TimeWindow(to_unix_nano(MONDAY + timedelta(days=9)))


def _batch(registry: Registry, installation: Installation, weeks_ago: int = 0) -> ValidatedBatch:
    monday = MONDAY - timedelta(weeks=weeks_ago)
    batch = validate_batch(registry, week_request(registry, installation, monday,
                                                  typical_series(registry, random.Random(weeks_ago))), WINDOW)
    assert isinstance(batch, ValidatedBatch)
    return batch


def _deletion(registry: Registry, installation: Installation) -> ValidatedBatch:
    batch = validate_batch(registry, deletion_request(registry, installation), WINDOW)
    assert isinstance(batch, ValidatedBatch)
    return batch


def test_stored_rows_match_the_batch(storage: Storage, registry: Registry) -> None:
    """One batch writes one installation, one daily_stats row with the registry's figures, one row per series."""
    installation = Installation(deployment_mode="homeassistant", country_code="AT")
    batch = _batch(registry, installation)
    result = storage.store(batch, MONDAY + timedelta(days=8))
    assert result.outcome is Outcome.STORED
    rows = all_rows(storage)
    daily = rows["daily_stats"][0]
    jobs = {dict(s.attributes)["event"]: s.value for s in batch.series if s.metric == "printernizer.jobs.events"}
    assert daily["jobs_created"] == jobs["created"] and daily["jobs_completed"] == jobs["completed"]
    assert daily["deployment_mode"] == "homeassistant" and daily["country_code"] == "AT"
    assert rows["installations"][0]["first_week"] == rows["installations"][0]["last_week"] == MONDAY
    assert len(rows["events_summary"]) == len(batch.series)
    histogram = next(r for r in rows["events_summary"] if r["metric"] == "http.server.request.duration")
    assert histogram["sample_count"] == sum(map(int, histogram["bucket_counts"].strip("[]").split(",")))
    assert rows["batches"][0]["received_week"] == MONDAY + timedelta(days=7)


def test_a_batch_is_stored_once(storage: Storage, registry: Registry) -> None:
    """Storing the same batch again writes nothing and returns the first receipt."""
    batch = _batch(registry, Installation())
    first = storage.store(batch, MONDAY)
    counts = table_counts(storage)
    second = storage.store(batch, MONDAY)
    assert second.outcome is Outcome.DUPLICATE and second.receipt == first.receipt
    assert table_counts(storage) == counts


def test_a_split_batch_is_a_conflict_not_a_silent_duplicate(storage: Storage, registry: Registry) -> None:
    """The rest of a batch arriving under a stored batch id (a collector split it) stores nothing, as CONFLICT."""
    installation = Installation()
    series = typical_series(registry, random.Random(1))
    head = validate_batch(registry, week_request(registry, installation, MONDAY, series[:10]), WINDOW)
    tail = validate_batch(registry, week_request(registry, installation, MONDAY, series[10:]), WINDOW)
    assert isinstance(head, ValidatedBatch) and isinstance(tail, ValidatedBatch)
    first = storage.store(head, MONDAY)
    counts = table_counts(storage)
    second = storage.store(tail, MONDAY)
    assert second.outcome is Outcome.CONFLICT and second.receipt == first.receipt
    assert table_counts(storage) == counts
    both = storage.store_many([(head, MONDAY), (tail, MONDAY)])
    assert [r.outcome for r in both] == [Outcome.DUPLICATE, Outcome.CONFLICT]


def test_concurrent_copies_are_stored_once(storage: Storage, registry: Registry) -> None:
    """Eight threads storing the same batch at once: one stores it, the others get its receipt."""
    batch = _batch(registry, Installation())
    results = []
    barrier = threading.Barrier(8)

    def store() -> None:
        barrier.wait()
        results.append(storage.store(batch, MONDAY))

    threads = [threading.Thread(target=store) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.outcome.value for r in results) == ["duplicate"] * 7 + ["stored"]
    assert len({r.receipt for r in results}) == 1
    assert table_counts(storage)["daily_stats"] == 1


def test_deletion_removes_every_row_of_the_installation(storage: Storage, registry: Registry) -> None:
    """Deletion leaves other installations alone and keeps only a tombstone without installation or week."""
    gone, kept = Installation(), Installation()
    for weeks_ago in range(4):
        storage.store(_batch(registry, gone, weeks_ago), MONDAY)
    storage.store(_batch(registry, kept), MONDAY)
    result = storage.store(_deletion(registry, gone), MONDAY)
    assert result.outcome is Outcome.DELETED
    rows = all_rows(storage)
    assert gone.installation_id not in repr(rows)
    assert {r["installation_id"] for r in rows["daily_stats"]} == {kept.installation_id}
    assert [(r["kind"], r["installation_id"], r["period"]) for r in rows["batches"] if r["kind"] == "deletion"] == [
        ("deletion", None, None)]


def test_a_deleted_installation_is_not_brought_back(storage: Storage, registry: Registry) -> None:
    """An old weekly batch resent after the deletion stores nothing; a resent deletion gets the same receipt."""
    installation = Installation()
    batch = _batch(registry, installation)
    storage.store(batch, MONDAY)
    deleted = storage.store(_deletion(registry, installation), MONDAY)
    counts = table_counts(storage)
    assert storage.store(batch, MONDAY).outcome is Outcome.REFUSED_DELETED
    again = storage.store(_deletion(registry, installation), MONDAY)
    assert again.receipt == deleted.receipt
    assert table_counts(storage) == counts == {"installations": 0, "daily_stats": 0, "events_summary": 0,
                                               "batches": 1}


def test_unreachable_database_raises_storage_unavailable(registry: Registry, tmp_path) -> None:
    """A database without the receiver's tables (or unreachable) is reported as unavailable, not crashed on."""
    store = Storage(create_engine(f"sqlite:///{tmp_path / 'empty.db'}"), registry)
    with pytest.raises(StorageUnavailable):
        store.store(_batch(registry, Installation()), MONDAY)
    assert store.healthy()
    store.close()
    broken = Storage(create_engine("postgresql://nobody@127.0.0.1:1/none"), registry)
    assert not broken.healthy()
    with pytest.raises(StorageUnavailable):
        broken.store(_batch(registry, Installation()), MONDAY)


def test_receipt_is_the_hash_of_the_stored_rows(storage: Storage, registry: Registry) -> None:
    """Two different batches get different receipts; the same batch content always the same."""
    a, b = _batch(registry, Installation()), _batch(registry, Installation())
    ra, rb = storage.store(a, MONDAY), storage.store(b, MONDAY)
    assert ra.receipt != rb.receipt
    with storage.engine.connect() as connection:
        stored = dict(connection.execute(sa.text("SELECT batch_id, receipt FROM batches")).all())
    assert stored == {a.batch_id: ra.receipt, b.batch_id: rb.receipt}
