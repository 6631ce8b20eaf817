"""``StatsClient``: the façade a host calls, over the services :func:`._compose.compose` wires.

The SDK pipeline exists only while collection is allowed: opted out (the default) or ``DO_NOT_TRACK=1``
means no-op instruments, no reader thread, nothing written and no connection to the endpoint. Every method
here delegates; the services it reaches are on :attr:`StatsClient.services` for tools and tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from printernizer_stats.host.client._compose import ClientConfig, ClientServices, compose
from printernizer_stats.host.client._host_gauges import FeaturesEnabled, PrintersByType
from printernizer_stats.host.exporter import ConsentState, StoreUnavailable
from printernizer_stats.host.instrumentation import (
    DEFAULT_ROUTE_MODE,
    EventBus,
    Probe,
    RouteMode,
    instrument_app,
    record_error,
)
from printernizer_stats.host.sender import OutboxUnavailable, SenderConfig
from printernizer_stats.registry import Registry, utc_today


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
        sender: where and how batches are sent; None = from PRINTERNIZER_STATS_* in ``environ``, else
            no endpoint (nothing is ever sent).
        now: Unix time for the retry schedule (a parameter for tests).
    """

    unavailable_errors: tuple[type[Exception], ...] = (StoreUnavailable, OutboxUnavailable)
    """What a broken or locked statistics DB raises (the privacy API answers 503 with the reason)."""

    def __init__(
        self, db_path: str | Path, app_version: str | None = None, *, timezone: str | None = None,
        printers_by_type: PrintersByType | None = None, features_enabled: FeaturesEnabled | None = None,
        route_templates: Iterable[str] = (), export_interval_s: float = 60.0, registry: Registry | None = None,
        environ: Mapping[str, str] | None = None, today: Callable[[], date] = utc_today,
        probe: Probe | None = None, sender: SenderConfig | None = None, now: Callable[[], float] = time.time,
    ) -> None:
        self._services = compose(ClientConfig(
            db_path, app_version, timezone=timezone, printers_by_type=printers_by_type,
            features_enabled=features_enabled, route_templates=route_templates,
            export_interval_s=export_interval_s, registry=registry, environ=environ, today=today, probe=probe,
            sender=sender, now=now,
        ))

    @property
    def services(self) -> ClientServices:
        """The wired services (the store, the gate, sending, the daily round...): for tools and tests."""
        return self._services

    @property
    def registry(self) -> Registry:
        return self._services.registry

    # -- the host's lifecycle ------------------------------------------------------------------------------
    def start(self) -> bool:
        """Start collecting if allowed; returns whether collection runs. Never raises into the host."""
        self._services.consent.honour_do_not_track()
        return self._services.collection.start()

    def flush(self) -> None:
        """Export what the SDK holds now (the simulator's end of day; shutdown's last collect)."""
        self._services.collection.flush()

    def stop(self) -> None:
        """Stop the daily round, flush and stop the pipeline (host shutdown)."""
        self._services.rounds.stop()  # outside the lock: a round may be waiting for it
        self._services.collection.stop(flush=True)

    def start_scheduler(self) -> bool:
        """Start the daily round inside the running asyncio loop (host startup); whether it sends batches
        (False without an endpoint: then it only keeps the local store within its retention)."""
        return self._services.rounds.start_async()

    def start_scheduler_thread(self) -> bool:
        """The same on a daemon thread (hosts without asyncio)."""
        return self._services.rounds.start_thread()

    def stop_scheduler(self) -> None:
        """Stop the round (never blocks the loop; the thread variant waits briefly for its round)."""
        self._services.rounds.stop()

    # -- recording ------------------------------------------------------------------------------------------
    def attach_event_bus(self, bus: EventBus) -> None:
        self._services.events.attach(bus)

    def detach_event_bus(self) -> None:
        self._services.events.detach()

    def instrument_app(self, app: Any, mode: RouteMode = DEFAULT_ROUTE_MODE,
                       excluded_prefix: str | None = None) -> None:
        """Count ``app``'s requests by route template (``lean`` default, or stock ``otel``); see
        :func:`printernizer_stats.host.instrumentation.instrument_app`. Nothing is recorded while opted out, nor
        for routes under ``excluded_prefix`` (``install`` passes the privacy API's)."""
        templates = instrument_app(app, self._services.instruments, mode, excluded_prefix)
        self._services.runtime_values.add_route_templates(templates)

    def record_error(self, error_code: str, component: str = "api") -> None:
        """Count an error by its code only (never the message). Never raises."""
        record_error(self._services.instruments, error_code, component)

    # -- what the user sees (the privacy API and the page) ---------------------------------------------------
    def consent(self) -> ConsentState:
        """The stored consent (what the host's own settings page shows); unreadable reads as "not opted in"."""
        return self._services.gate.state()

    def status(self) -> dict[str, Any]:
        """Consent, why statistics may be off, and where sending stands (cheap: no readings are read)."""
        return self._services.views.status()

    def local_summary(self, *, strict: bool = False) -> dict[str, Any]:
        """Everything stored locally, as JSON-ready data: consent, facts, days, weeks, the sent log.

        An unreadable store gives what can be read (the page shows why statistics are off), or with
        ``strict`` raises ``StoreUnavailable``/``OutboxUnavailable`` (an export must not pass for empty).
        """
        return self._services.views.local_summary(strict)

    def example_batch(self) -> dict[str, Any]:
        """What a weekly batch from this installation looks like, before opting in: its live facts and gauges,
        every count zero, a placeholder id. Nothing is stored or sent (client/_example.py)."""
        return self._services.views.example_batch()

    def preview(self) -> dict[str, Any]:
        """The next batch, exactly as it will be sent: ``batch_id``, ``week``, ``state`` (queued, in_progress
        or empty), ``sha256``, ``size_bytes``, ``gzip_size_bytes``, ``otlp_json``, ``protobuf_base64``."""
        return self._services.sending.preview()

    def history(self) -> dict[str, Any]:
        """The sent log (every batch that left, with the answer) and whether its hash chain verifies."""
        return self._services.sending.history()

    def community_summary(self) -> dict[str, Any]:
        """The cached community summary beside this installation's own position (client/_community.py)."""
        return self._services.community.view()

    def submit_now(self) -> dict[str, Any]:
        """Send what is queued now (ignoring the retry schedule, never the consent gate)."""
        return self._services.sending.submit_now()

    # -- what the user decides (client/_privacy.py) ------------------------------------------------------------
    def opt_in(self, *, start: bool = True) -> ConsentState:
        """Opt in under the current consent version (and, with ``start``, start collecting)."""
        return self._services.consent.opt_in(start=start)

    def opt_out(self, request_server_deletion: bool = False) -> ConsentState:
        """Stop at once and delete local readings and queued batches (optionally ask for server deletion)."""
        return self._services.consent.opt_out(request_server_deletion)

    def delete_all(self, request_server_deletion: bool = False) -> ConsentState:
        """Opt out and delete everything local: readings, queued batches, the sent log, remembered facts."""
        return self._services.consent.delete_all(request_server_deletion)

    def request_server_deletion(self) -> dict[str, Any]:
        """Ask the receiver, once, to delete everything stored for the previous installation id."""
        return self._services.consent.request_server_deletion()

    def rotate_id(self) -> ConsentState:
        """A new random installation id now (only while opted in)."""
        return self._services.consent.rotate_id()

    def usage_settings(self) -> dict[str, Any]:
        """Yearly id rotation and local retention, as the privacy API shows them."""
        return self._services.consent.usage_settings()

    def update_usage_settings(
        self, *, rotate_yearly: bool | None = None, retention_weeks: int | None = None,
    ) -> dict[str, Any]:
        """Change what is given; ``ValueError`` when out of range."""
        return self._services.consent.update_usage_settings(rotate_yearly=rotate_yearly,
                                                            retention_weeks=retention_weeks)
