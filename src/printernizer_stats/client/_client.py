"""``StatsClient``: the composition root on the Printernizer side.

It wires the independent client parts together (instrumentation -> exporter -> local store) and owns the
consent lifecycle. The SDK pipeline exists only while collection is allowed: opted out (the default) or
``DO_NOT_TRACK=1`` means no-op instruments, no reader thread and nothing written.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import structlog

from printernizer_stats.client._routes import RuntimeValueSets
from printernizer_stats.client._summary import consent_summary, local_summary
from printernizer_stats.exporter import (
    ConsentState,
    LocalStore,
    PrivacyFilteringMetricExporter,
    StoreUnavailable,
    collection_allowed,
    do_not_track,
    opted_in,
    opted_out,
    rotated,
    rotation_due,
)
from printernizer_stats.instrumentation import (
    DEFAULT_ROUTE_MODE,
    EventBus,
    EventBusAdapter,
    GaugeSource,
    Pipeline,
    Probe,
    RouteMode,
    UsageInstruments,
    installation_facts,
    instrument_app,
    record_error,
    start_pipeline,
)
from printernizer_stats.registry import Registry, WeekValue, combine_weeks, default_registry, utc_today

_log = structlog.get_logger(__name__)

_FACT = "resource."
"""Settings-key prefix of the stored installation facts (what the next batch's resource will say)."""
PrintersByType = Callable[[], Mapping[str, int]]
FeaturesEnabled = Callable[[], Mapping[str, bool]]


def host_gauges(printers: PrintersByType | None, features: FeaturesEnabled | None) -> dict[str, GaugeSource]:
    """Gauge sources from the host's callables; uptime is ours (1 on every day the process runs)."""
    sources: dict[str, GaugeSource] = {"printernizer.uptime": lambda: [(1.0, {})]}
    if printers is not None:
        sources["printernizer.printers"] = lambda: [(float(n), {"printer_type": t}) for t, n in printers().items()]
    if features is not None:
        sources["printernizer.features.enabled"] = lambda: [
            (1.0 if on else 0.0, {"feature": name}) for name, on in features().items()
        ]
    return sources


class StatsClient:
    """Usage statistics for one Printernizer installation, backed by one local SQLite file.

    Args:
        db_path: the local statistics database (created on first use).
        app_version: Printernizer's version; only major.minor.patch leaves the machine. Without it the client
            only inspects the DB (CLI): installation facts then come from what the host last stored.
        timezone: the configured IANA time zone (for the country code); TIMEZONE/TZ when not given.
        printers_by_type / features_enabled: callables the gauges read on the reader's thread.
        route_templates: fixed route templates ``http.route`` may take; an app passed to
            :meth:`instrument_app` adds its own, as they change.
        export_interval_s: how often readings are filtered into the local store.
        environ: where DO_NOT_TRACK is read (a parameter for tests).
        today: the UTC day (a parameter for the simulator).
        probe: where deployment detection looks (a parameter for the simulator and tests).
    """

    def __init__(
        self,
        db_path: str | Path,
        app_version: str | None = None,
        *,
        timezone: str | None = None,
        printers_by_type: PrintersByType | None = None,
        features_enabled: FeaturesEnabled | None = None,
        route_templates: Iterable[str] = (),
        export_interval_s: float = 60.0,
        registry: Registry | None = None,
        environ: Mapping[str, str] | None = None,
        today: Callable[[], date] = utc_today,
        probe: Probe | None = None,
    ) -> None:
        self.registry = registry or default_registry()
        self.store = LocalStore(db_path)
        self.environ = os.environ if environ is None else environ
        self.today = today
        self._detected_facts = (
            installation_facts(self.registry, app_version, timezone, probe) if app_version is not None else None
        )
        self.runtime_values = RuntimeValueSets(route_templates)
        self.instruments = UsageInstruments(self.registry, host_gauges(printers_by_type, features_enabled))
        self.events = EventBusAdapter(self.instruments)
        self.export_interval_s = export_interval_s
        self.exporter = PrivacyFilteringMetricExporter(
            self.registry, self.store, self.runtime_values,
            collection_allowed=self.collecting, today=today, on_unavailable=self._store_failed,
        )
        self._pipeline: Pipeline | None = None
        self._lock = threading.RLock()
        self.off_reason: str | None = None

    # -- consent --------------------------------------------------------------------------------------
    def consent(self) -> ConsentState:
        """The stored consent; an unreadable store reads as "not opted in"."""
        try:
            return ConsentState.from_settings(self.store.settings())
        except StoreUnavailable as exc:
            self._store_failed(str(exc))
            return ConsentState()

    def collecting(self) -> bool:
        """Whether readings may be recorded right now (opted in, current consent, no DNT, store usable)."""
        return self.off_reason is None and collection_allowed(
            self.consent(), self.registry.consent_version, self.environ
        )

    def opt_in(self) -> ConsentState:
        """Opt in under the current consent version, with a new installation id, and start collecting."""
        if do_not_track(self.environ):
            raise PermissionError("DO_NOT_TRACK is set: usage statistics stay off")
        with self._lock:
            state = opted_in(self.consent(), self.today(), self.registry.consent_version)
            self.store.update_settings(state.to_settings())
            self.start()
            return state

    def opt_out(self) -> ConsentState:
        """Stop at once: no pipeline, local readings deleted; only the old id is remembered, locally."""
        with self._lock:
            # Consent is withdrawn first, so the pipeline's last export at shutdown is refused unwritten.
            state = opted_out(self.consent())
            self.store.update_settings(state.to_settings())
            self._stop_pipeline(flush=False)
            self.store.delete_readings()
            return state

    def rotate_id_if_due(self) -> bool:
        with self._lock:
            state = self.consent()
            if not rotation_due(state, self.today()):
                return False
            self.store.update_settings(rotated(state, self.today()).to_settings())
            return True

    def facts(self) -> dict[str, str]:
        """The installation's resource fields: as detected now, else as the host last stored them."""
        if self._detected_facts is not None:
            return dict(self._detected_facts)
        try:
            settings = self.store.settings()
        except StoreUnavailable:
            return {}
        return {key.removeprefix(_FACT): value for key, value in settings.items() if key.startswith(_FACT)}

    def _save_facts(self) -> None:
        if self._detected_facts is not None:
            self.store.update_settings({f"{_FACT}{key}": value for key, value in self._detected_facts.items()})

    # -- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> bool:
        """Start collecting if allowed; returns whether collection runs. Never raises into the host."""
        with self._lock:
            if self._pipeline is not None:
                return True
            if not self.collecting():
                return False
            try:
                self._save_facts()
                self._pipeline = start_pipeline(
                    self.instruments, self.exporter, self.registry, self.export_interval_s,
                )
            except Exception as exc:
                self._store_failed(f"could not start the metrics pipeline: {type(exc).__name__}")
                return False
            self.instruments.add("printernizer.app.starts")
            return True

    def flush(self) -> None:
        """Export what the SDK holds now (the simulator's end of day; shutdown's last collect)."""
        pipeline = self._pipeline
        if pipeline is not None:
            pipeline.flush()

    def stop(self) -> None:
        """Flush and stop the pipeline (host shutdown)."""
        with self._lock:
            self._stop_pipeline(flush=True)

    def _stop_pipeline(self, flush: bool) -> None:
        pipeline, self._pipeline = self._pipeline, None
        self.instruments.unbind()
        if pipeline is not None:
            if flush:
                pipeline.flush()
            pipeline.shutdown()

    def _store_failed(self, reason: str) -> None:
        if self.off_reason is None:
            self.off_reason = reason
            _log.warning("usage_stats.off", reason=reason)
        self.instruments.unbind()

    # -- recording helpers ----------------------------------------------------------------------------
    def attach_event_bus(self, bus: EventBus) -> None:
        self.events.attach(bus)

    def instrument_app(self, app: Any, mode: RouteMode = DEFAULT_ROUTE_MODE) -> None:
        """Count ``app``'s requests by route template (``lean`` default, or stock ``otel``); see
        :func:`printernizer_stats.instrumentation.instrument_app`. Nothing is recorded while opted out."""
        self.runtime_values.add_route_templates(instrument_app(app, self.instruments, mode))

    def record_error(self, error_code: str, component: str = "api") -> None:
        """Count an error by its code only (never the message). Never raises."""
        record_error(self.instruments, error_code, component)

    # -- transparency ---------------------------------------------------------------------------------
    def week_values(self, first: date | None = None, last: date | None = None) -> list[WeekValue]:
        """Weekly values (compacted weeks and weeks combined from days), optionally for Mondays in a range."""
        try:
            compacted = self.store.week_rollups()
            combined = combine_weeks(self.store.readings(first, last + timedelta(days=6) if last else None),
                                     self.registry)
        except StoreUnavailable:
            return []
        values = [*compacted, *combined]
        return sorted(
            (v for v in values if (first is None or v.week >= first) and (last is None or v.week <= last)),
            key=lambda v: (v.week, v.metric, v.attributes),
        )

    def local_summary(self) -> dict[str, Any]:
        """Everything stored locally, as JSON-ready data."""
        state = self.consent()
        try:
            readings = self.store.readings()
        except StoreUnavailable:
            readings = []
        consent = consent_summary(state, self.collecting(), do_not_track(self.environ))
        consent["off_reason"] = self.off_reason
        return local_summary(readings, self.week_values(), self.registry, consent, self.facts())
