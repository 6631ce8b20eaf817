"""``TokenBuckets``: bursts, refill, bounded memory; ``address_group``: what one budget is kept for."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from printernizer_stats.maintainers.server import TokenBuckets
from printernizer_stats.maintainers.server._ratelimit import IPV6_GROUP_PREFIX, address_group


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


def _group_reference(address: str) -> str:
    """``address_group`` as ``ipaddress`` decides it for every address (the function skips the parse when
    the answer is the address itself)."""
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, IPV6_GROUP_PREFIX), strict=False))
    return str(parsed)


_OCTETS = st.lists(st.one_of(st.integers(0, 300).map(str), st.integers(0, 99).map(lambda n: f"0{n}")),
                   min_size=3, max_size=5).map(".".join)


@settings(max_examples=2000, deadline=None)
@given(address=st.one_of(_OCTETS, st.ip_addresses().map(str), st.text(alphabet="0123456789.:%abcdefAF x\n\u0661",
                                                                         max_size=24)))
def test_address_groups_agree_with_ipaddress(address: str) -> None:
    assert address_group(address) == _group_reference(address)
