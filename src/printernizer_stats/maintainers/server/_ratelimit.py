"""Token buckets in memory, keyed by installation or by (keyed hash of) client address. Never stored."""

from __future__ import annotations

import hashlib
import ipaddress
import os
import time
from collections import OrderedDict
from collections.abc import Callable


class TokenBuckets:
    """A token bucket per key: ``capacity`` requests at once, refilled at ``refill_per_second``.

    Memory is bounded: past ``max_keys`` the least recently used bucket is forgotten (a bucket idle for
    ``capacity / refill_per_second`` is full again anyway, so forgetting it changes nothing). Not thread-safe:
    used from the event loop only.
    """

    __slots__ = ("_buckets", "_clock", "capacity", "max_keys", "refill_per_second")

    def __init__(self, capacity: float, refill_per_second: float, *, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if capacity < 1 or refill_per_second <= 0 or max_keys < 1:
            raise ValueError("capacity must be >= 1, refill_per_second > 0 and max_keys >= 1")
        self.capacity = float(capacity)
        self.refill_per_second = float(refill_per_second)
        self.max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str) -> float:
        """Take one token: 0.0 if admitted, else the seconds until the next token."""
        now = self._clock()
        tokens, then = self._buckets.pop(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - then) * self.refill_per_second)
        admitted = tokens >= 1
        if admitted:
            tokens -= 1
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return 0.0 if admitted else (1 - tokens) / self.refill_per_second

    def __len__(self) -> int:
        return len(self._buckets)


IPV6_GROUP_PREFIX = 64
"""IPv6 addresses are limited per /64: one subscriber's line usually gets a /64 (or more), so its 2**64
addresses would otherwise be 2**64 separate budgets."""


def address_group(address: str) -> str:
    """What one budget is kept for: an IPv4 address as it is, an IPv6 address's /64 network (an
    IPv4-mapped IPv6 address is its IPv4 address), anything else (``unknown``, a socket path) verbatim."""
    if ":" not in address and "%" not in address:
        # Not IPv6 and no zone: an IPv4 address ipaddress accepts is already in its canonical form (it refuses
        # leading zeros), and anything else is kept verbatim, so the group is the address either way.
        return address
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, IPV6_GROUP_PREFIX), strict=False))
    return str(parsed)


class AddressKeys:
    """Client addresses as keyed BLAKE2b digests of their group (``address_group``): the key is random per
    process, so even this process's memory holds no address in the clear for longer than one request."""

    __slots__ = ("_key",)

    def __init__(self) -> None:
        self._key = os.urandom(32)

    def __call__(self, address: str) -> str:
        group = address_group(address)
        return hashlib.blake2b(group.encode("utf-8", "replace"), key=self._key, digest_size=16).hexdigest()
