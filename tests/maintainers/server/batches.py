"""Valid weekly batches built the way docs/wire-format.md says: SDK point dataclasses + ``encode_metrics``.

Written once for the receiver's tests and benchmark; the client's real batch builder replaces it end to end.
"""

from __future__ import annotations

import gzip
import json
import random
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from google.protobuf import json_format
from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    Gauge,
    Histogram,
    HistogramDataPoint,
    Metric,
    MetricsData,
    NumberDataPoint,
    ResourceMetrics,
    ScopeMetrics,
    Sum,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope

from printernizer_stats.registry import (
    DELETION_METRIC,
    SCOPE_NAME,
    Kind,
    Registry,
    proof_for,
    to_unix_nano,
    verifier_for,
    week_label,
)

MONDAY = date(2026, 11, 16)
"""A fixed ISO week for tests that pass an explicit clock."""


def batch_id(installation_id: str, label: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"printernizer-stats:{installation_id}:{label}"))


def new_installation_id(rng: random.Random | None = None) -> str:
    rng = rng or random.Random()
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


@dataclass(frozen=True)
class Series:
    """One series of one metric for the week: a number, or (sum, bucket counts) for a histogram."""

    metric: str
    attributes: Mapping[str, str]
    value: float
    bucket_counts: tuple[int, ...] = ()


@dataclass
class Installation:
    """The resource of one installation (override any field to build invalid batches)."""

    installation_id: str = field(default_factory=new_installation_id)
    app_version: str = "2.42.0"
    deployment_mode: str = "docker"
    country_code: str = "DE"
    python_version: str = "3.11"
    platform: str = "linux"
    secret: str = field(default_factory=lambda: f"{random.getrandbits(256):064x}")
    register: bool = True
    """Whether its batches carry the verifier key (a real client stops once one batch was accepted)."""

    @property
    def verifier(self) -> str:
        return verifier_for(self.secret)

    def resource(self, registry: Registry, label: str, **extra: str) -> dict[str, str]:
        ident = batch_id(self.installation_id, label)
        return {
            "printernizer.installation_id": self.installation_id,
            "printernizer.app_version": self.app_version,
            "printernizer.deployment_mode": self.deployment_mode,
            "printernizer.country_code": self.country_code,
            "printernizer.python_version": self.python_version,
            "printernizer.platform": self.platform,
            "printernizer.stats.registry_version": str(registry.version),
            "printernizer.stats.batch_id": ident,
            "printernizer.stats.proof": proof_for(self.verifier, extra.get("printernizer.stats.batch_id", ident)),
            "printernizer.stats.verifier": self.verifier if self.register else "",
            **extra,
        }


def _metric(registry: Registry, name: str, series: Sequence[Series], start: int, end: int) -> Metric:
    spec = registry.metrics[name]
    ordered = sorted(series, key=lambda s: sorted(s.attributes.items()))
    if spec.kind is Kind.HISTOGRAM:
        bounds = spec.rounding.buckets
        points = [HistogramDataPoint(dict(s.attributes), start, end, sum(s.bucket_counts), s.value,
                                     s.bucket_counts, bounds, None, None)  # type: ignore[arg-type]
                  for s in ordered]
        return Metric(name, spec.description, spec.unit, Histogram(points, AggregationTemporality.DELTA))
    numbers = [NumberDataPoint(dict(s.attributes), start, end,
                               _whole(s.value) if spec.rounding.integer else s.value)
               for s in ordered]
    if spec.kind is Kind.GAUGE:
        return Metric(name, spec.description, spec.unit, Gauge(numbers))
    return Metric(name, spec.description, spec.unit, Sum(numbers, AggregationTemporality.DELTA, True))


def _whole(value: float) -> int | float:
    """An int where the protobuf int64 can hold it (``as_int``), else the float as is (``as_double``)."""
    return int(value) if float(value).is_integer() and -(2**63) <= value < 2**63 else value


def week_request(registry: Registry, installation: Installation, monday: date, series: Iterable[Series],
                 **resource_extra: str) -> ExportMetricsServiceRequest:
    """The weekly batch of ``installation`` for the ISO week starting ``monday``."""
    by_metric: dict[str, list[Series]] = {}
    for item in series:
        by_metric.setdefault(item.metric, []).append(item)
    start, end = to_unix_nano(monday), to_unix_nano(monday + timedelta(days=7))
    metrics = [_metric(registry, name, by_metric[name], start, end) for name in registry.metrics if name in by_metric]
    resource = Resource(installation.resource(registry, week_label(monday), **resource_extra))
    return _encode(registry, resource, metrics)


