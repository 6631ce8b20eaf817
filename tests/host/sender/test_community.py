"""The community summary's fetch over a real socket: once a day, ETag/304, size and shape limits, no token."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from printernizer_stats.contract import validate_summary
from printernizer_stats.host.sender import (
    MAX_SUMMARY_BYTES,
    CommunitySummary,
    InsecureEndpointError,
    SenderConfig,
    summary_url,
)
from tests.host.sender.summary_server import Answer, SummaryServer

DAY = date(2026, 7, 13)
SUMMARY: dict[str, Any] = {
    "schema": "printernizer-stats/summary/1", "week": "2026-06-29", "k": 5, "installations": 200,
    "deployment_modes": [{"value": "docker", "installations": 86, "share": 0.43, "low": 0.3636, "high": 0.4988}],
    "versions": [{"value": "2.44.0", "installations": 180, "share": 0.9, "low": 0.851, "high": 0.9342}],
    "platforms": [], "printer_types": [], "fleet_sizes": [], "uptime_days": [],
    "features": [{"value": "library", "installations": 190, "share": 0.85, "low": 0.79, "high": 0.89}],
    "errors_per_1000_jobs": {"value": 207.34, "low": 182.66, "high": 232.02, "installations": 200},
}


@pytest.fixture
def server() -> Iterator[SummaryServer]:
    with SummaryServer(SUMMARY) as running:
        yield running


def _cache(tmp_path: Path, url: str, **config: Any) -> CommunitySummary:
    return CommunitySummary(tmp_path / "stats.db", SenderConfig(endpoint=url, **{"timeout_s": 2.0, **config}))


def _yes() -> bool:
    return True


def test_summary_url_is_the_endpoint_base_with_the_https_rule() -> None:
    """/v1/metrics becomes /v1/summary; plain HTTP only to loopback, as for the batches."""
    assert summary_url("https://stats.example.org") == "https://stats.example.org/v1/summary"
    assert summary_url("https://stats.example.org/otlp/v1/metrics?x=1") == "https://stats.example.org/otlp/v1/summary"
    assert summary_url("http://127.0.0.1:4318/v1/metrics") == "http://127.0.0.1:4318/v1/summary"
    for insecure in ("http://stats.example.org", "http://192.168.1.5:4318/v1/metrics", "ftp://stats.example.org"):
        with pytest.raises(InsecureEndpointError):
            summary_url(insecure)
    with pytest.raises(InsecureEndpointError):
        SenderConfig(endpoint="http://stats.example.org")


def test_fetched_once_a_day_then_if_none_match_gives_304(tmp_path: Path, server: SummaryServer) -> None:
    """The first refresh fetches and caches; the same day makes no request; the next day sends the ETag and
    a 304 keeps the cache (fetched_day moves on). No token goes out with it, only what the fetch needs."""
    cache = _cache(tmp_path, server.url, token="metrics-token")
    assert cache.refresh(DAY, _yes) == "fetched"
    cached = cache.cached()
    assert cached is not None and cached.summary == validate_summary(SUMMARY) and cached.fetched_day == DAY
    assert cache.refresh(DAY, _yes) == "fresh" and len(server.requests) == 1
    assert cache.refresh(DAY + timedelta(days=1), _yes) == "not_modified"
    (path, first), (_, second) = server.requests
    assert path == "/v1/summary" and "If-None-Match" not in first and second["If-None-Match"] == server.etag
    assert not {"Authorization", "Cookie"} & (set(first) | set(second))
    again = cache.cached()
    assert again is not None and again.summary == cached.summary and again.fetched_day == DAY + timedelta(days=1)


def test_a_new_summary_replaces_the_cached_one(tmp_path: Path, server: SummaryServer) -> None:
    cache = _cache(tmp_path, server.url)
    cache.refresh(DAY, _yes)
    server.serve({**SUMMARY, "week": "2026-07-06"})
    assert cache.refresh(DAY + timedelta(days=1), _yes) == "fetched"
    cached = cache.cached()
    assert cached is not None and cached.summary is not None and cached.summary["week"] == "2026-07-06"


@pytest.mark.parametrize(("answer", "error"), [
    (Answer(200, b"{" + b" " * MAX_SUMMARY_BYTES + b"}"), "SummaryTooLarge"),
    (Answer(200, b"<html>proxy error</html>"), "JSONDecodeError"),
    (Answer(200, json.dumps({**SUMMARY, "schema": "printernizer-stats/summary/2"}).encode()), "InvalidSummary"),
    (Answer(200, json.dumps({**SUMMARY, "versions": [{"value": "x", "share": 2}]}).encode()), "InvalidSummary"),
    (Answer(500, b"oops"), "UnexpectedStatus"),
    (Answer(302, b"", {"Location": "http://evil.example/v1/summary"}), "UnexpectedStatus"),
])
def test_a_bad_answer_keeps_the_cache_and_logs_the_type_only(
    tmp_path: Path, server: SummaryServer, captured_logs: list[dict[str, object]], answer: Answer, error: str,
) -> None:
    """Oversized, malformed, another schema, a bad figure, an error status or a redirect: the old summary
    stays, the next try is tomorrow, one log line names the exception type and nothing else."""
    cache = _cache(tmp_path, server.url)
    cache.refresh(DAY, _yes)
    before = cache.cached()
    server.script(answer)
    assert cache.refresh(DAY + timedelta(days=1), _yes) == "failed"
    after = cache.cached()
    assert after is not None and before is not None and after.summary == before.summary
    assert after.fetched_day == DAY and after.checked_day == DAY + timedelta(days=1)
    assert cache.refresh(DAY + timedelta(days=1), _yes) == "fresh" and len(server.requests) == 2
    assert captured_logs == [{"event": "usage_stats.community_summary_failed", "error": error,
                              "log_level": "warning"}]


def test_unreachable_receiver_never_raises(tmp_path: Path, captured_logs: list[dict[str, object]]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cache = _cache(tmp_path, f"http://127.0.0.1:{port}", timeout_s=0.5)
    assert cache.refresh(DAY, _yes) == "failed"
    cached = cache.cached()
    assert cached is not None and cached.summary is None and cached.fetched_day is None
    assert [log["error"] for log in captured_logs] == ["ConnectionError"]


def test_not_allowed_means_no_connection_and_nothing_stored(tmp_path: Path, server: SummaryServer) -> None:
    """``allowed`` is asked first, and again before anything is written (an opt-out during the request)."""
    cache = _cache(tmp_path, server.url)
    for day in range(5):
        assert cache.refresh(DAY + timedelta(days=day), lambda: False) == "off"
    assert server.connections == 0 and cache.cached() is None
    answers = iter([True, False])
    assert cache.refresh(DAY, lambda: next(answers)) == "off"
    assert server.connections == 1 and cache.cached() is None


def test_clear_deletes_the_cache(tmp_path: Path, server: SummaryServer) -> None:
    cache = _cache(tmp_path, server.url)
    cache.refresh(DAY, _yes)
    assert cache.clear() == 1 and cache.cached() is None and cache.clear() == 0


def test_no_endpoint_nothing_is_due(tmp_path: Path) -> None:
    cache = CommunitySummary(tmp_path / "stats.db", SenderConfig())
    assert not cache.due(DAY) and cache.refresh(DAY, _yes) == "fresh" and cache.cached() is None


def test_environment_proxy_is_ignored(
    tmp_path: Path, server: SummaryServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """HTTPS_PROXY/HTTP_PROXY in the environment are not used (trust_env is off): the fetch goes direct."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, dead)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert _cache(tmp_path, server.url).refresh(DAY, _yes) == "fetched"
