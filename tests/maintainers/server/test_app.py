"""The receiver over HTTP (in-process ASGI): answers, receipts, partial success, deletion, limits."""

from __future__ import annotations

import json
import random
from datetime import timedelta

import pytest
from google.protobuf import json_format
from google.rpc import status_pb2
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceResponse

from printernizer_stats.contract import BATCH_ID_HEADER, RECEIPT_HEADER
from printernizer_stats.maintainers.server import ReceiverConfig, Storage, create_app
from printernizer_stats.registry import Registry
from tests.maintainers.server.asgi import AsgiDriver
from tests.maintainers.server.batches import (
    MONDAY,
    Installation,
    Series,
    batch_id,
    deletion_request,
    gzipped,
    merged,
    typical_series,
    week_request,
)
from tests.maintainers.server.conftest import NOW, all_rows, table_counts


def _week(registry: Registry, installation: Installation | None = None, monday=MONDAY, series=None):
    installation = installation or Installation()
    return week_request(registry, installation, monday, series or typical_series(registry, random.Random(3)))


def _status(body: bytes) -> str:
    return status_pb2.Status.FromString(body).message


def test_valid_gzipped_batch_is_stored_with_a_receipt(driver: AsgiDriver, storage: Storage, registry: Registry) -> None:
    """A client's batch (protobuf, gzip) answers 200 with an empty ExportMetricsServiceResponse and the receipt."""
    installation = Installation()
    request = _week(registry, installation)
    answer = driver.post(gzipped(request), gzip=True)
    assert answer.status == 200, answer.body
    assert answer.headers["content-type"] == "application/x-protobuf"
    assert not ExportMetricsServiceResponse.FromString(answer.body).HasField("partial_success")
    assert answer.headers[BATCH_ID_HEADER.lower()] == batch_id(installation.installation_id, "2026-W47")
    rows = all_rows(storage)
    assert len(rows["daily_stats"]) == 1 and rows["daily_stats"][0]["period"] == MONDAY
    assert len(rows["events_summary"]) == len(typical_series(registry, random.Random(3)))
    assert rows["batches"][0]["receipt"] == answer.headers[RECEIPT_HEADER.lower()]
    assert len(answer.headers[RECEIPT_HEADER.lower()]) == 64


def test_json_batch_gets_a_json_answer(driver: AsgiDriver, storage: Storage, registry: Registry) -> None:
    """OTLP JSON is accepted and answered in JSON."""
    body = json_format.MessageToJson(_week(registry)).encode()
    answer = driver.post(body, content_type="application/json; charset=utf-8")
    assert answer.status == 200, answer.body
    assert answer.headers["content-type"] == "application/json"
    assert json.loads(answer.body) == {}
    assert table_counts(storage)["daily_stats"] == 1


def test_resent_batch_is_stored_once_with_the_same_receipt(driver: AsgiDriver, storage: Storage,
                                                          registry: Registry) -> None:
    """A batch resent after a lost answer is answered 200 with the first receipt and stored once."""
    body = gzipped(_week(registry))
    first, second = driver.post(body, gzip=True), driver.post(body, gzip=True)
    assert first.status == second.status == 200
    assert first.headers[RECEIPT_HEADER.lower()] == second.headers[RECEIPT_HEADER.lower()]
    assert table_counts(storage) == {"installations": 1, "daily_stats": 1,
                                     "events_summary": len(typical_series(registry, random.Random(3))),
                                     "batches": 1}


def test_invalid_points_are_reported_as_partial_success(driver: AsgiDriver, storage: Storage,
                                                        registry: Registry) -> None:
    """Valid points are stored; rejected ones are counted and named in partial_success."""
    series = [Series("printernizer.jobs.events", {"event": "completed"}, 4),
              Series("printernizer.jobs.events", {"event": "benchy.3mf"}, 1),
              Series("printernizer.uptime", {}, 9)]
    answer = driver.post(_week(registry, series=series).SerializeToString())
    assert answer.status == 200
    partial = ExportMetricsServiceResponse.FromString(answer.body).partial_success
    assert partial.rejected_data_points == 2
    assert "attribute 'event'" in partial.error_message and "printernizer.uptime" in partial.error_message
    assert [row["metric"] for row in all_rows(storage)["events_summary"]] == ["printernizer.jobs.events"]


def test_invalid_resource_is_a_400_naming_the_field(driver: AsgiDriver, storage: Storage, registry: Registry) -> None:
    """A batch whose installation id is not a uuid4 is refused whole, nothing stored."""
    installation = Installation(installation_id="not-a-uuid")
    answer = driver.post(_week(registry, installation).SerializeToString())
    assert answer.status == 400
    assert "printernizer.installation_id" in _status(answer.body)
    assert sum(table_counts(storage).values()) == 0


