"""The maintainers' app: the receiver (``server.create_app``) plus the analytics routes and, optionally,
retention once a day. The receiver knows nothing of analytics; this module composes the two."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, TypeVar

import structlog
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from printernizer_stats.maintainers.analytics._auth import DashboardAuth, WrongBearerDelay
from printernizer_stats.maintainers.analytics._config import AnalyticsConfig
from printernizer_stats.maintainers.analytics._retention import apply_retention
from printernizer_stats.maintainers.analytics._service import AnalyticsService
from printernizer_stats.maintainers.analytics._web import analytics_router
from printernizer_stats.maintainers.server import ReceiverConfig, Storage, create_app
from printernizer_stats.maintainers.server._app import utc_now
from printernizer_stats.registry import Registry

_log = structlog.get_logger(__name__)
T = TypeVar("T")


def install_analytics(app: FastAPI, engine: Engine, config: AnalyticsConfig, token: str | None,
                      now: Callable[[], datetime] = utc_now, registry: Registry | None = None) -> AnalyticsService:
    """Add the analytics routes to a receiver ``app``, and a background task for while it serves: it fills
    the figure cache at start-up and brings it up to date every ``refresh_interval_s`` (so requests never
    wait for the database once it is filled), and applies retention every ``retention_interval_s`` if
    ``retention_days`` is set."""
    service = AnalyticsService(engine, config, now, registry)
    auth = DashboardAuth(token, guesses=getattr(app.state, "guesses", None))  # shared with the receiver's
    app.include_router(analytics_router(service, auth))
    app.add_middleware(WrongBearerDelay, auth=auth)
    app.state.analytics = service
    days = config.retention_days

    async def background() -> None:
        service.refreshed_in_background = True
        retained_at: float | None = None
        while True:
            await _logged(asyncio.to_thread(service.cache.refresh, service.window(), True),
                          "analytics.refresh_failed")
            if days is not None and (retained_at is None or
                                     time.monotonic() - retained_at >= config.retention_interval_s):
                retained_at = time.monotonic()
                result = await _logged(asyncio.to_thread(apply_retention, engine, now().date(), days, config.k,
                                                         registry), "analytics.retention_failed")
                if result is not None:
                    _log.info("analytics.retention_done", weeks=len(result.weeks), rollup_rows=result.rollup_rows)
            await asyncio.sleep(max(1.0, config.refresh_interval_s))

    _run_alongside(app, background)
    return service


async def _logged(work: Awaitable[T], event: str) -> T | None:
    """``work``'s result; a database error is logged (by type only) and gives ``None``."""
    try:
        return await work
    except SQLAlchemyError as exc:
        _log.error(event, error=type(exc).__name__)
        return None


def _run_alongside(app: FastAPI, task: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run ``task`` while the app serves (inside its existing lifespan), cancelled at shutdown."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[None]:
        async with inner(a):
            running = asyncio.create_task(task())
            try:
                yield
            finally:
                running.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await running

    app.router.lifespan_context = lifespan


def create_maintainers_app(
    config: ReceiverConfig | None = None,
    analytics: AnalyticsConfig | None = None,
    *,
    storage: Storage | None = None,
    registry: Registry | None = None,
    now: Callable[[], datetime] = utc_now,
) -> FastAPI:
    """The receiver with the dashboard, analytics API and community summary, behind the analytics token
    (the receiver's ingest token when no analytics token is configured)."""
    config = (config or ReceiverConfig()).validate()
    app = create_app(config, storage=storage, registry=registry, now=now)
    install_analytics(app, app.state.storage.engine, analytics or AnalyticsConfig(),
                      config.analytics_token or config.token, now, registry)
    return app
