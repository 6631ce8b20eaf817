"""Request guards as small pure-ASGI middlewares, shaped like Starlette's ``TrustedHostMiddleware``.

Each passes non-HTTP scopes and other paths straight through and refuses a request with an OTLP error
answer naming the reason. Order in the app (outermost first): address rate limit (429) -> bearer token (401)
-> content type (415) -> body size and gzip (413/415/400). Client addresses are used here, in memory, as
keyed hashes, and nowhere else: never stored, never logged.
"""

from __future__ import annotations

import asyncio
import hmac
import math
import zlib
from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from printernizer_stats.contract import JSON, METRICS_PATH
from printernizer_stats.maintainers.server._guesses import WrongGuesses
from printernizer_stats.maintainers.server._otlp import MEDIA_TYPES, media_type, status_response
from printernizer_stats.maintainers.server._ratelimit import AddressKeys, TokenBuckets


class _Guard:
    """Shared plumbing: which requests are guarded, and how to refuse one."""

    def __init__(self, app: ASGIApp, paths: Iterable[str]) -> None:
        self.app = app
        self.paths = frozenset(paths)

    def guarded(self, scope: Scope) -> bool:
        return scope["type"] == "http" and scope["path"] in self.paths and scope["method"] == "POST"

    @staticmethod
    async def refuse(scope: Scope, receive: Receive, send: Send, status: int, reason: str,
                     headers: dict[str, str] | None = None) -> None:
        media = media_type(Headers(scope=scope).get("content-type"))
        await status_response(status, reason, media, headers)(scope, receive, send)


class AddressRateLimitMiddleware(_Guard):
    """429 with ``Retry-After`` when one client address sends too fast (``None`` buckets: no limit)."""

    def __init__(self, app: ASGIApp, buckets: TokenBuckets | None, paths: Iterable[str] = (METRICS_PATH,)) -> None:
        super().__init__(app, paths)
        self.buckets = buckets
        self.keys = AddressKeys()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.buckets is not None and self.guarded(scope):
            client = scope.get("client")
            wait = self.buckets.take(self.keys(client[0] if client else "unknown"))
            if wait:
                await self.refuse(scope, receive, send, 429, "too many requests from this address; retry later",
                                  {"Retry-After": str(max(1, math.ceil(wait)))})
                return
        await self.app(scope, receive, send)


class BearerTokenMiddleware(_Guard):
    """401 unless ``Authorization: Bearer <token>`` matches (constant-time; the scheme name is
    case-insensitive, RFC 9110); ``None`` token: open. Wrong tokens past an address's burst are answered
    slowly (``WrongGuesses``); a correct one never is."""

    def __init__(self, app: ASGIApp, token: str | None, paths: Iterable[str] = (METRICS_PATH,),
                 guesses: WrongGuesses | None = None) -> None:
        super().__init__(app, paths)
        if token is not None and not token.strip():
            raise ValueError("the bearer token must not be empty")
        self.expected = token.encode() if token is not None else None
        self.guesses = guesses or WrongGuesses()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.expected is not None and self.guarded(scope):
            scheme, _, credentials = Headers(scope=scope).get("authorization", "").partition(" ")
            given = credentials.encode("utf-8", "replace")
            if scheme.lower() != "bearer" or not hmac.compare_digest(given, self.expected):
                client = scope.get("client")
                await self.guesses.wrong(client[0] if client else None)
                await self.refuse(scope, receive, send, 401, "missing or wrong bearer token",
                                  {"WWW-Authenticate": "Bearer"})
                return
        await self.app(scope, receive, send)


