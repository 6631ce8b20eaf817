"""``SenderConfig``: where batches go and how, resolved argument -> environment variable -> default.

The default is fail-closed: no endpoint means nothing is ever sent. Nothing is taken silently from the
process environment: ``HTTPS_PROXY``, ``REQUESTS_CA_BUNDLE`` and ``~/.netrc`` are ignored; only our own
variables below are read, and only when the host asks for them (``sender_config(environ=...)``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import structlog

from printernizer_stats.contract import CA_FILE_ENV, ENDPOINT_ENV, INGEST_TOKEN_ENV, METRICS_PATH, PROXY_ENV

_log = structlog.get_logger(__name__)


class InsecureEndpointError(ValueError):
    """The endpoint is not HTTPS (plain HTTP is only allowed to this machine's loopback interface)."""


def is_loopback(host: str) -> bool:
    """True for ``localhost``, 127.0.0.0/8 and ``::1``: the only hosts plain HTTP may go to."""
    if host.lower() in {"localhost", "localhost."}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def metrics_url(endpoint: str) -> str:
    """The URL a batch is POSTed to; checked here, so a bad endpoint fails before any connection.

    OTLP convention: an endpoint without a path (or ``/``) gets ``/v1/metrics``.

    Raises:
        InsecureEndpointError: plain HTTP to anything but loopback, or another scheme.
        ValueError: no host, or user:password in the URL (use the token instead).
    """
    parts = urlsplit(endpoint.strip())
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    if scheme not in {"https", "http"}:
        raise InsecureEndpointError(f"endpoint must be an https:// URL, got scheme {parts.scheme!r}")
    if not host:
        raise ValueError("endpoint has no host")
    if parts.username is not None or parts.password is not None:
        raise ValueError("endpoint must not carry user:password; use the token setting")
    if scheme == "http" and not is_loopback(host):
        raise InsecureEndpointError(
            "refusing plain HTTP: statistics are only sent over HTTPS (http:// is allowed to localhost only)"
        )
    path = parts.path if parts.path not in {"", "/"} else METRICS_PATH
    return urlunsplit((scheme, parts.netloc, path, parts.query, ""))


@dataclass(frozen=True, slots=True)
class SenderConfig:
    """How and where weekly batches are sent. The defaults are safe: no endpoint, nothing is sent."""

    endpoint: str = ""
    """Receiver URL; empty (the default) means nothing is ever sent. Must be https:// (http:// only to loopback)."""
    token: str | None = None
    """Bearer token, or None for no Authorization header."""
    ca_file: str | None = None
    """PEM CA bundle to trust instead of the default store; None = the default store (certifi)."""
    proxy: str | None = None
    """Proxy for the HTTPS connection; None = connect directly (environment proxies are never used)."""
    timeout_s: float = 10.0
    """Connect and read timeout of one attempt; a timeout is retried later."""
    check_interval_s: float = 3600.0
    """How often the scheduler looks for complete weeks and due batches."""
    first_check_jitter_s: float = 600.0
    """The first check after start waits a random 0..this, so restarts don't hit the receiver together."""
    max_outbox_weeks: int = 8
    """Queued weekly batches kept while the receiver is unreachable; older ones are dropped, with a log line."""
    backoff_base_s: float = 60.0
    """First retry delay; doubles per failed attempt (±20 % jitter) up to ``backoff_max_s``."""
    backoff_max_s: float = 6 * 3600.0
    """Longest delay between retries (a ``Retry-After`` may ask for up to ``retry_after_max_s``)."""
    retry_after_max_s: float = 24 * 3600.0
    """Longest ``Retry-After`` honoured; a larger value is capped."""

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise ``ValueError`` naming the field when a setting cannot work."""
        if self.endpoint:
            metrics_url(self.endpoint)
        if self.ca_file and not Path(self.ca_file).is_file():
            raise ValueError(f"ca_file {self.ca_file!r} is not a readable file")
        if self.proxy:
            proxy = urlsplit(self.proxy)
            if proxy.scheme not in {"http", "https"} or not proxy.hostname:
                raise ValueError(f"proxy must be a URL such as http://proxy:3128, got scheme {proxy.scheme!r}")
        for name in ("timeout_s", "check_interval_s", "backoff_base_s", "backoff_max_s", "retry_after_max_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.first_check_jitter_s < 0:
            raise ValueError("first_check_jitter_s must not be negative")
        if self.max_outbox_weeks < 1:
            raise ValueError("max_outbox_weeks must be at least 1")

    @property
    def enabled(self) -> bool:
        return bool(self.endpoint)

    @property
    def url(self) -> str:
        return metrics_url(self.endpoint)

    def __repr__(self) -> str:  # the token must never reach a log line or a traceback
        token = "***" if self.token else None
        return f"SenderConfig(endpoint={self.endpoint!r}, token={token!r}, ca_file={self.ca_file!r})"


def sender_config(
    endpoint: str | None = None,
    token: str | None = None,
    ca_file: str | None = None,
    proxy: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    **options: Any,
) -> SenderConfig:
    """A config from arguments, else our environment variables, else the safe defaults.

    A bad environment value warns and falls back to "send nothing"; a bad argument raises ``ValueError``.
    ``options`` are the remaining :class:`SenderConfig` fields (timeouts, intervals, outbox size).
    """
    env = environ or {}
    explicit = SenderConfig(endpoint=endpoint or "", token=token, ca_file=ca_file, proxy=proxy, **options)
    try:
        return replace(
            explicit,
            endpoint=endpoint if endpoint is not None else env.get(ENDPOINT_ENV, "").strip(),
            token=token if token is not None else env.get(INGEST_TOKEN_ENV) or None,
            ca_file=ca_file if ca_file is not None else env.get(CA_FILE_ENV) or None,
            proxy=proxy if proxy is not None else env.get(PROXY_ENV) or None,
        )
    except ValueError as exc:
        _log.warning("usage_stats.sender_config_ignored", reason=str(exc))
        return explicit
