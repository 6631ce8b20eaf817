"""Connection limits under uvicorn: a cap overall and per client address, a deadline for a request's head,
keep-alive bounded in time and in requests, proxy headers only from configured proxies.

uvicorn (h11) waits for a request's head for ever: no timer runs until a first response, and every byte
received cancels the keep-alive timer, so a client trickling header bytes holds a connection indefinitely;
nothing caps how many connections are open. ``guarded_protocol`` is uvicorn's own H11Protocol with these
limits added; the body's deadline is the app's (``RequestBodyMiddleware``). Addresses are counted in
memory only, for as long as their connections are open.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
from collections import Counter
from dataclasses import dataclass
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from printernizer_stats.contract import CONNECTION_LIMITS_ENV
from printernizer_stats.maintainers.server._ratelimit import address_group

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """Attributes:
        max_connections: open connections at once; more are closed at once (a file descriptor each).
        max_connections_per_address: open connections of one client address.
        header_timeout_s: from connection (or the previous answer) to a complete request head.
        keep_alive_s: an idle keep-alive connection is closed after this.
        max_requests_per_connection: then the connection is closed (the client opens another).
        max_header_bytes: a request head larger than this is a 400 (h11's incomplete event limit).
        trusted_proxies: addresses whose ``X-Forwarded-For`` is believed; none by default (not even
            loopback: any process on the host could then pose as any number of client addresses).
    """

    max_connections: int = 1000
    max_connections_per_address: int = 64
    header_timeout_s: float = 10.0
    keep_alive_s: int = 5
    max_requests_per_connection: int = 1000
    max_header_bytes: int = 16 * 1024
    trusted_proxies: tuple[str, ...] = ()

    def uvicorn_options(self) -> dict[str, Any]:
        """Keyword arguments for ``uvicorn.run``/``uvicorn.Config``."""
        return {
            "http": guarded_protocol(self), "timeout_keep_alive": self.keep_alive_s,
            "h11_max_incomplete_event_size": self.max_header_bytes,
            "proxy_headers": bool(self.trusted_proxies),
            "forwarded_allow_ips": list(self.trusted_proxies) or None,
        }

    def worker_uvicorn_options(self) -> dict[str, Any]:
        """The same for ``uvicorn.run(..., workers=N)``: each worker process imports the protocol class by
        name and reads these limits from the environment (each counts its own connections)."""
        os.environ[CONNECTION_LIMITS_ENV] = json.dumps(dataclasses.asdict(self))
        return {**self.uvicorn_options(), "http": f"{__name__}:EnvironmentGuardedProtocol"}


def guarded_protocol(limits: ConnectionLimits) -> type[H11Protocol]:
    """uvicorn's H11Protocol with ``limits``; one class per server (it holds the per-address counts)."""
    open_per_address: Counter[str] = Counter()

    class GuardedH11Protocol(H11Protocol):
        _address = ""
        _served = 0
        _head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._address = address_group(self.client[0]) if self.client else ""  # IPv6: per /64
            open_per_address[self._address] += 1
            if (len(self.connections) > limits.max_connections
                    or open_per_address[self._address] > limits.max_connections_per_address):
                transport.close()
                return
            self._arm_head_timer()

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel_head_timer()
            open_per_address[self._address] -= 1
            if open_per_address[self._address] <= 0:
                del open_per_address[self._address]
            super().connection_lost(exc)

        def handle_events(self) -> None:
            super().handle_events()
            if self.conn.their_state is not h11.IDLE:
                self._cancel_head_timer()  # the head is in: the body's deadline is the app's

        def on_response_complete(self) -> None:
            self._served += 1
            if self._served >= limits.max_requests_per_connection:
                self.transport.close()
            super().on_response_complete()
            if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
                self._arm_head_timer()

        def _arm_head_timer(self) -> None:
            self._cancel_head_timer()
            self._head_timer = self.loop.call_later(limits.header_timeout_s, self._head_timeout)

        def _cancel_head_timer(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_timeout(self) -> None:
            self._head_timer = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()

    return GuardedH11Protocol


def _environment_limits() -> ConnectionLimits:
    settings = json.loads(os.environ.get(CONNECTION_LIMITS_ENV) or "{}")
    return ConnectionLimits(**{**settings, "trusted_proxies": tuple(settings.get("trusted_proxies", ()))})


EnvironmentGuardedProtocol = guarded_protocol(_environment_limits())
"""The protocol of ``serve --workers N``'s worker processes (uvicorn imports it by name in each)."""
