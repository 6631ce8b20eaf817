"""Per-address limits on what Sybils need: batches, and installations new to the receiver. In memory only.

One request may carry up to 1,000 batches, each of an installation its sender made up (issue 13: 21,121 in
~30 s from one address; 4 of them made a hidden group public). Requests per address do not bound that, so
an address (IPv6: its /64) also has a budget of weekly batches and one of new installations: ids without a
registered verifier, asked of the database (the ``verifiers`` table, which trust on first use fills), so
that a restart or a second worker process does not make every known installation new again. A household
behind one NAT has a few installations; a new one past the budget is answered 429 with ``Retry-After`` and
sent again later, like every rate-limited batch, so nothing is lost. Batches already stored never count
(a collector's retry resends them with the ones that were limited). Addresses are keyed hashes
(``AddressKeys``), never stored or logged.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from printernizer_stats.contract import BatchKind
from printernizer_stats.maintainers.server._batch import ValidatedBatch
from printernizer_stats.maintainers.server._bulk import InQuery
from printernizer_stats.maintainers.server._identity import registered_verifiers, verifiers_query
from printernizer_stats.maintainers.server._ratelimit import TokenBuckets

NEW_INSTALLATIONS_REASON = "too many new installations from this address; retry later"
BATCHES_REASON = "too many batches from this address; retry later"

Wait = tuple[float, str]
"""Seconds until the batch may be sent again, and why it may not now."""
Lookup = Callable[[Collection[str]], Awaitable[set[str]]]
"""The given ids the database already holds (installations with a verifier, or stored batch ids)."""


class KnownInDatabase:
    """The two questions the limits ask the receiver's database, each one statement per 500 ids.

    Installations known to be registered are remembered (up to ``max_remembered``, least recently used
    forgotten), so that a client that still sends its verifier costs no query; a registration is never
    undone except by a deletion, after which the id's batches are refused anyway.
    """

    def __init__(self, engine: Engine, tables: Mapping[str, sa.Table], max_remembered: int = 100_000) -> None:
        self.engine = engine
        self.verifiers = verifiers_query(engine, tables["verifiers"])
        ledger = tables["batches"]
        self.ledger = InQuery(engine, lambda ids: sa.select(ledger.c.batch_id).where(ledger.c.batch_id.in_(ids)))
        self.max_remembered = max_remembered
        self._registered: OrderedDict[str, None] = OrderedDict()

    def remember(self, installation_ids: Iterable[str]) -> None:
        for installation_id in installation_ids:
            self._registered[installation_id] = None
            self._registered.move_to_end(installation_id)
        while len(self._registered) > self.max_remembered:
            self._registered.popitem(last=False)

    def installations(self, installation_ids: Collection[str]) -> set[str]:
        unknown = [i for i in installation_ids if i not in self._registered]
        if unknown:
            with self.engine.connect() as connection:
                self.remember(registered_verifiers(connection, self.verifiers, unknown))
        return {i for i in installation_ids if i in self._registered}

    def batches(self, batch_ids: Collection[str]) -> set[str]:
        ids = sorted(set(batch_ids))
        found: set[str] = set()
        with self.engine.connect() as connection:
            for start in range(0, len(ids), 500):
                found.update(row[0] for row in self.ledger.rows(connection, ids[start:start + 500]))
        return found


class SybilLimits:
    """Token buckets per address for weekly batches and for new installations (``None``: that limit off).

    ``waits`` takes the tokens of one request's weekly batches, in request order: a batch first takes a
    batch token, then, if its installation is new, a new-installation token (once per installation and
    request). Not thread-safe: the event loop only (no token is taken across an await).
    """

    def __init__(self, batches: TokenBuckets | None, new_installations: TokenBuckets | None) -> None:
        self.batches = batches
        self.new_installations = new_installations

    @property
    def enabled(self) -> bool:
        return self.batches is not None or self.new_installations is not None

    async def waits(self, address: str, batches: Mapping[int, ValidatedBatch], registered: Lookup,
              stored: Lookup) -> dict[int, Wait]:
        """The batches (by request index) refused now, with their wait and reason; the others may be stored."""
        weeks = {i: b for i, b in batches.items() if b.kind is BatchKind.WEEKLY}
        if not weeks or not self.enabled:
            return {}
        claims = {b.installation.installation_id for b in weeks.values() if b.installation.verifier}
        known = await registered(claims) if claims and self.new_installations is not None else set()
        waits: dict[int, Wait] = {}
        new_ids: dict[str, float] = {}
        for index, batch in weeks.items():
            wait = self.batches.take(address) if self.batches is not None else 0.0
            if wait:
                waits[index] = (wait, BATCHES_REASON)
                continue
            installation_id = batch.installation.installation_id
            if self.new_installations is not None and installation_id in claims and installation_id not in known:
                if installation_id not in new_ids:
                    new_ids[installation_id] = self.new_installations.take(address)
                if new_ids[installation_id]:
                    waits[index] = (new_ids[installation_id], NEW_INSTALLATIONS_REASON)
        over_batches = [i for i, (_, reason) in waits.items() if reason == BATCHES_REASON]
        if over_batches:
            # Already stored: a resent batch (a collector retrying a limited request) is a duplicate, not new work.
            again = await stored([weeks[i].batch_id for i in over_batches])
            for index in over_batches:
                if weeks[index].batch_id in again:
                    del waits[index]
        return waits
