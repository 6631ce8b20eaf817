"""Group commit: batches arriving while a write is in progress are stored together in the next transaction.

One writer at a time (a single drain task on the event loop, the database work in a worker thread): with
SQLite there is only one writer anyway, and a commit per batch would cap ingest at the disk's commit rate.
No timer and no added latency: a lone batch is written at once; under load, groups form by themselves.
On SQLite the write runs on the event loop (a few ms a group, no thread hand-off); the price is that another
process holding SQLite's write lock (a long retention job) stalls requests up to the busy timeout.
"""

from __future__ import annotations

import asyncio
from datetime import date

from starlette.concurrency import run_in_threadpool

from printernizer_stats.maintainers.server._batch import ValidatedBatch
from printernizer_stats.maintainers.server._storage import Storage, StoreResult


class GroupWriter:
    """Stores batches through ``storage.store_many``, at most ``max_group`` per transaction."""

    def __init__(self, storage: Storage, max_group: int = 64) -> None:
        if max_group < 1:
            raise ValueError("max_group must be >= 1")
        self.storage = storage
        self.max_group = max_group
        # SQLite writes are local and short: on the event loop they avoid a thread hand-off and GIL
        # ping-pong per group. Network databases wait on I/O, which a worker thread overlaps.
        self.inline = storage.engine.dialect.name == "sqlite"
        self._pending: list[tuple[ValidatedBatch, date, asyncio.Future[StoreResult]]] = []
        self._draining: asyncio.Task[None] | None = None

    async def store(self, batch: ValidatedBatch, today: date) -> StoreResult:
        """Store one batch (raises StorageUnavailable like ``Storage.store``)."""
        future: asyncio.Future[StoreResult] = asyncio.get_running_loop().create_future()
        self._pending.append((batch, today, future))
        if self._draining is None or self._draining.done():
            self._draining = asyncio.ensure_future(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._pending:
            if self.inline:
                await asyncio.sleep(0)  # let requests that have already arrived join this group
            group, self._pending = self._pending[:self.max_group], self._pending[self.max_group:]
            items = [(b, t) for b, t, _ in group]
            try:
                if self.inline:
                    results = self.storage.store_many(items)
                else:
                    results = await run_in_threadpool(self.storage.store_many, items)
            except Exception as exc:  # handed to every waiting request (StorageUnavailable: a 503)
                for _, _, future in group:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, _, future), result in zip(group, results, strict=True):
                if not future.done():
                    future.set_result(result)
