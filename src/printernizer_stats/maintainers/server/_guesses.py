"""Wrong tokens per client address: a burst answered at once, then one wrong guess at a time, each slowly.

A lockout that refuses every attempt from an address once it guessed wrong too often also refuses the
maintainer's correct token from that address (a shared NAT, the same proxy): issue 13 locked it out after
40 wrong guesses. Here every attempt is checked and a correct token always admitted at once; a wrong one
past the burst joins its address's queue, and the queue answers one every ``penalty_s``. However many
connections an address opens, it learns the verdict on at most one guess per ``penalty_s`` (with the
defaults: a burst of ten, then one every 2 s, against tokens of 128 bits and more). Addresses (an IPv6
address's /64) as keyed hashes, in memory only; a queue exists only while guesses wait in it.
"""

from __future__ import annotations

import asyncio

from printernizer_stats.maintainers.server._ratelimit import AddressKeys, TokenBuckets


class WrongGuesses:
    """``await guesses.wrong(address)`` after each wrong token; returns whether the address was over its burst."""

    def __init__(self, burst: int = 10, refill_per_minute: float = 10.0, penalty_s: float = 2.0) -> None:
        self.buckets = TokenBuckets(burst, refill_per_minute / 60)
        self.penalty_s = penalty_s
        self._keys = AddressKeys()
        self._queues: dict[str, tuple[asyncio.Lock, int]] = {}

    async def wrong(self, address: str | None) -> bool:
        key = self._keys(address or "unknown")
        if not self.buckets.take(key):
            return False
        lock, waiting = self._queues.get(key, (None, 0))
        lock = lock or asyncio.Lock()
        self._queues[key] = (lock, waiting + 1)
        try:
            async with lock:
                await asyncio.sleep(self.penalty_s)
        finally:
            lock, waiting = self._queues[key]
            if waiting == 1:
                del self._queues[key]
            else:
                self._queues[key] = (lock, waiting - 1)
        return True

    def __len__(self) -> int:
        """Addresses with guesses waiting (for tests: the queues are gone once answered)."""
        return len(self._queues)
