"""The maintainers' app: the receiver (``server.create_app``) plus the analytics routes and, optionally,
retention once a day. The receiver knows nothing of analytics; this module composes the two."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

import structlog
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from printernizer_stats.analytics._auth import DashboardAuth
from printernizer_stats.analytics._config import AnalyticsConfig
from printernizer_stats.analytics._retention import apply_retention
from printernizer_stats.analytics._service import AnalyticsService
from printernizer_stats.analytics._web import analytics_router
from printernizer_stats.registry import Registry
from printernizer_stats.server import ReceiverConfig, Storage, create_app
from printernizer_stats.server._app import utc_now

_log = structlog.get_logger(__name__)


def install_analytics(app: FastAPI, engine: Engine, config: AnalyticsConfig, token: str | None,
                      now: Callable[[], datetime] = utc_now, registry: Registry | None = None) -> AnalyticsService:
    """Add the analytics routes (and scheduled retention, if configured) to a receiver ``app``."""
    service = AnalyticsService(engine, config, now, registry)
    app.include_router(analytics_router(service, DashboardAuth(token)))
    app.state.analytics = service
    if config.retention_days is not None:
        _schedule_retention(app, engine, config, now, registry)
    return service


def _schedule_retention(app: FastAPI, engine: Engine, config: AnalyticsConfig, now: Callable[[], datetime],
                        registry: Registry | None) -> None:
    days = config.retention_days
    assert days is not None

    async def every_day() -> None:
        while True:
            try:
                result = await asyncio.to_thread(apply_retention, engine, now().date(), days, config.k, registry)
                _log.info("analytics.retention_done", weeks=len(result.weeks), rollup_rows=result.rollup_rows)
            except SQLAlchemyError as exc:
                _log.error("analytics.retention_failed", error=type(exc).__name__)
            await asyncio.sleep(config.retention_interval_s)

    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[None]:
        async with inner(a):
            task = asyncio.create_task(every_day())
            try:
                yield
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app.router.lifespan_context = lifespan


def create_maintainers_app(
    config: ReceiverConfig | None = None,
    analytics: AnalyticsConfig | None = None,
    *,
    storage: Storage | None = None,
    registry: Registry | None = None,
    now: Callable[[], datetime] = utc_now,
) -> FastAPI:
    """The receiver with the dashboard, analytics API and community summary, behind the receiver's token."""
    config = (config or ReceiverConfig()).validate()
    app = create_app(config, storage=storage, registry=registry, now=now)
    install_analytics(app, app.state.storage.engine, analytics or AnalyticsConfig(), config.token, now, registry)
    return app
