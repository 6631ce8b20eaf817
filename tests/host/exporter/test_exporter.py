"""PrivacyFilteringMetricExporter behind a real MeterProvider and PeriodicExportingMetricReader."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricExportResult, MetricsData, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource

from printernizer_stats.host.exporter import LocalStore, PrivacyFilteringMetricExporter
from printernizer_stats.registry import OTHER, Registry

DAY = date(2026, 11, 18)


@pytest.fixture
def pipeline(tmp_path: Path, registry: Registry) -> Iterator[tuple[MeterProvider, PrivacyFilteringMetricExporter]]:
    exporter = PrivacyFilteringMetricExporter(registry, LocalStore(tmp_path / "s.db"), today=lambda: DAY)
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=10**9)
    provider = MeterProvider(metric_readers=[reader], resource=Resource({}))
    yield provider, exporter
    provider.shutdown()


def test_only_registry_data_is_stored(
    pipeline: tuple[MeterProvider, PrivacyFilteringMetricExporter], tmp_path: Path,
) -> None:
    """Undeclared metrics and attributes never reach the store; unknown values arrive as `other`."""
    provider, exporter = pipeline
    meter = provider.get_meter("host")
    jobs = meter.create_counter("printernizer.jobs.events")
    jobs.add(2, {"event": "completed", "filename": "secret.3mf"})
    jobs.add(1, {"event": "exploded"})
    meter.create_counter("printernizer.user.emails").add(1, {"email": "a@b.c"})
    meter.create_up_down_counter("printernizer.printers").add(1)
    provider.force_flush()
    stored = {(r.metric, r.attributes): r.value for r in LocalStore(tmp_path / "s.db").readings()}
    assert stored == {
        ("printernizer.jobs.events", (("event", "completed"),)): 2,
        ("printernizer.jobs.events", (("event", OTHER),)): 1,
    }
    assert exporter.dropped_readings == 1  # the up-down counter never even becomes a reading


def test_delta_exports_add_up_per_day(
    pipeline: tuple[MeterProvider, PrivacyFilteringMetricExporter], tmp_path: Path,
) -> None:
    provider, _ = pipeline
    counter = provider.get_meter("host").create_counter("printernizer.app.starts")
    for _ in range(3):
        counter.add(1)
        provider.force_flush()
    assert [r.value for r in LocalStore(tmp_path / "s.db").readings()] == [3]


def test_consent_gate_refuses_to_write(tmp_path: Path, registry: Registry) -> None:
    store = LocalStore(tmp_path / "s.db")
    exporter = PrivacyFilteringMetricExporter(registry, store, collection_allowed=lambda: False)
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=10**9)
    provider = MeterProvider(metric_readers=[reader], resource=Resource({}))
    provider.get_meter("host").create_counter("printernizer.app.starts").add(1)
    provider.shutdown()
    assert store.readings() == []


def test_corrupt_db_turns_stats_off_with_one_log_line(
    tmp_path: Path, registry: Registry, captured_logs: list[dict[str, object]],
) -> None:
    """A corrupt file: export reports FAILURE, never raises, logs once, and stays off."""
    path = tmp_path / "s.db"
    path.write_bytes(b"\x00garbage" * 512)
    reasons: list[str] = []
    exporter = PrivacyFilteringMetricExporter(registry, LocalStore(path), on_unavailable=reasons.append)
    empty = MetricsData(resource_metrics=[])
    assert exporter.export(empty) is MetricExportResult.FAILURE
    assert exporter.export(empty) is MetricExportResult.FAILURE
    assert len(reasons) == 1 and "DatabaseError" in reasons[0]
    off_lines = [log for log in captured_logs if log["event"] == "usage_stats.off"]
    assert len(off_lines) == 1
    assert str(tmp_path) not in str(off_lines[0])


def test_read_only_dir_turns_stats_off(read_only_dir: Path, registry: Registry) -> None:
    exporter = PrivacyFilteringMetricExporter(registry, LocalStore(read_only_dir / "s.db"))
    assert exporter.export(MetricsData(resource_metrics=[])) is MetricExportResult.FAILURE
    assert exporter.unavailable_reason is not None
