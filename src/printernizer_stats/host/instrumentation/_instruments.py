"""OpenTelemetry instruments created from the registry, behind a recorder that never raises.

Only ``opentelemetry.metrics`` (the API) is used here. Until :meth:`UsageInstruments.bind` is given an SDK
meter, every instrument is the API's no-op, so a host whose user has not opted in pays next to nothing.
Recording is an in-memory aggregation in the SDK: no I/O on the caller's thread. Request durations have
a faster in-process aggregation of their own (:mod:`._request_durations`), active exactly while bound.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import structlog
from opentelemetry.metrics import CallbackOptions, Meter, NoOpMeter, Observation
from opentelemetry.sdk.metrics.export import Metric

from printernizer_stats.host.instrumentation._request_durations import HTTP_SERVER_DURATION, RequestDurations
from printernizer_stats.registry import SCOPE_NAME, Kind, Registry

_log = structlog.get_logger(__name__)

AttributeValues = Mapping[str, str | int | float | bool]
"""Attributes as a host passes them; the exporter's filter turns them into registry strings."""
GaugeSource = Callable[[], Iterable[tuple[float, Mapping[str, str]]]]
"""Returns the current (value, attributes) pairs of a gauge; called on the reader's thread."""


class _LoggedCallback:
    """A gauge's callback that never raises into the SDK and says when the host's source fails.

    The error's type only (a message could quote the host's data); logged when the source starts failing
    or fails differently, and once when it works again, not at every collection.
    """

    def __init__(self, metric: str, source: GaugeSource) -> None:
        self._metric = metric
        self._source = source
        self._failing: str | None = None

    def __call__(self, _options: CallbackOptions) -> Iterable[Observation]:
        try:
            observations = [Observation(value, dict(attributes)) for value, attributes in self._source()]
        except Exception as exc:  # a host callback that fails yields no observation, never an error
            if self._failing != type(exc).__name__:
                self._failing = type(exc).__name__
                _log.warning("usage_stats.gauge_source_failed", metric=self._metric, error=self._failing)
            return []
        if self._failing is not None:
            self._failing = None
            _log.info("usage_stats.gauge_source_recovered", metric=self._metric)
        return observations


class UsageInstruments:
    """The registry's instruments. ``add``/``record`` never raise into the host.

    Args:
        registry: declares which instruments exist (unknown names are ignored, and counted).
        gauge_sources: for each gauge metric, a callable giving its current values.
    """

    def __init__(self, registry: Registry, gauge_sources: Mapping[str, GaugeSource] | None = None) -> None:
        self._registry = registry
        self._gauge_sources = dict(gauge_sources or {})
        self._synchronous: dict[str, Any] = {}
        self.ignored = 0
        spec = registry.metric(HTTP_SERVER_DURATION)
        self.request_durations = RequestDurations(spec) if spec and spec.kind is Kind.HISTOGRAM else None
        """The route middleware's fast path; ``None`` when the registry declares no request durations."""
        self.active = False
        """Whether bound to an SDK meter (statistics on); instrumentation may skip its work when not."""
        self.bind(NoOpMeter(SCOPE_NAME))

    def bind(self, meter: Meter) -> None:
        """(Re)create every instrument on ``meter``; the swap is one assignment, safe under concurrency."""
        synchronous: dict[str, Any] = {}
        for spec in self._registry.metrics.values():
            if spec.kind is Kind.COUNTER:
                synchronous[spec.name] = meter.create_counter(spec.name, spec.unit, spec.description)
            elif spec.kind is Kind.HISTOGRAM:
                synchronous[spec.name] = meter.create_histogram(
                    spec.name, spec.unit, spec.description,
                    explicit_bucket_boundaries_advisory=list(spec.rounding.buckets),
                )
            elif spec.name in self._gauge_sources:
                callback = _LoggedCallback(spec.name, self._gauge_sources[spec.name])
                meter.create_observable_gauge(spec.name, [callback], spec.unit, spec.description)
        self._synchronous = synchronous
        self.active = not isinstance(meter, NoOpMeter)
        if self.request_durations is not None:
            self.request_durations.activate(self.active)

    def unbind(self) -> None:
        """Back to no-op instruments (statistics off)."""
        self.bind(NoOpMeter(SCOPE_NAME))

    def collect_pre_aggregated(self) -> list[Metric]:
        """What was aggregated outside the SDK since the last call, for the pipeline's reader to merge."""
        durations = self.request_durations.collect() if self.request_durations is not None else None
        return [durations] if durations is not None else []

    def add(self, metric: str, value: float = 1, attributes: AttributeValues | None = None) -> None:
        """Add to a counter. Never raises; an unknown name or a negative amount is ignored."""
        if not value >= 0:  # also catches NaN; the SDK would log a warning on the caller's thread
            self.ignored += 1
            return
        try:
            self._synchronous[metric].add(value, attributes)
        except Exception:
            self.ignored += 1

    def record(self, metric: str, value: float, attributes: AttributeValues | None = None) -> None:
        """Record into a histogram. Never raises; an unknown name is ignored."""
        try:
            self._synchronous[metric].record(value, attributes)
        except Exception:
            self.ignored += 1
