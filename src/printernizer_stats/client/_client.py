"""``StatsClient``: the composition root on the Printernizer side.

It wires the independent client parts together (instrumentation -> exporter -> local store -> weekly
batches -> outbox -> sender) and owns the consent lifecycle. The SDK pipeline exists only while collection
is allowed: opted out (the default) or ``DO_NOT_TRACK=1`` means no-op instruments, no reader thread,
nothing written and no connection to the endpoint.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import structlog

from printernizer_stats.client._consent import FACT_PREFIX, ConsentOperations
from printernizer_stats.client._example import client_example
from printernizer_stats.client._host_gauges import FeaturesEnabled, PrintersByType, host_gauges
from printernizer_stats.client._routes import RuntimeValueSets
from printernizer_stats.client._sending import ClientSending
from printernizer_stats.client._settings import retention_weeks
from printernizer_stats.client._transparency import client_local_summary, client_status
from printernizer_stats.exporter import (
    LocalStore,
    PrivacyFilteringMetricExporter,
    StoreUnavailable,
)
from printernizer_stats.instrumentation import (
    DEFAULT_ROUTE_MODE,
    EventBus,
    EventBusAdapter,
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
from printernizer_stats.registry.names import Metric
from printernizer_stats.sender import OutboxUnavailable, SenderConfig, sender_config

_log = structlog.get_logger(__name__)

class StatsClient(ConsentOperations):
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
        sender: where and how batches are sent; None = from PRINTERNIZER_STATS_* in ``environ``, else
            no endpoint (nothing is ever sent).
        now: Unix time for the retry schedule (a parameter for tests).
    """

    unavailable_errors: tuple[type[Exception], ...] = (StoreUnavailable, OutboxUnavailable)
    """What a broken or locked statistics DB raises (the privacy API answers 503 with the reason)."""

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
        sender: SenderConfig | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.registry = registry or default_registry()
        self.store = LocalStore(db_path)
        self.environ = os.environ if environ is None else environ
        self.today = today
        self._detected_facts = (
            installation_facts(self.registry, app_version, timezone, probe or Probe(self.environ))
            if app_version is not None else None
        )
        self.runtime_values = RuntimeValueSets(route_templates)
        self.host_gauges = host_gauges(printers_by_type, features_enabled)
        self.instruments = UsageInstruments(self.registry, self.host_gauges)
        self.events = EventBusAdapter(self.instruments)
        self.export_interval_s = export_interval_s
        self.exporter = PrivacyFilteringMetricExporter(
            self.registry, self.store, self.runtime_values,
            collection_allowed=self.collecting, today=today, on_unavailable=self._store_failed,
        )
        self._pipeline: Pipeline | None = None
        self._lock = threading.RLock()
        self.off_reason: str | None = None
        self.sending = ClientSending(self, sender or sender_config(environ=self.environ), now)

    def facts(self) -> dict[str, str]:
        """The installation's resource fields: as detected now, else as the host last stored them."""
        if self._detected_facts is not None:
            return dict(self._detected_facts)
        try:
            settings = self.store.settings()
        except StoreUnavailable:
            return {}
        return {key.removeprefix(FACT_PREFIX): value for key, value in settings.items() if key.startswith(FACT_PREFIX)}

    def _save_facts(self) -> None:
        if self._detected_facts is not None:
            self.store.update_settings({f"{FACT_PREFIX}{key}": value for key, value in self._detected_facts.items()})

    # -- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> bool:
        """Start collecting if allowed; returns whether collection runs. Never raises into the host."""
        with self._lock:
            if self._pipeline is not None:
                return True
            self.honour_do_not_track()
            if not self.collecting():
                return False
            try:
                self._save_facts()
                self.exporter.retention_weeks = retention_weeks(self.store.settings())
                self._pipeline = start_pipeline(
                    self.instruments, self.exporter, self.registry, self.export_interval_s,
                )
            except Exception as exc:
                self._store_failed(f"could not start the metrics pipeline: {type(exc).__name__}")
                return False
            self.instruments.add(Metric.APP_STARTS)
            return True

    def flush(self) -> None:
        """Export what the SDK holds now (the simulator's end of day; shutdown's last collect)."""
        pipeline = self._pipeline
        if pipeline is not None:
            pipeline.flush()

    def stop(self) -> None:
        """Stop the scheduler, flush and stop the pipeline (host shutdown)."""
        self.sending.stop()  # outside the lock: a scheduler round may be waiting for it
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

    def instrument_app(self, app: Any, mode: RouteMode = DEFAULT_ROUTE_MODE,
                       excluded_prefix: str | None = None) -> None:
        """Count ``app``'s requests by route template (``lean`` default, or stock ``otel``); see
        :func:`printernizer_stats.instrumentation.instrument_app`. Nothing is recorded while opted out, nor
        for routes under ``excluded_prefix`` (``install`` passes the privacy API's)."""
        self.runtime_values.add_route_templates(instrument_app(app, self.instruments, mode, excluded_prefix))

    def record_error(self, error_code: str, component: str = "api") -> None:
        """Count an error by its code only (never the message). Never raises."""
        record_error(self.instruments, error_code, component)

    # -- transparency ---------------------------------------------------------------------------------
    def week_values(
        self, first: date | None = None, last: date | None = None, *, since_day: date | None = None,
        strict: bool = False,
    ) -> list[WeekValue]:
        """Weekly values (compacted weeks and weeks combined from days), optionally for Mondays in a range.

        ``since_day`` leaves out days before it, and compacted weeks that began before it (a batch carries
        only data recorded under the current consent). An unreadable store gives no values, or with
        ``strict`` raises ``StoreUnavailable`` (batching must not mistake a locked DB for an empty week).
        """
        low = first if since_day is None or first is None else max(first, since_day)
        try:
            compacted = [w for w in self.store.week_rollups(first, last) if since_day is None or w.week >= since_day]
            combined = combine_weeks(self.store.readings(low or since_day, last + timedelta(days=6) if last else None),
                                     self.registry)
        except StoreUnavailable:
            if strict:
                raise
            return []
        values = [*compacted, *combined]
        return sorted(
            (v for v in values if (first is None or v.week >= first) and (last is None or v.week <= last)),
            key=lambda v: (v.week, v.metric, v.attributes),
        )

    def status(self) -> dict[str, Any]:
        """Consent, why statistics may be off, and where sending stands (cheap: no readings are read)."""
        return client_status(self)

    def local_summary(self, *, strict: bool = False) -> dict[str, Any]:
        """Everything stored locally, as JSON-ready data: consent, facts, days, weeks, the sent log.

        An unreadable store gives what can be read (the page shows why statistics are off), or with
        ``strict`` raises ``StoreUnavailable``/``OutboxUnavailable`` (an export must not pass for empty).
        """
        return client_local_summary(self, strict)

    # -- sending (see client/_sending.py) --------------------------------------------------------------
    def preview(self) -> dict[str, Any]:
        """The next batch, exactly as it will be sent: ``batch_id``, ``week``, ``state`` (queued, in_progress
        or empty), ``sha256``, ``size_bytes``, ``gzip_size_bytes``, ``otlp_json``, ``protobuf_base64``."""
        return self.sending.preview()

    def example_batch(self) -> dict[str, Any]:
        """What a weekly batch from this installation looks like, before opting in: its live facts and gauges,
        every count zero, a placeholder id. Nothing is stored or sent (client/_example.py)."""
        return client_example(self)

    def history(self) -> dict[str, Any]:
        """The sent log (every batch that left, with the answer) and whether its hash chain verifies."""
        return self.sending.history()

    def submit_now(self) -> dict[str, Any]:
        """Send what is queued now (ignoring the retry schedule, never the consent gate)."""
        return self.sending.submit_now()

    def community_summary(self) -> dict[str, Any]:
        """The cached community summary beside this installation's own position (client/_community.py)."""
        return self.sending.community.view()

    def start_scheduler(self) -> bool:
        """Start weekly sending inside the running asyncio loop (host startup); False without an endpoint."""
        return self.sending.start_async()

    def start_scheduler_thread(self) -> bool:
        """Start weekly sending on a daemon thread (hosts without asyncio); False without an endpoint."""
        return self.sending.start_thread()

    def stop_scheduler(self) -> None:
        """Stop the scheduler (never blocks the loop; the thread variant waits briefly for its tick)."""
        self.sending.stop()
