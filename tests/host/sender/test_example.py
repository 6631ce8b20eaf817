"""The example batch: every metric once, the live gauges as read, zero counts, and a shape the receiver accepts."""

from __future__ import annotations

from datetime import date, timedelta

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from printernizer_stats.host.sender import EXAMPLE_INSTALLATION_ID, build_example_batch, otlp_json
from printernizer_stats.maintainers.server._batch import ValidatedBatch
from printernizer_stats.maintainers.server._points import TimeWindow
from printernizer_stats.maintainers.server._validate import validate_batch
from printernizer_stats.registry import DELETION_METRIC, default_registry, to_unix_nano

REGISTRY = default_registry()
DAY = date(2026, 11, 18)
FACTS = {"printernizer.app_version": "2.42.0", "printernizer.deployment_mode": "docker",
         "printernizer.country_code": "AT", "printernizer.python_version": "3.11", "printernizer.platform": "linux"}
GAUGES = {"printernizer.printers": [(2.0, {"printer_type": "bambu_lab"}), (1.0, {"printer_type": "klipper"})],
          "printernizer.features.enabled": [(1.0, {"feature": "library"}), (0.0, {"feature": "mqtt"})]}


def _points(payload: bytes) -> dict[str, list[tuple[dict[str, str], int]]]:
    metrics = otlp_json(payload)["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]
    found = {}
    for metric in metrics:
        data = metric.get("sum") or metric.get("gauge") or metric.get("histogram")
        found[metric["name"]] = [({a["key"]: a["value"]["stringValue"] for a in p.get("attributes", [])},
                                  int(p.get("asInt", p.get("count", 0)))) for p in data["dataPoints"]]
    return found


def test_every_metric_once_live_gauges_and_zero_counts() -> None:
    points = _points(build_example_batch(REGISTRY, FACTS, DAY, GAUGES).payload)
    assert set(points) == set(REGISTRY.metrics) - {DELETION_METRIC}
    assert points["printernizer.printers"] == [({"printer_type": "bambu_lab"}, 2), ({"printer_type": "other"}, 1)]
    assert points["printernizer.features.enabled"] == [({"feature": "library"}, 1), ({"feature": "mqtt"}, 0)]
    counts = {name: p for name, p in points.items() if name not in GAUGES}
    assert counts and all(p == [({}, 0)] for p in counts.values())


def test_facts_and_placeholder_id_in_the_resource() -> None:
    batch = build_example_batch(REGISTRY, FACTS, DAY, GAUGES)
    resource = {a["key"]: a["value"]["stringValue"]
                for a in otlp_json(batch.payload)["resourceMetrics"][0]["resource"]["attributes"]}
    assert resource["printernizer.installation_id"] == EXAMPLE_INSTALLATION_ID
    assert {k: resource[k] for k in FACTS} == FACTS
    assert batch.label == "2026-W47" and batch.kind == "example"


def test_without_host_gauges_only_zero_counts() -> None:
    points = _points(build_example_batch(REGISTRY, FACTS, DAY, {}).payload)
    assert "printernizer.printers" in points and points["printernizer.printers"] == [({}, 0)]


def test_the_receiver_would_accept_it_whole() -> None:
    """Built by the same filters and encoder as a real batch: the receiver's own checks pass every point."""
    batch = build_example_batch(REGISTRY, FACTS, DAY, GAUGES)
    window = TimeWindow(to_unix_nano(date(2026, 11, 23) + timedelta(days=1)))
    verdict = validate_batch(REGISTRY, ExportMetricsServiceRequest.FromString(batch.payload), window)
    assert isinstance(verdict, ValidatedBatch), verdict
    assert verdict.rejections == () and verdict.period == date(2026, 11, 16)
    assert len(verdict.series) == len(REGISTRY.metrics) - 1 + 2  # two printer types, two features
