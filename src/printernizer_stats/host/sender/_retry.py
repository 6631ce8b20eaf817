"""The retry policy, pure: which answers are worth retrying and how long to wait before the next attempt.

Modelled on opentelemetry-python's ``_OTLPHTTPClient`` (``2**n`` with ±20 % jitter, ``Retry-After``
honoured) with two differences that a weekly batch needs: the wait is persisted in the outbox rather than
slept in memory, so it survives restarts; and every 5xx is retried, because our receiver never answers
500 on purpose (a 500 is an outage or a bug on the way, and the batch is still worth delivering; resending
is safe because the receiver stores a batch id only once).
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime

RETRYABLE_STATUS = frozenset({408, 425, 429}) | frozenset(range(500, 600))
"""Answers after which the same batch is sent again later; every other non-2xx answer is final."""
JITTER = 0.2
_RNG = random.Random()


def is_retryable_status(status: int) -> bool:
    return status in RETRYABLE_STATUS


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay-seconds or HTTP-date), or None if absent/invalid."""
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter, capped; a server's ``Retry-After`` wins (up to its own cap)."""

    base_s: float = 60.0
    max_s: float = 6 * 3600.0
    retry_after_max_s: float = 24 * 3600.0
    jitter: float = JITTER

    def delay(self, failures: int, retry_after_s: float | None = None, rng: random.Random | None = None) -> float:
        """Seconds before the next attempt after ``failures`` consecutive failed attempts (1 = the first)."""
        if retry_after_s is not None:
            return min(max(retry_after_s, 0.0), self.retry_after_max_s)
        exponent = min(max(failures - 1, 0), 32)  # 2**32 minutes is past any cap; keeps floats finite
        backoff = min(self.base_s * 2.0**exponent, self.max_s)
        spread = (rng or _RNG).uniform(1 - self.jitter, 1 + self.jitter)
        return min(backoff * spread, self.max_s)
