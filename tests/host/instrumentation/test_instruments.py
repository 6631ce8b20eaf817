"""UsageInstruments: no-op until bound, never raising, gauges from host callables."""

from __future__ import annotations

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.resources import Resource

from printernizer_stats.host.instrumentation import UsageInstruments, registry_views
from printernizer_stats.registry import Registry


def _points(reader: InMemoryMetricReader) -> dict[str, list[tuple[dict[str, object], float]]]:
    data = reader.get_metrics_data()
    out: dict[str, list[tuple[dict[str, object], float]]] = {}
    for rm in data.resource_metrics if data else []:
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                out[m.name] = [(dict(p.attributes or {}), getattr(p, "value", 0)) for p in m.data.data_points]
    return out


def test_unbound_instruments_are_no_ops(registry: Registry) -> None:
    instruments = UsageInstruments(registry)
    instruments.add("printernizer.app.starts")
    instruments.record("http.server.request.duration", 0.1)
    assert instruments.ignored == 0


def test_unknown_names_and_bad_values_are_ignored(registry: Registry) -> None:
    instruments = UsageInstruments(registry)
    instruments.add("no.such.metric")
    instruments.add("printernizer.app.starts", -1)
    instruments.add("printernizer.app.starts", float("nan"))
    instruments.record("printernizer.app.starts", 1.0)
    assert instruments.ignored == 4


def test_gauges_read_host_callables_and_survive_failures(registry: Registry) -> None:
    def broken() -> list[tuple[float, dict[str, str]]]:
        raise RuntimeError("host bug")

    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader], resource=Resource({}))
    instruments = UsageInstruments(registry, {
        "printernizer.printers": lambda: [(2.0, {"printer_type": "bambu_lab"})],
        "printernizer.features.enabled": broken,
    })
    instruments.bind(provider.get_meter("t"))
    points = _points(reader)
    assert points["printernizer.printers"] == [({"printer_type": "bambu_lab"}, 2.0)]
    assert "printernizer.features.enabled" not in points


def test_a_failing_gauge_source_is_logged_by_type_once_and_its_recovery_too(
        registry: Registry, captured_logs: list[dict[str, object]]) -> None:
    """Issue 12: README's snippet raised inside the callback and nobody knew. Now one line says so (the type
    only: the message could quote the host's data), not one per collection, and one when it works again."""
    failing = [True]

    def printers() -> list[tuple[float, dict[str, str]]]:
        if failing[0]:
            raise TypeError("Counter.__init__() missing documentation for 'X1C Werkstatt'")
        return [(1.0, {"printer_type": "bambu_lab"})]

    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader], resource=Resource({}))
    UsageInstruments(registry, {"printernizer.printers": printers}).bind(provider.get_meter("t"))
    _points(reader)
    _points(reader)
    failing[0] = False
    assert _points(reader)["printernizer.printers"] == [({"printer_type": "bambu_lab"}, 1.0)]
    events = [(log["event"], log.get("error")) for log in captured_logs if "gauge_source" in str(log["event"])]
    assert events == [("usage_stats.gauge_source_failed", "TypeError"), ("usage_stats.gauge_source_recovered", None)]
    assert "X1C" not in repr(captured_logs)


def test_views_drop_undeclared_attributes_and_give_one_stream_each(registry: Registry) -> None:
    """Undeclared keys never reach the SDK's aggregation, and each instrument has exactly one stream (no
    catch-all view doubling the cost); undeclared instruments are the exporter filter's job."""
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader], resource=Resource({}), views=registry_views(registry))
    meter = provider.get_meter("t")
    meter.create_counter("printernizer.jobs.events").add(1, {"event": "created", "filename": "x.3mf"})
    histogram = meter.create_histogram("http.server.request.duration")
    histogram.record(0.02, {"http.route": "/x", "client.address": "203.0.113.9"})
    points = _points(reader)
    assert points["printernizer.jobs.events"] == [({"event": "created"}, 1)]
    assert [attrs for attrs, _ in points["http.server.request.duration"]] == [{"http.route": "/x"}]
    data = reader.get_metrics_data()
    assert data is not None
    names = [m.name for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics]
    assert sorted(names) == ["http.server.request.duration", "printernizer.jobs.events"]
