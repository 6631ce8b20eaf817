"""Weekly values -> one OTLP ``ExportMetricsServiceRequest``: the anonymised batch, as bytes. Pure.

Built from the SDK's own point dataclasses and encoded by ``encode_metrics`` (never hand-built protobuf),
following docs/wire-format.md. Processing order:
  1. the resource: exactly the registry's fields, normalised, then checked with the receiver's own rules;
  2. the values: only registered metrics and declared, valid attribute values survive (nothing else can
     appear, whatever the local store holds);
  3. metrics in registry order, points sorted by attributes, every timestamp a Monday 00:00 UTC, so the
     same local data always gives the same bytes.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics
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

from printernizer_stats.contract import (
    BATCH_ID,
    DELETION_LABEL,
    INSTALLATION_ID,
    REGISTRY_VERSION,
    BatchKind,
    batch_id,
)
from printernizer_stats.registry import (
    DELETION_METRIC,
    PROOF,
    SCOPE_NAME,
    VERIFIER,
    Kind,
    MetricSpec,
    Registry,
    WeekValue,
    cap_week_series,
    check_attribute,
    check_resource,
    normalise_resource,
    proof_for,
    to_unix_nano,
    verifier_for,
    week_label,
    week_start,
)


def gzip_payload(payload: bytes) -> bytes:
    """Deterministic gzip (mtime 0, fixed level): the same payload always gives the same body on the wire."""
    return gzip.compress(payload, compresslevel=9, mtime=0)


@dataclass(frozen=True, slots=True)
class Identity:
    """What proves a batch comes from its installation (registry ``_identity``): the installation's secret,
    and whether the batch also carries the verifier key (until the receiver has a batch of this id)."""

    secret: str
    register: bool = True

    def credentials(self, batch: str) -> dict[str, str]:
        verifier = verifier_for(self.secret)
        return {PROOF: proof_for(verifier, batch), VERIFIER: verifier if self.register else ""}


@dataclass(frozen=True, slots=True)
class Batch:
    """One installation x one ISO week (or the deletion request), encoded: ``payload`` is what is sent."""

    batch_id: str
    label: str
    """ISO week label (``2026-W47``) or ``deletion``."""
    week: date
    """Monday of the week the data points describe."""
    kind: str
    """``weekly`` or ``deletion``."""
    payload: bytes
    """The serialized ``ExportMetricsServiceRequest``; gzipped on the wire, byte-identical after gunzip."""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.payload).hexdigest()


def wire_resource(registry: Registry, facts: Mapping[str, str], installation_id: str, batch: str,
                  identity: Identity) -> dict[str, str]:
    """The batch's resource: every registry field in registry order, nothing else.

    Raises:
        ValueError: a field would not pass the receiver's check (e.g. an installation id that is no uuid4).
    """
    given = {**facts, INSTALLATION_ID: installation_id, BATCH_ID: batch, REGISTRY_VERSION: str(registry.version),
             **identity.credentials(batch)}
    resource: dict[str, str] = {}
    for name, spec in registry.resource.items():
        # A fact the host never stored normalises to its safe fallback (0.0.0, XX, other).
        try:
            value = normalise_resource(spec, given.get(name, ""))
        except ValueError as exc:
            raise ValueError(f"resource field {name}: {exc}") from exc
        problem = check_resource(spec, value)
        if problem is not None:
            raise ValueError(f"resource field {name} {problem}")
        resource[name] = value
    return resource


def _valid_series(spec: MetricSpec, value: WeekValue) -> bool:
    for key, text in value.attributes:
        attribute = spec.attributes.get(key)
        if attribute is None or check_attribute(attribute, text) is not None:
            return False
    if spec.kind is Kind.HISTOGRAM:
        return len(value.bucket_counts) == len(spec.rounding.buckets) + 1
    return True


def wire_values(registry: Registry, values: Iterable[WeekValue], metric_names: Iterable[str]) -> list[WeekValue]:
    """Only what may be on the wire: the named registered metrics, declared and valid attributes."""
    allowed = set(metric_names)
    kept = []
    for value in values:
        spec = registry.metrics.get(value.metric)
        if spec is not None and value.metric in allowed and _valid_series(spec, value):
            kept.append(value)
    return kept


def _significant(value: float, digits: int = 3) -> float:
    """A histogram sum to three significant digits: enough for a mean, and it compresses on the wire."""
    return 0.0 if value <= 0 else float(f"{value:.{digits}g}")


def _whole(value: float) -> int:
    return max(0, round(value))


def _metric(spec: MetricSpec, values: list[WeekValue], start: int, end: int) -> Metric:
    # Histogram sums go out in milliseconds: finer says nothing more and costs ~5 % of the gzipped batch.
    points: list[Any]
    if spec.kind is Kind.HISTOGRAM:
        points = [
            HistogramDataPoint(
                attributes=dict(v.attributes), start_time_unix_nano=start, time_unix_nano=end,
                count=sum(v.bucket_counts), sum=_significant(v.value), bucket_counts=list(v.bucket_counts),
                explicit_bounds=list(spec.rounding.buckets), exemplars=[],
                # No min/max on the wire (None leaves the optional protobuf fields unset).
                min=cast(float, None), max=cast(float, None),
            )
            for v in values
        ]
        data: Any = Histogram(data_points=points, aggregation_temporality=AggregationTemporality.DELTA)
    else:
        points = [
            NumberDataPoint(attributes=dict(v.attributes), start_time_unix_nano=start, time_unix_nano=end,
                            value=_whole(v.value), exemplars=[])
            for v in values
        ]
        data = (Sum(data_points=points, aggregation_temporality=AggregationTemporality.DELTA, is_monotonic=True)
                if spec.kind is Kind.COUNTER else Gauge(data_points=points))
    # No description on the wire: the registry version in the resource pins each name's meaning, and the
    # descriptions were a fifth of a gzipped batch.
    return Metric(name=spec.name, description="", unit=spec.unit, data=data)


def encode_batch(registry: Registry, resource: Mapping[str, str], monday: date, values: Iterable[WeekValue]) -> bytes:
    """Encode one week's values (already filtered by :func:`wire_values`) into request bytes."""
    start, end = to_unix_nano(monday), to_unix_nano(monday + timedelta(days=7))
    by_metric: dict[str, list[WeekValue]] = {}
    for value in values:
        by_metric.setdefault(value.metric, []).append(value)
    metrics = [
        _metric(spec, sorted(by_metric[name], key=lambda v: v.attributes), start, end)
        for name, spec in registry.metrics.items() if by_metric.get(name)
    ]
    scope = ScopeMetrics(scope=InstrumentationScope(SCOPE_NAME, str(registry.version)), metrics=metrics, schema_url="")
    # Resource(...) directly: Resource.create() would add host, process and SDK attributes.
    data = MetricsData([ResourceMetrics(resource=Resource(dict(resource)), scope_metrics=[scope], schema_url="")])
    request = encode_metrics(data)
    # The SDK encoder leaves a gauge point's start time unset; the wire format wants the week on every point.
    for metric in request.resource_metrics[0].scope_metrics[0].metrics:
        if metric.WhichOneof("data") == "gauge":
            for point in metric.gauge.data_points:
                point.start_time_unix_nano = start
    return request.SerializeToString(deterministic=True)


