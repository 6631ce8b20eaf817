"""The receiver's settings: one frozen dataclass; precedence argument -> environment variable -> default."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from printernizer_stats.maintainers.server._ratelimit import TokenBuckets

DEFAULT_DB_URL = "sqlite:///printernizer-stats-receiver.db"
"""A SQLite file in the working directory: the embedded default."""


@dataclass(frozen=True, slots=True)
class ReceiverConfig:
    """How the receiver guards itself. Every limit is per process (rate limits live in memory).

    Attributes:
        db_url: where batches are stored (default: a SQLite file in the working directory).
        token: the bearer token required on ``POST /v1/metrics``; ``None``: none required.
        max_body_bytes: largest body on the wire (compressed); larger -> 413.
        max_inflated_bytes: largest body after gzip inflation; larger -> 413 (a gzip bomb stops here).
        installation_burst / installation_refill_per_hour: per-installation token bucket; 10 admits a client
            that was offline for weeks and sends its whole outbox (about 8 batches) at once.
        address_burst / address_refill_per_minute: requests per client address (IPv6: per /64); 0 turns
            it off, and with it the batch and new-installation limits below: the receiver then does not see
            its clients' addresses (behind one collector, whose address all batches share), and those limits
            belong to the proxy in front of the collector (docs/security.md, "Sybils").
        max_age_weeks: points older than this are rejected (the client keeps unsent weeks for a while).
        clock_skew_s: how far in the future a point may be dated (client clocks are not exact).
        decode_workers: threads that decode and validate bodies larger than ``inline_decode_bytes`` and every
            JSON body, shared round-robin between client addresses.
        decode_in_processes: those workers are processes (started on first use; Python work there never
            competes with the event loop for the GIL); ``False``: threads.
        max_decoding_per_address: bodies of one address waiting for or in those threads; more -> 429.
        inline_decode_bytes: protobuf bodies up to this size (a client's batch is ~6 KB) are decoded on the
            event loop: cheaper than a hand-off, and bounded.
        max_json_bytes: largest JSON body after inflation (its objects, points and depth are budgeted from the
            registry too); larger -> 413. Protobuf is the encoding for more.
        body_timeout_s: the whole body must arrive within this, else 408 and the connection is closed.
        analytics_token: the token of the dashboard and analytics API (``None``: ``token``); with it, the
            clients' ingest token opens nothing but ``POST /v1/metrics``.
        wrong_token_penalty_s: a wrong token (ingest, analytics, sign-in) past an address's burst of ten waits
            this long for its answer; a correct one never waits.
        deletion_burst / deletion_refill_per_hour: deletion requests per client address (a collector's
            address counts all its users'); 0 turns it off. Past it: 429, the request's other batches stored.
        batch_burst / batch_refill_per_hour: weekly batches per client address (IPv6: per /64), however
            many a request carries; 0 turns it off. Past it: 429 for those batches, the others stored
            (batches already stored never count: a retry resends them).
        new_installation_burst / new_installation_refill_per_hour: installations new to the receiver (no
            verifier registered yet) per client address; 0 turns it off. A household has a few; behind a
            collector the address is everyone's, so size both limits for the whole community there.
        simulated_receipt: for simulations only (the demo, a simulated year in tests): each weekly batch is
            recorded as received the Monday after its week, as a client sends it in life, so a year that
            arrives within minutes spans the received weeks it would and the rule "an installation counts
            toward k once its batches arrived in two distinct received weeks" works as it would. Never in
            production: there the client would choose its received weeks.
    """

    db_url: str = DEFAULT_DB_URL
    token: str | None = None
    max_body_bytes: int = 256 * 1024
    max_inflated_bytes: int = 2 * 1024 * 1024
    installation_burst: int = 10
    installation_refill_per_hour: float = 4.0
    address_burst: int = 120
    address_refill_per_minute: float = 120.0
    max_age_weeks: int = 26
    clock_skew_s: int = 86_400
    decode_workers: int = 1
    decode_in_processes: bool = True
    max_decoding_per_address: int = 8
    inline_decode_bytes: int = 16 * 1024
    max_json_bytes: int = 1024 * 1024  # the largest valid batch (120 route series a week) is ~650 KB of JSON
    body_timeout_s: float = 30.0
    deletion_burst: int = 100
    analytics_token: str | None = None
    wrong_token_penalty_s: float = 2.0
    deletion_refill_per_hour: float = 100.0
    batch_burst: int = 100
    batch_refill_per_hour: float = 100.0
    new_installation_burst: int = 3
    new_installation_refill_per_hour: float = 0.25
    simulated_receipt: bool = False

    def validate(self) -> ReceiverConfig:
        """Raise ValueError naming the first bad field; return self."""
        positive = {
            "max_body_bytes": self.max_body_bytes, "max_inflated_bytes": self.max_inflated_bytes,
            "installation_burst": self.installation_burst,
            "installation_refill_per_hour": self.installation_refill_per_hour,
            "max_age_weeks": self.max_age_weeks, "decode_workers": self.decode_workers,
            "max_decoding_per_address": self.max_decoding_per_address, "max_json_bytes": self.max_json_bytes,
            "body_timeout_s": self.body_timeout_s,
        }
        for name, value in positive.items():
            if not value > 0:
                raise ValueError(f"{name} must be positive, not {value!r}")
        if self.address_burst < 0 or self.address_refill_per_minute < 0:
            raise ValueError("address_burst and address_refill_per_minute must be >= 0 (0: no address limit)")
        if self.clock_skew_s < 0 or self.inline_decode_bytes < 0 or self.deletion_burst < 0:
            raise ValueError("clock_skew_s, inline_decode_bytes and deletion_burst must be >= 0")
        sybil = {"batch_burst": self.batch_burst, "batch_refill_per_hour": self.batch_refill_per_hour,
                 "new_installation_burst": self.new_installation_burst,
                 "new_installation_refill_per_hour": self.new_installation_refill_per_hour}
        for name, value in sybil.items():
            if value < 0:
                raise ValueError(f"{name} must be >= 0 (0: that limit off), not {value!r}")
        if self.token is not None and not self.token.strip():
            raise ValueError("token must not be empty (leave it unset for no token)")
        analytics = self.analytics_token
        if analytics is not None and (not analytics.strip() or analytics == self.token):
            raise ValueError("analytics_token must not be empty, nor the ingest token")
        if self.wrong_token_penalty_s < 0:
            raise ValueError("wrong_token_penalty_s must be >= 0")
        if not self.db_url:
            raise ValueError("db_url must not be empty")
        return self

    @property
    def address_limit_enabled(self) -> bool:
        return self.address_burst > 0 and self.address_refill_per_minute > 0

    def per_address(self, burst: int, refill_per_hour: float) -> TokenBuckets | None:
        """Buckets of ``burst`` refilled ``refill_per_hour``, or ``None`` (no limit) when either is 0."""
        return TokenBuckets(burst, refill_per_hour / 3600) if burst > 0 and refill_per_hour > 0 else None


def env_or(value: str | None, name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """``value`` if given, else the environment variable ``name`` (empty counts as unset)."""
    if value is not None:
        return value
    found = (os.environ if environ is None else environ).get(name, "")
    return found or None
