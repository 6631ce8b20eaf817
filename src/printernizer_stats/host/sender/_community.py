"""The public community summary, fetched at most once a day and cached in the sender's SQLite file.

Fetched only when the composition root says so (opted in, no DO_NOT_TRACK), from the scheduler's round on
its worker thread. The request carries nothing about the installation: no token (the summary is public),
no id, only ``If-None-Match`` with the cached ETag. The transport rules are the sender's (``_http``): HTTPS
(plain HTTP only to loopback), proxy and CA only from :class:`SenderConfig`, the environment ignored, no
redirects, the configured timeout, and at most 64 KiB of answer. Any failure keeps the cache as it is and logs one
line with the exception type, never its message or the URL.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
import structlog

from printernizer_stats.contract import JSON, METRICS_PATH, SUMMARY_PATH, USER_AGENT, SummaryDocument, validate_summary
from printernizer_stats.host.sender._config import SenderConfig, metrics_url
from printernizer_stats.host.sender._db import sender_db
from printernizer_stats.host.sender._http import hardened_session, request_capped

_log = structlog.get_logger(__name__)

MAX_SUMMARY_BYTES = 64 * 1024


class SummaryTooLarge(ValueError):
    """The answer is larger than :data:`MAX_SUMMARY_BYTES`."""


class UnexpectedStatus(ValueError):
    """The receiver answered neither 200 nor 304."""


def summary_url(endpoint: str) -> str:
    """``<endpoint base>/v1/summary``: the metrics URL with ``/v1/metrics`` replaced (same HTTPS rule)."""
    parts = urlsplit(metrics_url(endpoint))
    base = parts.path.removesuffix(METRICS_PATH).rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, base + SUMMARY_PATH, "", ""))


@dataclass(frozen=True, slots=True)
class CachedSummary:
    """The summary as last fetched (``None`` before the first success) and when it was fetched and checked."""

    summary: dict[str, Any] | None
    etag: str | None
    fetched_day: date | None
    checked_day: date


@dataclass(frozen=True, slots=True)
class _Answer:
    summary: SummaryDocument | None  # None: 304, the cached one still holds
    etag: str | None


class CommunitySummary:
    """The cached community summary in the SQLite file at ``path``; fetched with ``config``'s transport."""

    def __init__(self, path: str | Path, config: SenderConfig,
                 session_factory: Callable[[], requests.Session] = requests.Session) -> None:
        self.db = sender_db(path)
        self.config = config
        self._session_factory = session_factory

    def cached(self) -> CachedSummary | None:
        with self.db.connect() as conn:
            row = conn.execute("SELECT body, etag, fetched_day, checked_day FROM community_summary").fetchone()
        if row is None:
            return None
        body, etag, fetched, checked = row
        return CachedSummary(json.loads(body) if body else None, etag,
                             date.fromisoformat(fetched) if fetched else None, date.fromisoformat(checked))

    def due(self, today: date) -> bool:
        """Whether a fetch is due: an endpoint is configured and nothing was tried today."""
        if not self.config.enabled:
            return False
        cached = self.cached()
        return cached is None or cached.checked_day != today

    def refresh(self, today: date, allowed: Callable[[], bool],
                guard: AbstractContextManager[Any] | None = None) -> str:
        """Fetch once a day while ``allowed()``; returns ``off``, ``fresh``, ``fetched``, ``not_modified`` or
        ``failed``. ``allowed`` is asked again under ``guard`` (the client's lock) before anything is written,
        so an opt-out racing the request leaves nothing behind. Never raises for network or shape problems."""
        if not allowed():
            return "off"
        if not self.due(today):
            return "fresh"
        cached = self.cached()
        outcome, answer = "failed", None
        try:
            answer = self._fetch(cached.etag if cached and cached.summary is not None else None)
            outcome = "fetched" if answer.summary is not None else "not_modified"
        except Exception as exc:  # the host never suffers: the old cache stays, one line names the type only
            _log.warning("usage_stats.community_summary_failed", error=type(exc).__name__)
        with guard or nullcontext():
            if not allowed():
                return "off"
            self._record(today, answer)
        return outcome

    def clear(self) -> int:
        """Delete the cached summary (opt-out, delete all, DO_NOT_TRACK); returns the rows deleted."""
        with self.db.connect() as conn:
            return conn.execute("DELETE FROM community_summary").rowcount

    def _fetch(self, etag: str | None) -> _Answer:
        url = summary_url(self.config.endpoint)  # raises for a non-HTTPS endpoint before any connection
        headers = {"Accept": JSON, "User-Agent": USER_AGENT}
        if etag:
            headers["If-None-Match"] = etag
        with hardened_session(self.config, self._session_factory()) as session:
            response = request_capped(session, "GET", url, timeout_s=self.config.timeout_s,
                                      limit=MAX_SUMMARY_BYTES + 1, headers=headers)
        body = response.body
        if response.status_code == 304:
            return _Answer(None, etag)
        if response.status_code != 200:
            raise UnexpectedStatus(response.status_code)
        if len(body) > MAX_SUMMARY_BYTES:
            raise SummaryTooLarge(len(body))
        new_etag = response.headers.get("ETag")
        return _Answer(validate_summary(json.loads(body)), new_etag if new_etag and len(new_etag) <= 128 else None)

    def _record(self, today: date, answer: _Answer | None) -> None:
        with self.db.connect() as conn:
            if answer is None or answer.summary is None:  # failed or unchanged: the cached body stays
                fetched = today.isoformat() if answer is not None else None
                conn.execute(
                    "INSERT INTO community_summary (id, checked_day, fetched_day) VALUES (1, ?, ?) "
                    "ON CONFLICT (id) DO UPDATE SET checked_day = excluded.checked_day, "
                    "fetched_day = COALESCE(excluded.fetched_day, fetched_day)",
                    (today.isoformat(), fetched),
                )
                return
            conn.execute(
                "INSERT OR REPLACE INTO community_summary (id, body, etag, fetched_day, checked_day) "
                "VALUES (1, ?, ?, ?, ?)",
                (json.dumps(answer.summary, sort_keys=True), answer.etag, today.isoformat(), today.isoformat()),
            )
