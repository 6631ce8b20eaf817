"""The receiver's FastAPI app: ``POST /v1/metrics`` (OTLP/HTTP) and ``GET /healthz``.

The route handler stays thin: decode -> ``validate_request`` (pure, one verdict per batch) ->
per-installation rate limit -> ``GroupWriter`` (group commit) -> OTLP answer (pure, ``_answer``), with the
receipt headers when the request carried one batch (a client's; a collector's carries several).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import structlog
from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from printernizer_stats._version import __version__
from printernizer_stats.contract import BATCH_ID_HEADER, JSON, METRICS_PATH, PROTOBUF, RECEIPT_HEADER
from printernizer_stats.maintainers.server._answer import combine, limited_reason, not_yet_registered, refusal_reason
from printernizer_stats.maintainers.server._batch import Rejected, ValidatedBatch
from printernizer_stats.maintainers.server._config import ReceiverConfig
from printernizer_stats.maintainers.server._decoding import Decoded, Decoder, decode_and_validate
from printernizer_stats.maintainers.server._engine import create_engine
from printernizer_stats.maintainers.server._guards import (
    AddressRateLimitMiddleware,
    BearerTokenMiddleware,
    ContentTypeMiddleware,
    RequestBodyMiddleware,
)
from printernizer_stats.maintainers.server._guesses import WrongGuesses
from printernizer_stats.maintainers.server._json_budget import JsonBudget
from printernizer_stats.maintainers.server._limits import BatchLimits
from printernizer_stats.maintainers.server._otlp import (
    DecodeError,
    media_type,
    status_response,
    success_response,
)
from printernizer_stats.maintainers.server._points import TimeWindow
from printernizer_stats.maintainers.server._ratelimit import AddressKeys, TokenBuckets
from printernizer_stats.maintainers.server._storage import Storage, StorageUnavailable, StoreResult
from printernizer_stats.maintainers.server._validate import max_points
from printernizer_stats.maintainers.server._workers import Busy, FairWorkers
from printernizer_stats.maintainers.server._writer import GroupWriter
from printernizer_stats.registry import Registry, default_registry

_RETRY_STORAGE_S = "30"
_log = structlog.get_logger(__name__)

_OPENAPI_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "An OTLP ExportMetricsServiceRequest: one weekly batch (docs/wire-format.md), or several "
                       "merged by a collector (one per ResourceMetrics); gzip or not.",
        "content": {
            PROTOBUF: {"schema": {"type": "string", "format": "binary"}},
            JSON: {"schema": {"type": "object"}},
        },
    },
    "responses": {
        "200": {"description": "Stored (or already stored); partial_success lists rejected points (and batches). "
                               f"Headers {BATCH_ID_HEADER} and {RECEIPT_HEADER} carry the receipt of a lone batch."},
        "400": {"description": "Malformed body, or no batch whose resource/envelope keeps to the wire format"},
        "401": {"description": "Missing or wrong bearer token"},
        "408": {"description": "The body did not arrive within the body timeout"},
        "413": {"description": "Body too large, compressed or inflated, or a JSON body over its budget"},
        "415": {"description": "Content-Type or Content-Encoding not supported"},
        "429": {"description": "Rate limited; see Retry-After"},
        "503": {"description": "Storage unavailable; see Retry-After"},
    },
}
_HEALTH = {"application/json": {"schema": {"type": "object", "required": ["status", "registry_version"], "properties": {
    "status": {"type": "string", "enum": ["ok", "storage unavailable"]}, "registry_version": {"type": "integer"}}}}}
_OPENAPI_HEALTH: dict[str, Any] = {"responses": {
    "200": {"description": "Serving, and the database answers", "content": _HEALTH},
    "503": {"description": "The database does not answer", "content": _HEALTH},
}}


def utc_now() -> datetime:
    return datetime.now(UTC)


class Receiver:
    """The route handlers, bound to one registry, storage and set of limits."""

    def __init__(self, registry: Registry, storage: Storage, config: ReceiverConfig,
                 now: Callable[[], datetime]) -> None:
        self.registry = registry
        self.storage = storage
        self.config = config
        self.now = now
        self.writer = GroupWriter(storage)
        budget = JsonBudget.for_registry(registry, config.max_json_bytes, max_points(registry))
        self.decoder = Decoder(registry, budget, config.decode_in_processes)
        self.workers = FairWorkers(self.decoder.executor, config.decode_workers, config.max_decoding_per_address)
        self.keys = AddressKeys()
        self.limits = BatchLimits(config, storage, self.writer.inline)

    async def export(self, request: Request) -> Response:
        media = media_type(request.headers.get("content-type"))
        now = self.now()
        window = TimeWindow(int(now.timestamp()) * 1_000_000_000, self.config.max_age_weeks,
                            self.config.clock_skew_s * 1_000_000_000)
        try:
            decoded = await self._decode(request, await request.body(), media, window)
        except DecodeError as exc:
            return status_response(exc.status, str(exc), media)
        except Busy:
            return status_response(429, "too many requests of this address are being decoded; retry later",
                                   media, {"Retry-After": "1"})
        verdicts = decoded.verdicts
        if isinstance(verdicts, Rejected):
            return status_response(400, verdicts.reason, media)
        batches = {i: v for i, v in enumerate(verdicts) if isinstance(v, ValidatedBatch)}
        if not batches:
            return status_response(400, refusal_reason(verdicts), media)
        address = self.keys(request.client.host if request.client else "unknown")
        try:
            waits = await self.limits.waits(batches, address)
            stored = await self._store({i: b for i, b in batches.items() if i not in waits}, now)
            self.limits.stored(batches, stored)
            waits.update(not_yet_registered(stored))
        except StorageUnavailable:
            _log.warning("receiver.storage_unavailable")
            return status_response(503, "storage unavailable; retry later", media,
                                   {"Retry-After": _RETRY_STORAGE_S})
        if waits:
            # Only these batches are refused, and not for good: the others are stored, and the retry of the
            # whole request finds them stored (idempotent). partial_success would be final: nothing resends it.
            return status_response(429, limited_reason(waits, len(verdicts)), media,
                                   {"Retry-After": str(max(1, math.ceil(max(w for w, _ in waits.values()))))})
        answer = combine(verdicts, decoded.points, stored)
        if answer.refusal:
            return status_response(400, answer.refusal, media)
        headers = ({BATCH_ID_HEADER: answer.receipt.batch_id, RECEIPT_HEADER: answer.receipt.receipt}
                   if answer.receipt is not None else {})
        return success_response(media, answer.rejected_points, answer.message, headers)

    async def _decode(self, request: Request, body: bytes, media: str, window: TimeWindow) -> Decoded:
        """Decode and validate: a client's protobuf batch (a few KB, a millisecond) on the event loop,
        anything larger and all JSON in the fair worker pool, so that no body holds the loop for long."""
        if media != JSON and len(body) <= self.config.inline_decode_bytes:
            return decode_and_validate(self.registry, self.decoder.budget, body, media, window)
        job = self.decoder.job(body, media, window)
        address = request.client.host if request.client else "unknown"
        return await self.workers.run(self.keys(address), job)

    async def _store(self, batches: dict[int, ValidatedBatch], now: datetime) -> dict[int, StoreResult]:
        """Store each batch (one group commit for a collector's request); raises StorageUnavailable."""
        if not batches:
            return {}
        if len(batches) == 1:
            ((index, batch),) = batches.items()
            return {index: await self.writer.store(batch, self._received(batch, now))}
        results = await asyncio.gather(*(self.writer.store(b, self._received(b, now)) for b in batches.values()),
                                       return_exceptions=True)
        stored: dict[int, StoreResult] = {}
        for index, result in zip(batches, results, strict=True):
            if isinstance(result, BaseException):
                raise result  # StorageUnavailable: the whole request is answered 503
            stored[index] = result
        return stored

    def _received(self, batch: ValidatedBatch, now: datetime) -> date:
        """The day ``batch`` counts as received: today, or in a simulation the Monday after its week."""
        if self.config.simulated_receipt and batch.period is not None:
            return batch.period + timedelta(days=7)
        return now.date()

    async def health(self) -> Response:
        healthy = await run_in_threadpool(self.storage.healthy)
        body = {"status": "ok" if healthy else "storage unavailable", "registry_version": self.registry.version}
        return JSONResponse(body, 200 if healthy else 503)


def create_app(
    config: ReceiverConfig | None = None,
    *,
    storage: Storage | None = None,
    registry: Registry | None = None,
    now: Callable[[], datetime] = utc_now,
) -> FastAPI:
    """The receiver as an ASGI app.

    Args:
        config: limits, token and database URL (default: ``ReceiverConfig()``).
        storage: an open Storage (tests, benchmarks); by default one on ``config.db_url``, closed at shutdown.
            The database must be migrated already (``migrate``).
        registry: the registry batches are validated against (default: the shipped one).
        now: the clock (UTC), a parameter for tests.
    """
    config = (config or ReceiverConfig()).validate()
    registry = registry or default_registry()
    owned = storage is None
    store = storage or Storage(create_engine(config.db_url), registry)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        receiver.workers.close()
        if owned:
            store.close()

    app = FastAPI(title="printernizer-stats receiver", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None)
    receiver = Receiver(registry, store, config, now)
    app.add_api_route(METRICS_PATH, receiver.export, methods=["POST"], summary="OTLP/HTTP metrics export",
                      openapi_extra=_OPENAPI_BODY)
    app.add_api_route("/healthz", receiver.health, methods=["GET"], summary="Liveness and storage check",
                      openapi_extra=_OPENAPI_HEALTH)
    # add_middleware wraps: the last added is the outermost. Order seen by a request: address rate limit,
    # token, content type, body size/gzip.
    app.add_middleware(RequestBodyMiddleware, max_bytes=config.max_body_bytes,
                       max_inflated_bytes=config.max_inflated_bytes, max_json_bytes=config.max_json_bytes,
                       body_timeout_s=config.body_timeout_s)
    app.add_middleware(ContentTypeMiddleware, paths=(METRICS_PATH,))
    guesses = WrongGuesses(penalty_s=config.wrong_token_penalty_s)
    app.add_middleware(BearerTokenMiddleware, token=config.token, guesses=guesses)
    address_buckets = (TokenBuckets(config.address_burst, config.address_refill_per_minute / 60)
                       if config.address_limit_enabled else None)
    app.add_middleware(AddressRateLimitMiddleware, buckets=address_buckets)
    app.state.receiver = receiver
    app.state.guesses = guesses
    app.state.storage = store
    return app