class ContentTypeMiddleware(_Guard):
    """415 unless the body is OTLP protobuf or OTLP JSON."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.guarded(scope) and media_type(Headers(scope=scope).get("content-type")) not in MEDIA_TYPES:
            await self.refuse(scope, receive, send, 415,
                              "Content-Type must be application/x-protobuf or application/json")
            return
        await self.app(scope, receive, send)


class RequestBodyMiddleware(_Guard):
    """Read the body within ``max_bytes`` and inflate gzip within ``max_inflated_bytes``; the app gets plain bytes.

    A declared Content-Length over the limit is refused before reading; gzip is inflated in bounded steps,
    so a gzip bomb is refused after at most ``max_inflated_bytes + 1`` bytes of output.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, max_inflated_bytes: int,
                 paths: Iterable[str] = (METRICS_PATH,), max_json_bytes: int | None = None,
                 body_timeout_s: float = 30.0) -> None:
        super().__init__(app, paths)
        if max_bytes < 1 or max_inflated_bytes < 1 or body_timeout_s <= 0:
            raise ValueError("body limits must be positive")
        # One deadline for the whole body: a client dripping a byte at a time holds its memory no longer.
        self.body_timeout_s = body_timeout_s
        self.max_bytes = max_bytes
        self.max_inflated_bytes = max_inflated_bytes
        # JSON costs a hundred times protobuf to decode: inflating stops at its own, smaller limit.
        self.max_json_bytes = min(max_json_bytes or max_inflated_bytes, max_inflated_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.guarded(scope):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        numeric = declared is not None and declared.isascii() and declared.isdigit()
        if declared is not None and (not numeric or int(declared) > self.max_bytes):
            status = 413 if numeric else 400
            await self.refuse(scope, receive, send, status, f"body is larger than {self.max_bytes} bytes"
                              if status == 413 else "Content-Length is not a number")
            return
        encoding = headers.get("content-encoding", "identity").strip().lower()
        if encoding not in {"identity", "gzip"}:
            await self.refuse(scope, receive, send, 415, "Content-Encoding must be gzip or absent")
            return
        try:
            async with asyncio.timeout(self.body_timeout_s):
                body = await _read_body(receive, self.max_bytes)
        except TimeoutError:
            await self.refuse(scope, receive, send, 408, f"the body did not arrive within {self.body_timeout_s:g} s",
                              {"Connection": "close"})
            return
        if body is None:
            return  # the client went away
        if len(body) > self.max_bytes:
            await self.refuse(scope, receive, send, 413, f"body is larger than {self.max_bytes} bytes")
            return
        data = bytes(body)
        if encoding == "gzip":
            json_body = media_type(headers.get("content-type")) == JSON
            status, data, reason = inflate(data, self.max_json_bytes if json_body else self.max_inflated_bytes)
            if status:
                await self.refuse(scope, receive, send, status, reason)
                return
        await self.app(_plain_scope(scope, len(data)), _replay(data, receive), send)


async def _read_body(receive: Receive, max_bytes: int) -> bytearray | None:
    """The body (stopping once it is over ``max_bytes``), or ``None`` if the client disconnected."""
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body += message.get("body", b"")
        if len(body) > max_bytes or not message.get("more_body", False):
            return body


_INFLATE_STEP = 64 * 1024
"""Output per inflation step: asking zlib for the whole limit at once would allocate the whole limit."""


def inflate(data: bytes, limit: int) -> tuple[int, bytes, str]:
    """(0, inflated, "") or (HTTP status, b"", reason); never holds more than ``limit`` + one step of output."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    parts: list[bytes] = []
    size = 0
    pending = data
    try:
        while True:
            out = inflater.decompress(pending, _INFLATE_STEP)
            parts.append(out)
            size += len(out)
            if size > limit:
                return 413, b"", f"body inflates to more than {limit} bytes"
            pending = inflater.unconsumed_tail
            if not pending and (inflater.eof or not out):
                break
    except zlib.error:
        return 400, b"", "body is not valid gzip"
    if not inflater.eof:
        return 400, b"", "gzip body is truncated"
    if inflater.unused_data:
        return 400, b"", "data after the end of the gzip body"
    return 0, b"".join(parts), ""


def _plain_scope(scope: Scope, length: int) -> Scope:
    headers = [(k, v) for k, v in scope["headers"] if k not in {b"content-encoding", b"content-length"}]
    return {**scope, "headers": [*headers, (b"content-length", str(length).encode())]}


def _replay(data: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": data, "more_body": False}

    return replay