def build_week_batch(
    registry: Registry, facts: Mapping[str, str], installation_id: str, monday: date, values: Iterable[WeekValue],
    *, identity: Identity,
) -> Batch | None:
    """The batch of the ISO week starting ``monday``; None when nothing of that week may be sent."""
    if monday != week_start(monday):
        raise ValueError("a weekly batch starts on a Monday")
    names = (n for n in registry.metrics if n != DELETION_METRIC)
    sendable = cap_week_series([v for v in wire_values(registry, values, names) if v.week == monday], registry)
    if not sendable:
        return None
    label = week_label(monday)
    ident = batch_id(installation_id, label)
    payload = encode_batch(registry, wire_resource(registry, facts, installation_id, ident, identity), monday,
                           sendable)
    return Batch(ident, label, monday, BatchKind.WEEKLY, payload)


def build_deletion_batch(registry: Registry, facts: Mapping[str, str], installation_id: str, today: date,
                         *, secret: str) -> Batch:
    """The one batch asking the receiver to delete everything stored for ``installation_id``; it always carries
    the verifier (the id ends here, and a receiver that never had a batch of it needs the key to check)."""
    monday = week_start(today)
    ident = batch_id(installation_id, DELETION_LABEL)
    value = WeekValue(monday, DELETION_METRIC, (), 1.0)
    resource = wire_resource(registry, facts, installation_id, ident, Identity(secret))
    payload = encode_batch(registry, resource, monday, [value])
    return Batch(ident, DELETION_LABEL, monday, BatchKind.DELETION, payload)
