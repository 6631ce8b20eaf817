"""Validation: an OTLP request in, storable weekly batches (or the reasons they are refused) out. Pure.

A client sends one batch (one ResourceMetrics) per request; a collector in front of the receiver merges
several clients' requests into one, so ``validate_request`` checks each ResourceMetrics as a batch of its
own, and ``validate_batch`` checks the client's single-batch request.

Processing order of one batch (docs/wire-format.md is the contract):
  1. envelope  - exactly one ScopeMetrics, our scope at the registry's version, a bounded number of data
                 points (cheap checks first, so a hostile body costs little);
  2. resource  - exactly the registry's resource fields, each valid; the registry version is ours;
  3. deletion  - a batch carrying the deletion metric is a deletion request and nothing else;
  4. points    - each metric and point checked (``_points``); invalid points are rejected one by one and
                 reported as partial success, the rest stored;
  5. week      - every accepted point lies in one ISO week, and the batch id is the one derived from the
                 installation id and that week.
"""

from __future__ import annotations

from collections.abc import Sequence

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import KeyValue
from opentelemetry.proto.metrics.v1.metrics_pb2 import Metric, NumberDataPoint, ResourceMetrics

from printernizer_stats.contract import (
    BATCH_ID,
    IDENTITY_ATTRIBUTES,
    INSTALLATION_ID,
    PROOF,
    REGISTRY_VERSION,
    VERIFIER,
    BatchKind,
    deletion_batch_id,
    week_batch_id,
)
from printernizer_stats.maintainers.server._batch import (
    InstallationFacts,
    PointRejection,
    Rejected,
    SeriesValue,
    ValidatedBatch,
    fact_column,
    summarise,
)
from printernizer_stats.maintainers.server._checked_points import checked_points
from printernizer_stats.maintainers.server._points import TimeWindow, metric_points, number_value
from printernizer_stats.registry import (
    DELETION_METRIC,
    SCOPE_NAME,
    Attributes,
    Registry,
    check_resource,
    week_label,
)

_WEEK_DAYS = 7
"""A metric may have up to its daily series cap on each day of the week."""
MAX_BATCHES_PER_REQUEST = 1000
"""Most ResourceMetrics one request may carry (a collector's merged batch); the body limits bind well before."""


def max_points(registry: Registry) -> int:
    """The most data points a valid batch can carry."""
    return sum(spec.max_cardinality for spec in registry.metrics.values()) * _WEEK_DAYS


Verdicts = tuple[ValidatedBatch | Rejected, ...] | Rejected
"""One verdict per batch of a request, or the request refused as a whole."""


def validate_request(
    registry: Registry, request: ExportMetricsServiceRequest, window: TimeWindow,
    points: Sequence[int] | None = None,
) -> Verdicts:
    """One verdict per ResourceMetrics, in request order; ``Rejected`` when the request as a whole is not one.
    ``points``: each batch's ``count_points``, when the caller has counted them already."""
    count = len(request.resource_metrics)
    if count == 0:
        return Rejected("resource_metrics: a request carries at least one batch, not 0")
    if count > MAX_BATCHES_PER_REQUEST:
        return Rejected(f"resource_metrics: a request carries at most {MAX_BATCHES_PER_REQUEST} batches, not {count}")
    if points is None:
        return tuple(validate_resource_metrics(registry, batch, window) for batch in request.resource_metrics)
    return tuple(validate_resource_metrics(registry, batch, window, total)
                 for batch, total in zip(request.resource_metrics, points, strict=True))


def validate_batch(
    registry: Registry, request: ExportMetricsServiceRequest, window: TimeWindow,
) -> ValidatedBatch | Rejected:
    """Check a client's request, which carries exactly one batch (see :func:`validate_resource_metrics`)."""
    if len(request.resource_metrics) != 1:
        return Rejected(f"resource_metrics: a batch carries exactly one, not {len(request.resource_metrics)}")
    return validate_resource_metrics(registry, request.resource_metrics[0], window)


def validate_resource_metrics(
    registry: Registry, resource_metrics: ResourceMetrics, window: TimeWindow, points: int | None = None,
) -> ValidatedBatch | Rejected:
    """Check one batch against the registry and the wire format; see the module docstring for the order.
    ``points``: its ``count_points``, if counted already."""
    if len(resource_metrics.scope_metrics) != 1:
        return Rejected(f"scope_metrics: a batch carries exactly one, not {len(resource_metrics.scope_metrics)}")
    scope_metrics = resource_metrics.scope_metrics[0]
    scope = scope_metrics.scope
    if scope.name != SCOPE_NAME or scope.version != str(registry.version):
        return Rejected(f"scope: must be {SCOPE_NAME!r} version {registry.version}, "
                        f"not {scope.name[:40]!r} version {scope.version[:10]!r}")
    if len(scope_metrics.metrics) > len(registry.metrics):
        return Rejected(f"metrics: a batch carries at most {len(registry.metrics)} metrics, "
                        f"not {len(scope_metrics.metrics)}")
    total = count_points(resource_metrics) if points is None else points
    if total > (most := max_points(registry)):
        return Rejected(f"data points: a batch carries at most {most}, not {total}")
    resource = check_resource_fields(registry, resource_metrics.resource.attributes)
    if isinstance(resource, Rejected):
        return resource
    facts, batch_id = resource
    if any(metric.name == DELETION_METRIC for metric in scope_metrics.metrics):
        return _deletion(registry, scope_metrics.metrics, facts, batch_id)
    return _week(registry, scope_metrics.metrics, facts, batch_id, window)


