"""Retry policy: which answers retry, exponential backoff with jitter and a cap, Retry-After honoured."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import format_datetime

from printernizer_stats.host.sender import RetryPolicy, is_retryable_status, parse_retry_after


def test_retryable_statuses_are_transient_ones() -> None:
    """429, 408 and every 5xx retry; other 4xx are final."""
    assert all(is_retryable_status(s) for s in (408, 429, 500, 502, 503, 504))
    assert not any(is_retryable_status(s) for s in (400, 401, 403, 404, 413, 415, 422))


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    """2**n times the base, ±20 %, never above the cap, however many failures."""
    policy = RetryPolicy(base_s=60, max_s=3600)
    rng = random.Random(1)
    for failures, nominal in ((1, 60), (2, 120), (3, 240), (5, 960)):
        delays = [policy.delay(failures, rng=rng) for _ in range(200)]
        assert nominal * 0.8 <= min(delays) and max(delays) <= nominal * 1.2
        assert max(delays) - min(delays) > nominal * 0.2  # jitter really spreads
    assert all(policy.delay(n, rng=rng) <= 3600 for n in (7, 20, 500))


def test_retry_after_wins_up_to_its_own_cap() -> None:
    """A server's Retry-After is used as given, but not beyond retry_after_max_s."""
    policy = RetryPolicy(base_s=60, max_s=3600, retry_after_max_s=7200)
    assert policy.delay(1, retry_after_s=5) == 5
    assert policy.delay(9, retry_after_s=5) == 5
    assert policy.delay(1, retry_after_s=10**9) == 7200


def test_parse_retry_after_seconds_and_http_date() -> None:
    """delay-seconds and HTTP-date forms parse; garbage and absence give None."""
    assert parse_retry_after("120") == 120
    assert parse_retry_after(" 0 ") == 0
    now = datetime(2026, 11, 16, 12, 0, tzinfo=UTC).timestamp()
    later = format_datetime(datetime(2026, 11, 16, 12, 1, 30, tzinfo=UTC), usegmt=True)
    assert parse_retry_after(later, now=now) == 90
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None and parse_retry_after("nan") is None
