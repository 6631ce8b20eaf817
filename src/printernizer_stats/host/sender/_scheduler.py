"""Schedulers that call a blocking ``tick`` now and then: inside the host's asyncio loop, or on a thread.

The asyncio variant never blocks the loop: ``tick`` (SQLite and HTTP) runs in a worker thread through
``asyncio.to_thread``, the loop only sleeps. The first tick waits a random ``0..first_delay_max_s`` so
installations restarted together (an update, a power cut) don't reach the receiver together; later ticks
come every ``interval_s`` ±10 %, or sooner when ``tick`` says its next piece of work is due earlier.
``tick`` never takes the scheduler down: an exception is logged and the next tick comes as usual.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
from collections.abc import Callable

import structlog

_log = structlog.get_logger(__name__)

Tick = Callable[[], float | None]
"""One round of work (blocking); returns seconds until it wants to run again, or None for the interval."""
MIN_DELAY_S = 5.0
"""No two ticks closer than this, whatever ``tick`` asks (a due-now answer must not become a busy loop)."""


def next_delay(interval_s: float, requested_s: float | None, rng: random.Random) -> float:
    regular = interval_s * rng.uniform(0.9, 1.1)
    return regular if requested_s is None else min(regular, max(requested_s, MIN_DELAY_S))


def _safe(tick: Tick) -> float | None:
    try:
        return tick()
    except Exception as exc:  # the host must never suffer: log the type (never a message), try again next time
        _log.error("usage_stats.scheduler_tick_failed", error=type(exc).__name__)
        return None


class _Schedule:
    """What both schedulers share: the work, its rhythm and a tick count."""

    def __init__(
        self, tick: Tick, interval_s: float, first_delay_max_s: float = 0.0, rng: random.Random | None = None,
    ) -> None:
        self.tick = tick
        self.interval_s = interval_s
        self.first_delay_max_s = first_delay_max_s
        self.rng = rng or random.Random()
        self.ticks = 0

    def first_delay(self) -> float:
        return self.rng.uniform(0, self.first_delay_max_s)

    def delay_after(self, requested_s: float | None) -> float:
        return next_delay(self.interval_s, requested_s, self.rng)


class AsyncScheduler(_Schedule):
    """Runs ``tick`` from the host's running event loop, in a worker thread."""

    def __init__(
        self, tick: Tick, interval_s: float, first_delay_max_s: float = 0.0, rng: random.Random | None = None,
    ) -> None:
        super().__init__(tick, interval_s, first_delay_max_s, rng)
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> asyncio.Task[None]:
        """Start in the running loop (call from the host's lifespan/startup). Idempotent."""
        if self._task is not None and not self._task.done():
            return self._task
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._task = self._loop.create_task(self._run(), name="printernizer-stats-sender")
        return self._task

    def wake(self) -> None:
        """Run the next tick now (thread-safe), e.g. right after the user asked for something to be sent."""
        if self._loop is not None and self._wake is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop stopped meanwhile
                self._loop.call_soon_threadsafe(self._wake.set)

    def stop(self) -> None:
        """Cancel the task; never blocks. A tick already in its worker thread finishes on its own."""
        if self._task is not None:
            self._task.cancel()

    async def _sleep(self, seconds: float) -> None:
        assert self._wake is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()

    async def _run(self) -> None:
        await self._sleep(self.first_delay())
        while True:
            requested = await asyncio.to_thread(_safe, self.tick)
            self.ticks += 1
            await self._sleep(self.delay_after(requested))


class ThreadScheduler(_Schedule):
    """The same on a daemon thread, for hosts without an asyncio loop."""

    def __init__(
        self, tick: Tick, interval_s: float, first_delay_max_s: float = 0.0, rng: random.Random | None = None,
    ) -> None:
        super().__init__(tick, interval_s, first_delay_max_s, rng)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="printernizer-stats-sender", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop and wait up to ``timeout_s`` for a tick in progress (an HTTP attempt is bounded by its timeout)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _sleep(self, seconds: float) -> None:
        self._wake.wait(seconds)
        self._wake.clear()

    def _run(self) -> None:
        self._sleep(self.first_delay())
        while not self._stop.is_set():
            requested = _safe(self.tick)
            self.ticks += 1
            if self._stop.is_set():
                break
            self._sleep(self.delay_after(requested))