def count_points(resource_metrics: ResourceMetrics) -> int:
    """Data points in one ResourceMetrics (what a refused batch counts as in ``partial_success``)."""
    return sum(_count_points(metric) for scope in resource_metrics.scope_metrics for metric in scope.metrics)


def check_resource_fields(
    registry: Registry, pairs: Sequence[KeyValue],
) -> tuple[InstallationFacts, str] | Rejected:
    """The installation's facts and the batch id, or the first resource field that is not acceptable."""
    values: dict[str, str] = {}
    for pair in pairs:
        key, value = pair.key, pair.value
        spec = registry.resource.get(key)
        reason = ("not declared in the registry" if spec is None else "appears twice" if key in values
                  else "must be a string" if value.WhichOneof("value") != "string_value"
                  else check_resource(spec, text := value.string_value))
        if reason:
            return Rejected(f"resource attribute {key[:60]!r}: {reason}")
        values[key] = text
    if missing := [name for name in registry.resource if name not in values]:
        return Rejected(f"resource attribute {missing[0]!r}: missing")
    if values[REGISTRY_VERSION] != str(registry.version):
        return Rejected(f"resource attribute {REGISTRY_VERSION!r}: version {values[REGISTRY_VERSION]} is not "
                        f"the receiver's registry version {registry.version}")
    facts = tuple([(column, values[name]) for name, column in _fact_columns(registry)])
    return InstallationFacts(values[INSTALLATION_ID], registry.version, facts, values[PROOF],
                             values[VERIFIER]), values[BATCH_ID]


_FACT_COLUMNS: dict[int, tuple[Registry, tuple[tuple[str, str], ...]]] = {}


def _fact_columns(registry: Registry) -> tuple[tuple[str, str], ...]:
    """(resource field, column) of the registry's descriptive fields, in registry order (once per registry)."""
    known = _FACT_COLUMNS.get(id(registry))
    if known is None or known[0] is not registry:
        known = _FACT_COLUMNS[id(registry)] = (registry, tuple(
            (name, fact_column(name)) for name in registry.resource if name not in IDENTITY_ATTRIBUTES))
    return known[1]


def _count_points(metric: Metric) -> int:
    data = metric.WhichOneof("data")
    return len(getattr(metric, data).data_points) if data else 0


def _deletion(
    registry: Registry, metrics: Sequence[Metric], facts: InstallationFacts, batch_id: str,
) -> ValidatedBatch | Rejected:
    spec = registry.metrics[DELETION_METRIC]
    shape = f"a deletion request carries only {DELETION_METRIC!r}, one point of value 1 without attributes"
    if len(metrics) != 1:
        return Rejected(shape)
    points, reason = metric_points(spec, metrics[0])
    if reason:
        return Rejected(reason)
    if len(points) != 1 or not isinstance(points[0], NumberDataPoint) or points[0].attributes:
        return Rejected(shape)
    value, reason = number_value(spec, points[0])
    if reason or value != 1:
        return Rejected(shape)
    if batch_id != deletion_batch_id(facts.installation_id):
        return Rejected(f"resource attribute {BATCH_ID!r}: is not the deletion batch id of this installation")
    return ValidatedBatch(batch_id, BatchKind.DELETION, facts, None, ())


def _week(
    registry: Registry, metrics: Sequence[Metric], facts: InstallationFacts, batch_id: str, window: TimeWindow,
) -> ValidatedBatch | Rejected:
    accepted: dict[tuple[str, Attributes], SeriesValue] = {}
    per_metric: dict[str, int] = {}
    rejections: list[PointRejection] = []
    period = None
    check_interval = window.check_interval
    for metric in metrics:
        spec = registry.metrics.get(metric.name)
        if spec is None:
            if count := _count_points(metric):
                rejections.append(PointRejection(f"metric {metric.name[:60]!r}: not in the registry", count))
            continue
        points, reason = metric_points(spec, metric)
        if reason:
            rejections.append(PointRejection(reason, max(len(points), 1)))
            continue
        name, cap, taken = spec.name, spec.max_cardinality * _WEEK_DAYS, per_metric.get(spec.name, 0)
        for attributes, reason, start, end, value, value_reason in checked_points(spec, metric, points):
            if reason is None:
                week, reason = check_interval(start, end)
                if reason is not None:
                    reason = f"metric {name!r}: {reason}"
                elif period is not None and week != period:
                    reason = f"metric {name!r}: point is in week {week}, the batch in week {period}"
                elif (key := (name, attributes)) in accepted:
                    reason = f"metric {name!r}: series {dict(attributes)} appears twice"
                elif taken >= cap:
                    reason = f"metric {name!r}: more than {cap} series"
                elif value is not None:
                    period, taken = week, taken + 1
                    accepted[key] = value
                    continue
                else:
                    reason = value_reason
            rejections.append(PointRejection(reason or "invalid point"))
        per_metric[name] = taken
    if period is None or not accepted:
        return Rejected(f"no valid data points: {summarise(tuple(rejections)) or 'the batch is empty'}")
    if batch_id != week_batch_id(facts.installation_id, period):
        return Rejected(f"resource attribute {BATCH_ID!r}: is not the batch id of this installation and week "
                        f"{week_label(period)}")
    return ValidatedBatch(batch_id, BatchKind.WEEKLY, facts, period, tuple(accepted.values()), tuple(rejections))