def test_deletion_request_deletes_every_row_at_once(driver: AsgiDriver, storage: Storage, registry: Registry) -> None:
    """After weekly batches, a deletion request leaves nothing of the installation but the anonymous tombstone."""
    installation, other = Installation(), Installation()
    for week in range(3):
        monday = MONDAY - timedelta(weeks=week)
        assert driver.post(_week(registry, installation, monday).SerializeToString()).status == 200
    assert driver.post(_week(registry, other).SerializeToString()).status == 200
    answer = driver.post(deletion_request(registry, installation).SerializeToString())
    assert answer.status == 200
    assert answer.headers[BATCH_ID_HEADER.lower()] == batch_id(installation.installation_id, "deletion")
    rows = all_rows(storage)
    text = repr(rows)
    assert installation.installation_id not in text
    assert other.installation_id in text
    tombstones = [row for row in rows["batches"] if row["kind"] == "deletion"]
    assert tombstones == [{**tombstones[0], "installation_id": None, "period": None}]
    again = driver.post(deletion_request(registry, installation).SerializeToString())
    assert again.status == 200 and again.headers[RECEIPT_HEADER.lower()] == answer.headers[RECEIPT_HEADER.lower()]


def test_late_batch_of_a_deleted_installation_stores_nothing(driver: AsgiDriver, storage: Storage,
                                                             registry: Registry) -> None:
    """A weekly batch arriving after its installation's deletion request is answered but not stored."""
    installation = Installation()
    assert driver.post(deletion_request(registry, installation).SerializeToString()).status == 200
    before = table_counts(storage)
    answer = driver.post(_week(registry, installation).SerializeToString())
    assert answer.status == 200
    partial = ExportMetricsServiceResponse.FromString(answer.body).partial_success
    assert "deletion" in partial.error_message and partial.rejected_data_points > 0
    assert table_counts(storage) == before


def test_installation_rate_limit_admits_an_outbox_then_429(storage: Storage, registry: Registry) -> None:
    """Ten batches of one installation pass at once (a returning client's outbox); the eleventh gets 429."""
    driver = AsgiDriver(create_app(ReceiverConfig(), storage=storage, now=lambda: NOW))
    installation = Installation()
    answers = [driver.post(_week(registry, installation, MONDAY - timedelta(weeks=w)).SerializeToString())
               for w in range(11)]
    assert [a.status for a in answers[:10]] == [200] * 10
    assert answers[10].status == 429
    assert int(answers[10].headers["retry-after"]) >= 1
    assert "installation" in _status(answers[10].body)


def test_healthz_reports_storage(driver: AsgiDriver) -> None:
    """GET /healthz answers 200 when the database answers."""
    answer = driver.request("GET", "/healthz")
    assert answer.status == 200 and json.loads(answer.body)["status"] == "ok"


@pytest.mark.parametrize("content_type", ["text/plain", "", "application/x-www-form-urlencoded"])
def test_wrong_content_type_is_415(driver: AsgiDriver, content_type: str) -> None:
    """Bodies that are neither OTLP protobuf nor OTLP JSON are refused with 415."""
    assert driver.post(b"hello", content_type=content_type).status == 415


def test_deletion_is_never_rate_limited_per_installation(storage: Storage, registry: Registry) -> None:
    """An installation that used up its batches can still ask for deletion."""
    driver = AsgiDriver(create_app(ReceiverConfig(installation_burst=1), storage=storage, now=lambda: NOW))
    installation = Installation()
    assert driver.post(_week(registry, installation).SerializeToString()).status == 200
    assert driver.post(_week(registry, installation, MONDAY - timedelta(weeks=1)).SerializeToString()).status == 429
    assert driver.post(deletion_request(registry, installation).SerializeToString()).status == 200
    assert installation.installation_id not in repr(all_rows(storage))


def test_storage_outage_is_a_503_with_retry_after(registry: Registry, tmp_path) -> None:
    """A database without the receiver's tables answers 503 Retry-After, not 500, and /healthz still answers."""
    from printernizer_stats.maintainers.server import create_engine

    broken = Storage(create_engine(f"sqlite:///{tmp_path / 'unmigrated.db'}"), registry)
    driver = AsgiDriver(create_app(ReceiverConfig(), storage=broken, now=lambda: NOW))
    answer = driver.post(_week(registry).SerializeToString())
    assert answer.status == 503 and answer.headers["retry-after"] == "30"
    assert "storage unavailable" in _status(answer.body)
    broken.close()


def test_configured_token_guards_metrics_but_not_health(storage: Storage, registry: Registry) -> None:
    """With a token, POST /v1/metrics needs it (401 otherwise, nothing stored); /healthz stays open."""
    driver = AsgiDriver(create_app(ReceiverConfig(token="s3cret"), storage=storage, now=lambda: NOW))
    body = _week(registry).SerializeToString()
    assert driver.post(body).status == 401
    assert sum(table_counts(storage).values()) == 0
    assert driver.post(body, authorization="Bearer s3cret").status == 200
    assert driver.request("GET", "/healthz").status == 200


