"""``install(app, ...)``: everything Printernizer's ``create_application()`` needs, in one call.

It builds the ``StatsClient``, counts the app's requests by route template, mounts the privacy API and the
page under ``/api/v1/usage-stats``, and wraps the app's lifespan: before the host's own startup it starts
collecting (if the user opted in) and attaches the event bus (or attaches it the moment the host stores it on
``app.state``), so that the connection events of Printernizer's startup are counted; after that startup it
starts the weekly sender; before the host's shutdown it stops them. Nothing here raises into the host at
run time: a broken DB or a step that fails turns statistics off with one log line, and the page says why.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, cast

import structlog

from printernizer_stats.host.client._client import StatsClient
from printernizer_stats.host.client._host_gauges import FeaturesEnabled, PrintersByType
from printernizer_stats.host.client._host_settings import features_from_settings
from printernizer_stats.host.client._request_policy import request_policy
from printernizer_stats.host.instrumentation import DEFAULT_ROUTE_MODE, EventBus, RouteMode, RouteTable
from printernizer_stats.host.sender import SenderConfig
from printernizer_stats.host.viewer import MOUNT_PREFIX, usage_stats_router

_log = structlog.get_logger(__name__)

EventBusSource = EventBus | Callable[[], EventBus | None]
"""The bus, or a callable giving it at startup (Printernizer creates its ``EventService`` in the lifespan)."""
HOST_EVENT_BUS = "event_service"
"""Where Printernizer keeps its bus on ``app.state``; used when no ``event_bus`` is given."""
Lifespan = Callable[[Any], AbstractAsyncContextManager[Any]]


def install(
    app: Any,
    *,
    db_path: str | Path,
    app_version: str,
    event_bus: EventBusSource | None = None,
    settings: Any = None,
    printers_by_type: PrintersByType | None = None,
    features_enabled: FeaturesEnabled | None = None,
    timezone: str | None = None,
    route_mode: RouteMode = DEFAULT_ROUTE_MODE,
    mount_prefix: str = MOUNT_PREFIX,
    sender: SenderConfig | None = None,
    environ: Mapping[str, str] | None = None,
    allowed_hosts: Iterable[str] = (),
    **client_options: Any,
) -> StatsClient:
    """Add usage statistics to a FastAPI app; call it in ``create_application()`` before the app serves.

    Args:
        app: the host's FastAPI app.
        db_path: the local statistics database (its own SQLite file, created on first use).
        app_version: the host's version (only major.minor.patch is ever sent).
        event_bus: the host's event bus, or a callable giving it at startup; None: ``app.state.event_service``
            once the host's startup has run, if there is one.
        settings: the host's settings object: feature flags are read from it (see :mod:`._host_settings`);
            ``features_enabled`` overrides it.
        printers_by_type: a callable giving ``{printer_type: count}`` (read on the exporter's thread).
        route_mode: ``"lean"`` (default) or ``"otel"`` route instrumentation.
        mount_prefix: where the privacy API and the page are mounted.
        sender: where batches go; None: ``PRINTERNIZER_STATS_ENDPOINT`` etc., else nowhere.
        environ: where DO_NOT_TRACK and ``PRINTERNIZER_STATS_*`` are read (default ``os.environ``).
        allowed_hosts: host names the page is reached under beyond addresses, ``localhost`` and local-only
            names (also ``PRINTERNIZER_STATS_ALLOWED_HOSTS`` and the names in the host's ``CORS_ORIGINS``).
        client_options: further :class:`StatsClient` arguments (``export_interval_s``, ``today``...).

    Returns:
        The client (also on ``app.state.usage_stats``); a second call on the same app returns the first one.
    """
    existing = getattr(app.state, "usage_stats", None)
    if isinstance(existing, StatsClient):
        _log.warning("usage_stats.already_installed")
        return existing
    client = StatsClient(
        db_path, app_version,
        timezone=timezone,
        printers_by_type=printers_by_type,
        features_enabled=features_enabled or (features_from_settings(settings) if settings is not None else None),
        sender=sender, environ=environ, **client_options,
    )
    _step("instrument_routes", client.instrument_app, app, route_mode, mount_prefix)
    _warn_if_shadowed(app, mount_prefix)
    policy = request_policy(settings, client.services.environ, allowed_hosts)
    _step("mount_privacy_api", app.include_router, usage_stats_router(client, policy), prefix=mount_prefix)
    _step("wrap_lifespan", _wrap_lifespan, app, client, event_bus)
    app.state.usage_stats = client
    return client


def _step(name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    try:
        fn(*args, **kwargs)
    except Exception as exc:
        # The type only: an OSError's message carries the DB path, which can carry the user's name.
        _log.warning("usage_stats.install_step_failed", step=name, error=type(exc).__name__)


def _warn_if_shadowed(app: Any, prefix: str) -> None:
    """Routes already under ``prefix`` (Printernizer's old usage-stats router) would answer first."""
    taken = [t for t in RouteTable(app).templates() if t == prefix or t.startswith(f"{prefix}/")]
    if taken:
        _log.warning("usage_stats.prefix_taken", prefix=prefix, routes=len(taken),
                     hint="remove the old usage statistics router so these routes are ours")


def _resolve_bus(app: Any, source: EventBusSource | None) -> EventBus | None:
    if source is None:
        bus = getattr(app.state, HOST_EVENT_BUS, None)
        return bus if hasattr(bus, "subscribe") else None
    if hasattr(source, "subscribe"):
        return cast(EventBus, source)
    return source() if callable(source) else None


def _attach(app: Any, client: StatsClient, event_bus: EventBusSource | None) -> bool:
    """Attach the bus if there is one yet; whether it is attached. Never raises."""
    try:
        bus = _resolve_bus(app, event_bus)
        if bus is not None:
            client.attach_event_bus(bus)
            return True
    except Exception as exc:
        _log.error("usage_stats.event_bus_failed", error=type(exc).__name__)
    return False


class _StateWatch:
    """Attaches the host's bus the moment the host stores it on ``app.state`` (Printernizer does so in its
    lifespan, just before its printers connect and fire connection events).

    ``app.state``'s class is swapped for a subclass whose ``__setattr__`` also calls back, and swapped back
    when the lifespan ends: the only hook a Starlette ``State`` offers, and nothing of the host changes.
    """

    def __init__(self, app: Any, name: str, on_set: Callable[[], object]) -> None:
        self._state = app.state
        original: type[Any] = type(self._state)
        self._original: type[Any] | None = original

        class Watching(original):  # type: ignore[misc]
            def __setattr__(self, key: str, value: Any) -> None:
                super().__setattr__(key, value)
                if key == name:
                    on_set()

        try:  # past State's own __setattr__, which would store "__class__" as a state key
            object.__setattr__(self._state, "__class__", Watching)
        except TypeError:  # a state object that cannot be watched: the bus is attached after startup
            self._original = None

    def close(self) -> None:
        if self._original is not None:
            object.__setattr__(self._state, "__class__", self._original)


async def startup(app: Any, client: StatsClient, event_bus: EventBusSource | None) -> _StateWatch | None:
    """Before the host's startup: start collecting (blocking I/O in a worker thread) and attach the bus, or
    watch for it, so that events the host fires while starting are counted. Never raises."""
    try:
        await asyncio.to_thread(client.start)
    except Exception as exc:
        _log.error("usage_stats.start_failed", error=type(exc).__name__)
    if _attach(app, client, event_bus) or event_bus is not None:
        return None
    try:
        return _StateWatch(app, HOST_EVENT_BUS, lambda: _attach(app, client, None))
    except Exception as exc:
        _log.error("usage_stats.event_bus_failed", error=type(exc).__name__)
        return None


def started(app: Any, client: StatsClient, event_bus: EventBusSource | None) -> None:
    """After the host's startup: the bus if it appeared otherwise (a callable source), then the sender."""
    _attach(app, client, event_bus)
    try:
        client.start_scheduler()
    except Exception as exc:
        _log.error("usage_stats.scheduler_failed", error=type(exc).__name__)


async def shutdown(client: StatsClient) -> None:
    """Detach from the bus, stop the sender and flush the last readings. Never raises."""
    try:
        client.detach_event_bus()
        await asyncio.to_thread(client.stop)
    except Exception as exc:
        _log.error("usage_stats.stop_failed", error=type(exc).__name__)


def _wrap_lifespan(app: Any, client: StatsClient, event_bus: EventBusSource | None) -> None:
    original: Lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(host: Any) -> AsyncIterator[Any]:
        watch = await startup(host, client, event_bus)
        stopped = False
        try:
            async with original(host) as state:
                started(host, client, event_bus)
                try:
                    yield state
                finally:  # before the host's own shutdown, as its services may go with it
                    stopped = True
                    await shutdown(client)
        finally:
            if watch is not None:
                watch.close()
            if not stopped:  # the host's startup failed
                await shutdown(client)

    app.router.lifespan_context = lifespan
