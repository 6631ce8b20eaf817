"""Event bus adapter: Printernizer event names to counter increments, never reading sensitive fields."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.resources import Resource

from printernizer_stats.instrumentation import EVENT_HANDLERS, EventBusAdapter, UsageInstruments, record_error
from printernizer_stats.registry import Registry
from printernizer_stats.simulator import StandInEventBus


def _collect(reader: InMemoryMetricReader) -> dict[tuple[str, tuple[tuple[str, Any], ...]], float]:
    data = reader.get_metrics_data()
    out: dict[tuple[str, tuple[tuple[str, Any], ...]], float] = {}
    for rm in data.resource_metrics if data else []:
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                for point in metric.data.data_points:
                    out[(metric.name, tuple(sorted((point.attributes or {}).items())))] = point.value
    return out


@pytest.fixture
def bound(registry: Registry) -> tuple[UsageInstruments, InMemoryMetricReader]:
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader], resource=Resource({}))
    instruments = UsageInstruments(registry)
    instruments.bind(provider.get_meter("t"))
    return instruments, reader


def test_every_handled_event_name_maps_to_registry_metrics(registry: Registry) -> None:
    """No handler can produce a metric the registry does not declare."""
    for name, handler in EVENT_HANDLERS.items():
        for metric, attributes in handler({"status": "failed", "old_status": "printing"}):
            assert metric in registry.metrics, name
            assert set(attributes) <= set(registry.metrics[metric].attributes), name


def test_events_become_counts(bound: tuple[UsageInstruments, InMemoryMetricReader]) -> None:
    instruments, reader = bound
    bus = StandInEventBus()
    EventBusAdapter(instruments).attach(bus)
    bus.emit("job_created", {"job_id": 1, "printer_id": "Jane's X1C", "job_name": "secret.3mf"})
    bus.emit("job_status_changed", {"status": "completed", "old_status": "printing"})
    bus.emit("job_status_changed", {"status": "completed", "old_status": "completed"})
    bus.emit("file_download_failed", {"filename": "x.gcode", "error": "timeout to 10.0.0.7"})
    bus.emit("not_an_event", {"x": 1})
    got = _collect(reader)
    assert got[("printernizer.jobs.events", (("event", "created"),))] == 1
    assert got[("printernizer.jobs.events", (("event", "completed"),))] == 1
    assert got[("printernizer.errors", (("component", "file"), ("error_type", "file_download")))] == 1
    assert ("printernizer.files.transfers", (("direction", "download"), ("result", "failed"))) in got


def test_payload_fields_never_become_attributes(bound: tuple[UsageInstruments, InMemoryMetricReader]) -> None:
    instruments, reader = bound
    adapter = EventBusAdapter(instruments)
    secret = "192.168.1.77"
    for name in EVENT_HANDLERS:
        adapter.handle(name, {"status": secret, "filename": secret, "printer_id": secret, "message": secret})
    assert secret not in repr(_collect(reader))


HOSTILE_PAYLOADS: list[dict[str, Any]] = [
    {},
    {"status": object(), "error_type": 3, "component": None, "printer_type": [], "direction": {}, "result": 1.5},
]


@pytest.mark.parametrize("payload", HOSTILE_PAYLOADS)
def test_every_handler_maps_any_payload_without_raising(payload: dict[str, Any]) -> None:
    """The handlers themselves take any payload: ``handle()``'s catch-all is the last line, not the mechanism."""
    for name, handler in EVENT_HANDLERS.items():
        for metric, attributes in handler(payload):
            assert metric.startswith("printernizer."), name
            assert all(isinstance(value, str) for value in attributes.values()), name


def test_bad_events_record_nothing_and_leave_the_adapter_working(
    bound: tuple[UsageInstruments, InMemoryMetricReader],
) -> None:
    instruments, reader = bound
    adapter = EventBusAdapter(instruments)
    adapter.handle("job_status_changed", None)
    adapter.handle("job_status_changed", {"status": object()})
    assert _collect(reader) == {} and instruments.ignored == 0
    adapter.handle("unknown", {})
    assert instruments.ignored == 1
    adapter.handle("job_created", {})
    assert _collect(reader) == {("printernizer.jobs.events", (("event", "created"),)): 1}


def test_async_bus_and_detach(bound: tuple[UsageInstruments, InMemoryMetricReader]) -> None:
    import asyncio

    instruments, reader = bound
    bus = StandInEventBus()
    adapter = EventBusAdapter(instruments)
    adapter.attach(bus)
    assert bus.subscriber_count() == len(EVENT_HANDLERS)
    asyncio.run(bus.emit_event("printer_connected", {"printer_id": "p", "name": "n"}))
    adapter.detach()
    assert bus.subscriber_count() == 0
    asyncio.run(bus.emit_event("printer_connected", {}))
    assert _collect(reader)[("printernizer.printers.connection_events", (("event", "connected"),))] == 1


def test_record_error_lowercases_codes(bound: tuple[UsageInstruments, InMemoryMetricReader]) -> None:
    instruments, reader = bound
    record_error(instruments, "VALIDATION_ERROR", "API")
    assert _collect(reader)[("printernizer.errors", (("component", "api"), ("error_type", "validation")))] == 1