def test_a_collectors_merged_request_stores_each_batch_on_its_own(driver: AsgiDriver, storage: Storage,
                                                                  registry: Registry) -> None:
    """Three clients' batches in one request (a collector's batch): three ledger rows, 200 without receipt."""
    installations = [Installation() for _ in range(3)]
    request = merged(*(_week(registry, i) for i in installations))
    answer = driver.post(gzipped(request), gzip=True)
    assert answer.status == 200, _status(answer.body)
    assert not ExportMetricsServiceResponse.FromString(answer.body).HasField("partial_success")
    assert BATCH_ID_HEADER.lower() not in answer.headers and RECEIPT_HEADER.lower() not in answer.headers
    rows = all_rows(storage)
    assert sorted(r["batch_id"] for r in rows["batches"]) == sorted(
        batch_id(i.installation_id, "2026-W47") for i in installations)
    assert len(rows["daily_stats"]) == 3
    again = driver.post(gzipped(request), gzip=True)
    assert again.status == 200 and table_counts(storage)["batches"] == 3


def test_one_bad_batch_in_a_merged_request_spoils_no_other(driver: AsgiDriver, storage: Storage,
                                                           registry: Registry) -> None:
    """A refused batch among valid ones: the others are stored, partial_success names it and counts its points."""
    good, bad = Installation(), Installation(installation_id="not-a-uuid")
    request = merged(_week(registry, good), _week(registry, bad), deletion_request(registry, Installation()))
    answer = driver.post(request.SerializeToString())
    assert answer.status == 200, _status(answer.body)
    partial = ExportMetricsServiceResponse.FromString(answer.body).partial_success
    assert partial.rejected_data_points == len(typical_series(registry, random.Random(3)))
    assert partial.error_message.startswith("resource_metrics[1]: resource attribute 'printernizer.installation_id'")
    rows = all_rows(storage)
    assert [r["installation_id"] for r in rows["daily_stats"]] == [good.installation_id]
    assert sorted(r["kind"] for r in rows["batches"]) == ["deletion", "weekly"]


def test_a_merged_request_of_refused_batches_is_a_400_naming_each(driver: AsgiDriver, storage: Storage,
                                                                  registry: Registry) -> None:
    """When no batch of a merged request can be stored, the answer is 400 with each batch's reason."""
    request = merged(_week(registry, Installation(country_code="Germany")), _week(registry, Installation(platform="")))
    answer = driver.post(request.SerializeToString())
    assert answer.status == 400
    reason = _status(answer.body)
    assert "resource_metrics[0]: resource attribute 'printernizer.country_code'" in reason
    assert "resource_metrics[1]: resource attribute 'printernizer.platform'" in reason
    assert sum(table_counts(storage).values()) == 0


def test_a_rate_limited_batch_makes_the_merged_request_429_after_storing_the_others(
        storage: Storage, registry: Registry) -> None:
    """One installation over its limit: the request's other batches are stored, the answer is 429 to retry."""
    driver = AsgiDriver(create_app(ReceiverConfig(installation_burst=1), storage=storage, now=lambda: NOW))
    busy, other = Installation(), Installation()
    assert driver.post(_week(registry, busy, MONDAY - timedelta(weeks=1)).SerializeToString()).status == 200
    answer = driver.post(merged(_week(registry, busy), _week(registry, other)).SerializeToString())
    assert answer.status == 429 and int(answer.headers["retry-after"]) >= 1
    rows = all_rows(storage)
    assert sorted((r["installation_id"], r["period"]) for r in rows["daily_stats"]) == sorted(
        [(busy.installation_id, MONDAY - timedelta(weeks=1)), (other.installation_id, MONDAY)])


def test_a_batch_split_by_a_collector_is_reported_not_lost_silently(driver: AsgiDriver, storage: Storage,
                                                                    registry: Registry) -> None:
    """The second half of a batch split in two requests stores nothing and is reported as a conflict."""
    installation = Installation()
    series = typical_series(registry, random.Random(3))
    head = week_request(registry, installation, MONDAY, series[:10])
    tail = week_request(registry, installation, MONDAY, series[10:])
    assert driver.post(head.SerializeToString()).status == 200
    answer = driver.post(merged(tail, _week(registry)).SerializeToString())
    assert answer.status == 200
    partial = ExportMetricsServiceResponse.FromString(answer.body).partial_success
    assert partial.rejected_data_points == len(series) - 10
    assert "resource_metrics[0]: this batch id is already stored with other content" in partial.error_message
    assert table_counts(storage)["events_summary"] == 10 + len(series)
