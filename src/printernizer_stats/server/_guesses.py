"""Wrong tokens per client address: a burst answered at once, then each wrong guess answered slowly.

A lockout that refuses every attempt from an address once it guessed wrong too often also refuses the
maintainer's correct token from that address (a shared NAT, the same proxy): issue 13 locked it out after
40 wrong guesses. Here every attempt is checked, a correct token always admitted at once, and a wrong one
past the burst waits ``penalty_s`` before its answer (with at most 64 connections per address, that caps
guessing at a few dozen a second, against tokens of 128 bits and more). Addresses as keyed hashes, in
memory only.
"""

from __future__ import annotations

import asyncio

from printernizer_stats.server._ratelimit import AddressKeys, TokenBuckets


class WrongGuesses:
    """``await guesses.wrong(address)`` after each wrong token; returns whether the address was over its burst."""

    def __init__(self, burst: int = 10, refill_per_minute: float = 10.0, penalty_s: float = 2.0) -> None:
        self.buckets = TokenBuckets(burst, refill_per_minute / 60)
        self.penalty_s = penalty_s
        self._keys = AddressKeys()

    async def wrong(self, address: str | None) -> bool:
        if self.buckets.take(self._keys(address or "unknown")):
            await asyncio.sleep(self.penalty_s)
            return True
        return False