def deletion_request(registry: Registry, installation: Installation, monday: date = MONDAY
                     ) -> ExportMetricsServiceRequest:
    """The deletion request of ``installation``."""
    start, end = to_unix_nano(monday), to_unix_nano(monday + timedelta(days=7))
    metric = _metric(registry, DELETION_METRIC, [Series(DELETION_METRIC, {}, 1)], start, end)
    return _encode(registry, Resource(installation.resource(registry, "deletion")), [metric])


def _encode(registry: Registry, resource: Resource, metrics: list[Metric]) -> ExportMetricsServiceRequest:
    scope = InstrumentationScope(SCOPE_NAME, str(registry.version))
    data = MetricsData([ResourceMetrics(resource, [ScopeMetrics(scope, metrics, "")], "")])
    return encode_metrics(data)


def gzipped(request: ExportMetricsServiceRequest) -> bytes:
    """The body as the client sends it: deterministic gzip (mtime 0)."""
    return gzip.compress(request.SerializeToString(), mtime=0)


def typical_series(registry: Registry, rng: random.Random) -> list[Series]:
    """A plausible week of one installation: jobs, files, errors, printers, features, uptime and API routes."""
    series = [
        Series("printernizer.jobs.events", {"event": event}, rng.randint(1, 40))
        for event in ("created", "started", "completed", "failed", "cancelled")
    ]
    series += [Series("printernizer.files.transfers", {"direction": d, "result": "completed"}, rng.randint(0, 30))
               for d in ("download", "upload")]
    series.append(Series("printernizer.printers.connection_events", {"event": "connected"}, rng.randint(1, 9)))
    series += [Series("printernizer.errors", {"error_type": t, "component": c}, rng.randint(1, 5))
               for t, c in (("printer_connection", "printer"), ("file_download", "file"), ("validation", "api"))]
    series.append(Series("printernizer.app.starts", {}, rng.randint(1, 3)))
    series += [Series("printernizer.printers", {"printer_type": t}, rng.randint(1, 3))
               for t in ("bambu_lab", "prusa_core")]
    series += [Series("printernizer.features.enabled", {"feature": f}, rng.randint(0, 1))
               for f in ("library", "timelapse", "auto_job_creation", "mqtt")]
    series.append(Series("printernizer.uptime", {}, rng.randint(1, 7)))
    bounds = registry.metrics["http.server.request.duration"].rounding.buckets
    for route in ("/api/v1/printers", "/api/v1/jobs", "/api/v1/files/{file_id}", "/api/v1/health", "unmatched"):
        for method, status in (("GET", "2xx"), ("POST", "2xx"), ("GET", "4xx")):
            buckets = tuple(rng.randint(0, 20) for _ in range(len(bounds) + 1))
            series.append(Series("http.server.request.duration",
                                 {"http.route": route, "http.request.method": method,
                                  "http.response.status_code": status},
                                 round(sum(buckets) * rng.uniform(0.01, 0.2), 3), buckets))
    return series


def merged(*requests: ExportMetricsServiceRequest) -> ExportMetricsServiceRequest:
    """Several clients' requests as a collector's batch processor merges them: one ResourceMetrics each."""
    request = ExportMetricsServiceRequest()
    for part in requests:
        request.resource_metrics.extend(part.resource_metrics)
    return request


def repeated_point_json(registry: Registry, points: int) -> dict[str, Any]:
    """OTLP JSON of one batch whose route histogram repeats one point ``points`` times: the most objects per
    point, and as compressible as JSON gets (a worst case for decoding)."""
    request = week_request(registry, Installation(), MONDAY, typical_series(registry, random.Random(3)))
    document: dict[str, Any] = json.loads(json_format.MessageToJson(request, indent=None))
    scope = document["resourceMetrics"][0]["scopeMetrics"][0]
    histogram = next(m for m in scope["metrics"] if "histogram" in m)
    histogram["histogram"]["dataPoints"] = histogram["histogram"]["dataPoints"][:1] * points
    scope["metrics"] = [histogram]
    return document
