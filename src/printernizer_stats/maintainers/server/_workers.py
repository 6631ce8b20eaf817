"""CPU-heavy request work (decoding, validating) off the event loop, shared fairly between client addresses.

A small thread pool does the work; jobs wait in one queue per key (a client address's keyed hash) and the
pool takes them round-robin across keys, so an address that sends forty expensive bodies at once has one of
them running while another address's job is next in line: each address gets its share of the workers, never
more. Each key may have a bounded number of jobs waiting; past it ``Busy`` (a 429), so a flood holds no more
memory than that. Used from the event loop only.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Executor, Future
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

T = TypeVar("T")
_Job = tuple[Callable[[], object], "asyncio.Future[object]"]


class Busy(Exception):
    """This key already has its most jobs waiting; retry later."""


class FairWorkers:
    """``await workers.run(key, fn)`` runs ``fn()`` in a worker thread, keys served round-robin.

    Args:
        executor: makes the pool of ``workers`` (threads or processes); called again if a process dies.
        workers: jobs run at once.
        max_waiting_per_key: jobs one key may have waiting or running; more raise ``Busy``.
    """

    def __init__(self, executor: Callable[[int], Executor], workers: int = 1, max_waiting_per_key: int = 8) -> None:
        if workers < 1 or max_waiting_per_key < 1:
            raise ValueError("workers and max_waiting_per_key must be >= 1")
        self._make_executor = executor
        self._workers = workers
        self._executor = executor(workers)
        self._free = workers
        self._max_waiting = max_waiting_per_key
        self._queues: OrderedDict[str, deque[_Job]] = OrderedDict()
        self._held: dict[str, int] = {}

    async def run(self, key: str, fn: Callable[[], T]) -> T:
        if self._held.get(key, 0) >= self._max_waiting:
            raise Busy(key)
        future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        self._held[key] = self._held.get(key, 0) + 1
        if key not in self._queues:
            # A key with nothing waiting has had no share lately: it goes first, before keys with a backlog.
            self._queues[key] = deque()
            self._queues.move_to_end(key, last=False)
        self._queues[key].append((fn, future))
        self._dispatch()
        try:
            return await future  # type: ignore[return-value]
        finally:
            self._held[key] -= 1
            if not self._held[key]:
                del self._held[key]

    def _dispatch(self) -> None:
        loop = asyncio.get_running_loop()
        while self._free and self._queues:
            key, queue = next(iter(self._queues.items()))
            fn, future = queue.popleft()
            if queue:
                self._queues.move_to_end(key)  # round-robin: this key's next job after every other key's
            else:
                del self._queues[key]
            if future.cancelled():
                continue
            self._free -= 1
            try:
                done = self._executor.submit(fn)
            except BrokenExecutor:  # its processes died since the last job: a new pool
                self._executor = self._make_executor(self._workers)
                done = self._executor.submit(fn)
            done.add_done_callback(functools.partial(self._finished, loop, future))

    def _finished(self, loop: asyncio.AbstractEventLoop, target: asyncio.Future[object], done: Future[object]) -> None:
        """In the worker thread: hand the result to the event loop (unless the loop is gone)."""
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits for the answer any more
            loop.call_soon_threadsafe(self._finish, done, target)

    def _finish(self, done: Future[object], target: asyncio.Future[object]) -> None:
        self._free += 1
        error = None if done.cancelled() else done.exception()
        if isinstance(error, BrokenProcessPool):  # a worker process died (killed, out of memory): a new pool
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = self._make_executor(self._workers)
        if not target.done():
            if done.cancelled():
                target.cancel()
            elif error is not None:
                target.set_exception(error)
            else:
                target.set_result(done.result())
        self._dispatch()

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
