"""The rate limits one request's batches meet after validation: per installation, then per client address
(deletions; weekly batches and new installations, ``_sybils``). In memory, per process.

A batch over a limit is refused with its wait and reason; the request's other batches are stored and the
whole request answered 429 (``_answer.limited_reason``), so that the retry finds them stored.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from functools import partial

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from printernizer_stats.contract import BatchKind
from printernizer_stats.maintainers.server._batch import ValidatedBatch
from printernizer_stats.maintainers.server._config import ReceiverConfig
from printernizer_stats.maintainers.server._ratelimit import TokenBuckets
from printernizer_stats.maintainers.server._storage import Outcome, Storage, StorageUnavailable, StoreResult
from printernizer_stats.maintainers.server._sybils import KnownInDatabase, SybilLimits, Wait

INSTALLATION_REASON = "too many batches from this installation; retry later"
DELETIONS_REASON = "too many deletions from this address; retry later"
_REGISTERED = frozenset({Outcome.STORED, Outcome.DUPLICATE, Outcome.CONFLICT})
"""Outcomes after which the batch's installation has a verifier registered (it proved, or was stored before)."""


class BatchLimits:
    """Every limit a validated batch meets. ``inline``: ask the database on the event loop (SQLite)."""

    def __init__(self, config: ReceiverConfig, storage: Storage, inline: bool) -> None:
        self.installations = TokenBuckets(config.installation_burst, config.installation_refill_per_hour / 3600)
        self.deletions = config.per_address(config.deletion_burst, config.deletion_refill_per_hour)
        # Sybil limits need client addresses: off with the address limit (a collector's address is everyone's).
        sees_clients = config.address_limit_enabled
        self.sybils = SybilLimits(
            config.per_address(config.batch_burst, config.batch_refill_per_hour) if sees_clients else None,
            config.per_address(config.new_installation_burst, config.new_installation_refill_per_hour)
            if sees_clients else None)
        self.known = KnownInDatabase(storage.engine, storage.tables)
        self.inline = inline

    async def waits(self, batches: Mapping[int, ValidatedBatch], address: str) -> dict[int, Wait]:
        """The batches refused now, each with its wait and reason: per installation, then (for those left)
        per address: deletions, weekly batches, new installations. Raises StorageUnavailable."""
        waits: dict[int, Wait] = {}
        for index, batch in batches.items():
            wait, reason = self._take(batch, address)
            if wait:
                waits[index] = (wait, reason)
        left = {i: b for i, b in batches.items() if i not in waits}
        try:
            waits.update(await self.sybils.waits(address, left, partial(self._lookup, self.known.installations),
                                                 partial(self._lookup, self.known.batches)))
        except SQLAlchemyError as exc:
            raise StorageUnavailable(type(exc).__name__) from None
        return waits

    def stored(self, batches: Mapping[int, ValidatedBatch], results: Mapping[int, StoreResult]) -> None:
        """Remember the installations now registered: their next batches cost no query."""
        self.known.remember(_registered(batches, results.items()))

    async def _lookup(self, query: Callable[[Collection[str]], set[str]], ids: Collection[str]) -> set[str]:
        if self.inline:  # SQLite: local and short, like its writes
            return query(ids)
        return await run_in_threadpool(query, ids)

    def _take(self, batch: ValidatedBatch, address: str) -> Wait:
        """A token of the batch's installation, or a deletion's of its client address. (A deletion is never
        limited per installation: it must always get through.)"""
        if batch.kind is BatchKind.WEEKLY:
            return self.installations.take(batch.installation.installation_id), INSTALLATION_REASON
        return (self.deletions.take(address) if self.deletions is not None else 0.0), DELETIONS_REASON


def _registered(batches: Mapping[int, ValidatedBatch], results: Iterable[tuple[int, StoreResult]]) -> list[str]:
    return [batches[i].installation.installation_id for i, result in results
            if result.outcome in _REGISTERED and batches[i].kind is BatchKind.WEEKLY]
