"""``TokenBuckets``: bursts, refill, bounded memory."""

from __future__ import annotations

import pytest

from printernizer_stats.maintainers.server import TokenBuckets


def test_burst_then_refill() -> None:
    """A full bucket admits its capacity at once, then one request per refill interval."""
    clock = [0.0]
    buckets = TokenBuckets(10, 4 / 3600, clock=lambda: clock[0])
    assert [buckets.take("a") for _ in range(10)] == [0.0] * 10
    wait = buckets.take("a")
    assert wait == pytest.approx(900)
    clock[0] = 899.0
    assert buckets.take("a") > 0
    clock[0] = 900.0 + 900
    assert buckets.take("a") == 0.0


def test_refused_requests_do_not_drain_the_bucket() -> None:
    """Hammering a refusing bucket does not push the next token further away."""
    clock = [0.0]
    buckets = TokenBuckets(1, 1.0, clock=lambda: clock[0])
    buckets.take("a")
    for _ in range(50):
        buckets.take("a")
    clock[0] = 1.0
    assert buckets.take("a") == 0.0


def test_memory_is_bounded() -> None:
    """Past max_keys the least recently used bucket is forgotten."""
    buckets = TokenBuckets(1, 1.0, max_keys=100)
    for key in range(1000):
        buckets.take(str(key))
    assert len(buckets) == 100


@pytest.mark.parametrize(("capacity", "refill"), [(0, 1.0), (1, 0.0), (1, -1.0)])
def test_nonsense_limits_are_refused(capacity: float, refill: float) -> None:
    """A bucket that could never admit anything is a configuration error."""
    with pytest.raises(ValueError, match="capacity"):
        TokenBuckets(capacity, refill)
