"""Event bus adapter: Printernizer event names to counter increments, never reading sensitive fields."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.resources import Resource

from printernizer_stats.host.instrumentation import EventBusAdapter, UsageInstruments, event_handlers, record_error
from printernizer_stats.host.instrumentation._event_bus import CompiledRule, increments
from printernizer_stats.registry import OTHER, Registry, check_attribute, default_event_map
from printernizer_stats_tools.standin import StandInEventBus


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


JOBS, FILES, ERRORS = "printernizer.jobs.events", "printernizer.files.transfers", "printernizer.errors"
CONNECTIONS, SLICING, LIBRARY = ("printernizer.printers.connection_events", "printernizer.slicing.jobs",
                                 "printernizer.library.events")
EXPECTED: dict[str, list[tuple[str, dict[str, str]]]] = {
    "job_created": [(JOBS, {"event": "created"})],
    "job_auto_created": [(JOBS, {"event": "auto_created"})],
    "print_paused": [(JOBS, {"event": "paused"})],
    "print_resumed": [(JOBS, {"event": "resumed"})],
    "print_stopped": [(JOBS, {"event": "stopped"})],
    "file_download_complete": [(FILES, {"direction": "download", "result": "completed"})],
    "file_download_failed": [(FILES, {"direction": "download", "result": "failed"}),
                             (ERRORS, {"error_type": "file_download", "component": "file"})],
    "file_upload_complete": [(FILES, {"direction": "upload", "result": "completed"})],
    "file_upload_failed": [(FILES, {"direction": "upload", "result": "failed"}),
                           (ERRORS, {"error_type": "file_upload", "component": "file"})],
    "printer_connected": [(CONNECTIONS, {"event": "connected"})],
    "printer_disconnected": [(CONNECTIONS, {"event": "disconnected"})],
    "slicing_job.created": [(SLICING, {"result": "created"})],
    "slicing_job.completed": [(SLICING, {"result": "completed"})],
    "slicing_job.failed": [(SLICING, {"result": "failed"}),
                           (ERRORS, {"error_type": "slicing_failed", "component": "slicing"})],
    "slicing_job.cancelled": [(SLICING, {"result": "cancelled"})],
    "library_file_added": [(LIBRARY, {"event": "file_added"})],
    "library_file_deleted": [(LIBRARY, {"event": "file_deleted"})],
    "material_created": [(LIBRARY, {"event": "material_created"})],
    "material_updated": [(LIBRARY, {"event": "material_updated"})],
    "material_deleted": [(LIBRARY, {"event": "material_deleted"})],
    "material_low_stock": [(LIBRARY, {"event": "material_low_stock"})],
}
"""What each of Printernizer's events counts, whatever its payload (written out here, not read from the map)."""
JOB_STATUSES = {"printing": "started", "running": "started", "completed": "completed", "failed": "failed",
                "cancelled": "cancelled", "pending": None, "paused": None, "unknown": None}
"""Printernizer's JobStatus values on job_status_changed -> the event counted (paused: print_paused counts)."""
CONNECTION_STATUSES = {"connecting": False, "connected": False, "monitoring": False, "failed": True, "error": True}


def test_each_event_counts_exactly_what_it_means() -> None:
    """Values, not only keys: every event of the map, and only these, with the increments written out above."""
    handlers = event_handlers()
    assert set(handlers) == {*EXPECTED, "job_status_changed", "printer_connection_progress"}
    for name, expected in EXPECTED.items():
        assert handlers[name]({"status": "failed", "old_status": "printing"}) == expected, name
        assert handlers[name]({}) == expected, name


@pytest.mark.parametrize(("status", "event"), JOB_STATUSES.items())
def test_job_status_changes_count_the_new_status(status: str, event: str | None) -> None:
    handler = event_handlers()["job_status_changed"]
    got = handler({"status": status.upper(), "old_status": "pending" if status != "pending" else "running"})
    assert got == ([(JOBS, {"event": event})] if event else [])
    assert handler({"status": status, "old_status": status}) == []


@pytest.mark.parametrize(("status", "failed"), CONNECTION_STATUSES.items())
def test_connection_progress_counts_failures_only(status: str, failed: bool) -> None:
    got = event_handlers()["printer_connection_progress"]({"status": status, "message": "timeout to 10.0.0.7"})
    assert got == ([(CONNECTIONS, {"event": "connection_failed"}),
                    (ERRORS, {"error_type": "printer_connection", "component": "printer"})] if failed else [])


def test_every_increment_is_a_declared_value(registry: Registry) -> None:
    """Nothing a handler makes is folded into `other` by the exporter: every value is one the registry allows."""
    payloads = [{"status": s, "old_status": "x"} for s in {*JOB_STATUSES, *CONNECTION_STATUSES}]
    for name, handler in event_handlers().items():
        for payload in payloads:
            for metric, attributes in handler(payload):
                spec = registry.metrics[metric]
                assert set(attributes) == set(spec.attributes), name
                for key, value in attributes.items():
                    assert value != OTHER and check_attribute(spec.attributes[key], value) is None, (name, key, value)


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
    for name in event_handlers():
        adapter.handle(name, {"status": secret, "filename": secret, "printer_id": secret, "message": secret})
    got = _collect(reader)
    # Every event without a status condition counted (handle() swallows errors: this proves none was raised).
    assert instruments.ignored == 0 and sum(got.values()) == sum(len(v) for v in EXPECTED.values())
    assert secret not in repr(got)


HOSTILE_PAYLOADS: list[dict[str, Any]] = [
    {},
    {"status": object(), "error_type": 3, "component": None, "printer_type": [], "direction": {}, "result": 1.5},
]


@pytest.mark.parametrize("payload", HOSTILE_PAYLOADS)
def test_every_handler_maps_any_payload_without_raising(payload: dict[str, Any]) -> None:
    """The handlers themselves take any payload: ``handle()``'s catch-all is the last line, not the mechanism."""
    for name, handler in event_handlers().items():
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
    assert bus.subscriber_count() == len(event_handlers())
    asyncio.run(bus.emit_event("printer_connected", {"printer_id": "p", "name": "n"}))
    adapter.detach()
    assert bus.subscriber_count() == 0
    asyncio.run(bus.emit_event("printer_connected", {}))
    assert _collect(reader)[("printernizer.printers.connection_events", (("event", "connected"),))] == 1


def test_record_error_lowercases_codes(bound: tuple[UsageInstruments, InMemoryMetricReader]) -> None:
    instruments, reader = bound
    record_error(instruments, "VALIDATION_ERROR", "API")
    assert _collect(reader)[("printernizer.errors", (("component", "api"), ("error_type", "validation")))] == 1


def test_remembered_answers_equal_the_rule_interpreted_each_time() -> None:
    """The per-status memory is only a cache: every status, known or not, changed or not, answers the same."""
    for event, rule in default_event_map().items():
        statuses = {"", "unknown_status", *(rule.status_in or ())}
        for count in rule.counts:
            for values in count.by_status.values():
                statuses.update(values)
        compiled = CompiledRule(rule)
        for status in sorted(statuses):
            for old in ("", status, "other_status"):
                payload = {"status": status.upper(), "old_status": old}
                for _ in range(2):  # the second call answers from memory
                    assert compiled(payload) == increments(rule, payload), (event, status, old)
