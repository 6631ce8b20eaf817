"""Interop: the official OTel Python SDK and its OTLP/HTTP (protobuf) exporter, against the receiver on a socket."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceResponse
from opentelemetry.sdk.metrics import Counter, MeterProvider
from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader, MetricExportResult
from opentelemetry.sdk.resources import Resource

from printernizer_stats.contract import BATCH_ID_HEADER, RECEIPT_HEADER
from printernizer_stats.host.sender import Identity
from printernizer_stats.maintainers.server import ReceiverConfig, Storage, create_app
from printernizer_stats.registry import SCOPE_NAME, Registry, new_secret, utc_today, week_label, week_start
from tests.maintainers.server.conftest import all_rows
from tests.maintainers.server.live import serve_in_thread


def _plan_resource(installation_id: str) -> Resource:
    """A resource with the plan's fields, built by hand (Resource.create() would add host attributes)."""
    label = week_label(week_start(utc_today()))
    batch_id = uuid.uuid5(uuid.NAMESPACE_URL, f"printernizer-stats:{installation_id}:{label}")
    return Resource({
        "printernizer.installation_id": installation_id, "printernizer.app_version": "2.42.0",
        "printernizer.deployment_mode": "homeassistant", "printernizer.country_code": "DE",
        "printernizer.python_version": "3.11", "printernizer.platform": "linux",
        "printernizer.stats.registry_version": "1",
        "printernizer.stats.batch_id": str(batch_id),
        # A stock SDK carries the proof as any resource attribute (registry _identity).
        **Identity(new_secret()).credentials(str(batch_id)),
    })


@pytest.fixture
def endpoint(storage: Storage) -> Iterator[str]:
    with serve_in_thread(create_app(ReceiverConfig(), storage=storage)) as base:
        yield f"{base}/v1/metrics"


def _export(endpoint: str, record: str, temporality: AggregationTemporality = AggregationTemporality.DELTA,
            ) -> tuple[MetricExportResult, requests.Response]:
    installation_id = str(uuid.uuid4())
    reader = InMemoryMetricReader(preferred_temporality={Counter: temporality})
    provider = MeterProvider(metric_readers=[reader], resource=_plan_resource(installation_id))
    meter = provider.get_meter(SCOPE_NAME, "1")
    if record in {"registry", "both"}:
        meter.create_counter("printernizer.jobs.events", unit="{job}").add(3, {"event": "completed"})
        meter.create_observable_gauge("printernizer.printers", unit="{printer}",
                                      callbacks=[lambda _options: []])
    if record in {"outside", "both"}:
        meter.create_counter("printernizer.filenames", unit="{file}").add(1, {"name": "benchy.3mf"})
    data = reader.get_metrics_data()
    provider.shutdown()
    responses: list[requests.Response] = []
    session = requests.Session()
    session.hooks["response"].append(lambda response, *args, **kwargs: responses.append(response))
    exporter = OTLPMetricExporter(endpoint=endpoint, compression=Compression.Gzip, session=session)
    result = exporter.export(data)
    exporter.shutdown()
    return result, responses[-1]


def test_sdk_export_of_a_registry_metric_succeeds(endpoint: str, storage: Storage) -> None:
    """The stock exporter, gzip, with the plan's resource and a registry counter: success, stored, receipt sent."""
    result, response = _export(endpoint, "registry")
    assert result is MetricExportResult.SUCCESS
    assert response.status_code == 200 and len(response.headers[RECEIPT_HEADER]) == 64
    rows = all_rows(storage)
    assert [(r["metric"], r["attributes"], r["value"]) for r in rows["events_summary"]] == [
        ("printernizer.jobs.events", '{"event":"completed"}', 3.0)]
    assert rows["daily_stats"][0]["jobs_completed"] == 3
    assert rows["batches"][0]["batch_id"] == response.headers[BATCH_ID_HEADER]


def test_sdk_metric_outside_the_registry_is_rejected_with_a_reason(endpoint: str, storage: Storage) -> None:
    """A metric the registry does not know is refused (alone: 400) or rejected (beside others: partial success)."""
    result, response = _export(endpoint, "outside")
    assert result is MetricExportResult.FAILURE
    assert response.status_code == 400 and b"'printernizer.filenames': not in the registry" in response.content
    result, response = _export(endpoint, "both")
    assert result is MetricExportResult.SUCCESS
    partial = ExportMetricsServiceResponse.FromString(response.content).partial_success
    assert partial.rejected_data_points == 1 and "printernizer.filenames" in partial.error_message
    assert "benchy" not in repr(all_rows(storage))


def test_sdk_default_cumulative_temporality_is_refused_with_the_fix(endpoint: str, registry: Registry) -> None:
    """The SDK's default (cumulative) counter is refused, the reason saying what the receiver expects."""
    result, response = _export(endpoint, "registry", AggregationTemporality.CUMULATIVE)
    assert result is MetricExportResult.FAILURE
    assert b"monotonic DELTA Sum" in response.content
