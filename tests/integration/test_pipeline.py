"""End to end through the real collector: simulated installations (each its own SQLite file) -> HTTPS ->
the OpenTelemetry Collector built from collector-config/distribution running the shipped otelcol.yaml ->
recording proxy -> ``printernizer-stats serve`` (uvicorn, real socket, bearer token) -> SQLite / PostgreSQL.

The collector is stopped in the middle while clients keep sending (connection refused: their outboxes keep
the batch) and started again; in the end every batch is stored exactly once, with exactly the figures the
installations recorded, and no PII canary appears in anything the collector forwarded or the receiver stored.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import astuple
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from printernizer_stats.host.client import StatsClient
from printernizer_stats.host.sender import ACCEPTED, SenderConfig, wire_values
from printernizer_stats.maintainers.server import tables
from printernizer_stats.registry import DELETION_METRIC, Kind, Registry, cap_week_series, utc_today, week_start
from printernizer_stats_tools.collectors import OtelcolCollector
from printernizer_stats_tools.demo._receiver_process import ReceiverProcess
from printernizer_stats_tools.simulator import SimulatedInstallation, release_timeline
from tests.maintainers.collector.otelcol import Certificates, settings, start_collector
from tests.maintainers.collector.recorder import RecordingEndpoint
from tests.postgres import fresh_database
from tests.privacy.test_pii_canaries import CANARIES

pytestmark = pytest.mark.collector
INSTALLATIONS = 5
WEEKS = 4
RESTART_WEEK = 2
OPTIONS = ("--address-burst", "0", "--installation-burst", "64")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def receiver_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database for the receiver to migrate: a SQLite file, or a PostgreSQL database of our own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'receiver.db'}"
        return
    with fresh_database() as url:
        yield url


def _plant_canaries(client: StatsClient) -> None:
    """Canaries straight into attribute values and keys, metric names, error codes and routes."""
    for value in astuple(CANARIES):
        client.services.instruments.add("printernizer.jobs.events", 1, {"event": value, value: value})
        client.services.instruments.add(value, 1, {"event": "created"})
        client.record_error(value, value)
        client.services.instruments.record("http.server.request.duration", 0.1, {
            "http.route": value, "http.request.method": value, "http.response.status_code": value})


def _run_population(tmp_path: Path, collector: OtelcolCollector, ca: Path) -> list[SimulatedInstallation]:
    """Every installation lives its weeks and sends each Monday; the collector is down for one Monday."""
    tmp_path.mkdir()
    first_day = week_start(utc_today()) - timedelta(weeks=WEEKS)
    sender = SenderConfig(endpoint=collector.url, ca_file=str(ca))  # HTTPS; no token: the receiver's stays behind
    installations = [
        SimulatedInstallation(tmp_path / f"installation-{k}.db", 40 + k, first_day, sender,
                              release_timeline(first_day, WEEKS), CANARIES if k % 2 == 0 else None)
        for k in range(INSTALLATIONS)
    ]
    _plant_canaries(installations[0].client)
    for week in range(WEEKS):
        for installation in installations:
            installation.run_week()
        if week == RESTART_WEEK:
            collector.stop()  # its queue stays on disk
            refused = [a for i in installations for a in i.submit()["attempts"]]
            assert refused and all(a["outcome"] == "retry" for a in refused), refused
            collector.start()
        for installation in installations:
            assert all(a["outcome"] == ACCEPTED for a in installation.submit()["attempts"])
    for installation in installations:
        installation.close()
    return installations


def _series(request: ExportMetricsServiceRequest) -> dict[tuple[str, str], tuple[Any, ...]]:
    """(metric, attributes JSON) -> (value, sample_count, bucket_counts) of one batch, as on the wire."""
    found: dict[tuple[str, str], tuple[Any, ...]] = {}
    for metric in request.resource_metrics[0].scope_metrics[0].metrics:
        kind = metric.WhichOneof("data")
        for point in getattr(metric, kind).data_points:
            attributes = json.dumps({a.key: a.value.string_value for a in point.attributes}, sort_keys=True,
                                    separators=(",", ":"))
            if kind == "histogram":
                found[(metric.name, attributes)] = (point.sum, point.count, list(point.bucket_counts))
            else:
                found[(metric.name, attributes)] = (point.as_int, None, None)
    return found


def _stored(engine: sa.Engine, registry: Registry) -> dict[str, list[dict[str, Any]]]:
    with engine.connect() as connection:
        return {name: [dict(row) for row in connection.execute(sa.select(table)).mappings()]
                for name, table in tables(registry).items()}


def test_batches_through_the_real_collector_arrive_once_exactly_and_clean(
        registry: Registry, receiver_db: str, otelcol_binary: Path, certificates: Certificates,
        collector_factory: list[OtelcolCollector], tmp_path: Path) -> None:
    """N installations x W weeks through the shipped otelcol.yaml with a restart: each batch stored once,
    figures exact, no canary."""
    token = secrets.token_urlsafe(16)
    engine = sa.create_engine(receiver_db)
    with (ReceiverProcess(receiver_db, tmp_path / "receiver.log", token, OPTIONS) as receiver,
          RecordingEndpoint(upstream=receiver.url) as proxy):
        # The exporter queue's batching merges a Monday's batches of all installations (sent within its 1 s).
        collector = start_collector(collector_factory, otelcol_binary,
                                    settings(proxy.url, token, certificates, tmp_path / "queue"), tmp_path / "otelcol")
        installations = _run_population(tmp_path / "clients", collector, certificates.ca)
        deadline = time.monotonic() + 30  # the queue delivers after the clients' 200s
        while len(_stored(engine, registry)["batches"]) < INSTALLATIONS * WEEKS and time.monotonic() < deadline:
            time.sleep(0.2)
        collector.stop()
        forwarded = proxy.records
    try:
        rows = _stored(engine, registry)
    finally:
        engine.dispose()

    # The collector merged clients' requests, and the receiver took each batch of them on its own.
    assert all(record.status == 200 for record in forwarded)
    assert any(len(record.request().resource_metrics) > 1 for record in forwarded)
    assert all(r["authorization"] == f"Bearer {token}" for r in (record.headers for record in forwarded))

    # Each batch a client sent is in the ledger exactly once, and nothing else is.
    sent = {e.batch_id: (i, e) for i in installations for e in i.client.services.sending.outbox.sent()}
    assert len(sent) == INSTALLATIONS * WEEKS and all(e.outcome == ACCEPTED for _, e in sent.values())
    assert sorted(r["batch_id"] for r in rows["batches"]) == sorted(sent)

    # Stored rows equal, exactly, what each batch carried; which is each installation's week after the cap.
    stored: dict[tuple[str, Any], dict[tuple[str, str], tuple[Any, ...]]] = {}
    for row in rows["events_summary"]:
        buckets = json.loads(row["bucket_counts"]) if row["bucket_counts"] is not None else None
        stored.setdefault((row["installation_id"], row["period"]), {})[(row["metric"], row["attributes"])] = (
            row["value"], row["sample_count"], buckets)
    names = [n for n in registry.metrics if n != DELETION_METRIC]
    for installation, entry in sent.values():
        request = ExportMetricsServiceRequest.FromString(entry.payload)
        carried = _series(request)
        installation_id = next(a.value.string_value for a in request.resource_metrics[0].resource.attributes
                               if a.key == "printernizer.installation_id")
        period = _monday(entry.label)
        assert stored[(installation_id, period)] == carried, entry.label
        weeks = installation.client.services.weeks.values(period, period)
        recorded = cap_week_series([v for v in wire_values(registry, weeks, names) if v.week == period], registry)
        assert len(recorded) == len(carried)
        for value in recorded:
            key = (value.metric, json.dumps(dict(value.attributes), sort_keys=True, separators=(",", ":")))
            if registry.metrics[value.metric].kind is Kind.HISTOGRAM:
                assert carried[key][1:] == (sum(value.bucket_counts), list(value.bucket_counts))
                assert carried[key][0] == pytest.approx(value.value, rel=5e-3)  # three significant digits
            else:
                assert carried[key][0] == value.value
    daily = {(r["installation_id"], r["period"]): r for r in rows["daily_stats"]}
    assert set(daily) == set(stored)
    for key, series in stored.items():
        for column, (metric, _) in _figure_columns(registry).items():
            selector = registry.metrics[metric].daily_stats[column]
            expected = [v for (m, a), v in series.items() if m == metric
                        and all(json.loads(a).get(k) in allowed for k, allowed in selector.items())]
            if registry.metrics[metric].kind is Kind.GAUGE and not expected:
                assert daily[key][column] is None
            else:
                total = sum(v[1] if v[1] is not None else v[0] for v in expected)
                assert daily[key][column] == total, column

    # No canary in anything the collector forwarded, nor anywhere the receiver stored.
    wire = b"".join(record.inflated for record in forwarded)
    everything = wire + repr(rows).encode()
    if receiver_db.startswith("sqlite"):
        path = Path(receiver_db.removeprefix("sqlite:///"))
        everything += b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    for value in astuple(CANARIES):
        assert value.encode() not in everything, value


def _monday(label: str) -> date:
    year, week = label.split("-W")
    return date.fromisocalendar(int(year), int(week), 1)


def _figure_columns(registry: Registry) -> dict[str, tuple[str, Any]]:
    return {column: (name, selector) for name, spec in registry.metrics.items()
            for column, selector in spec.daily_stats.items()}
