"""Schedulers: the asyncio one never blocks the loop, first ticks are spread, failures don't stop it."""

from __future__ import annotations

import asyncio
import random
import threading
import time

from printernizer_stats.host.sender import AsyncScheduler, ThreadScheduler
from printernizer_stats.host.sender._scheduler import MIN_DELAY_S, next_delay


def test_next_delay_uses_the_interval_or_an_earlier_due_time() -> None:
    """Interval ±10 % when nothing is due sooner; a due time wins but never below the floor."""
    rng = random.Random(3)
    delays = [next_delay(100.0, None, rng) for _ in range(200)]
    assert min(delays) >= 90 and max(delays) <= 110
    assert next_delay(100.0, 30.0, rng) == 30.0
    assert next_delay(100.0, 0.0, rng) == MIN_DELAY_S


def test_async_ticks_run_off_the_loop_and_the_loop_stays_responsive() -> None:
    """A tick blocking 300 ms runs in a worker thread while the loop keeps ticking every few ms."""
    tick_threads: list[int] = []
    tick_span: list[float] = []

    def tick() -> float | None:
        tick_threads.append(threading.get_ident())
        tick_span.append(time.perf_counter())
        time.sleep(0.3)
        tick_span.append(time.perf_counter())
        return None

    async def main() -> tuple[list[float], int]:
        scheduler = AsyncScheduler(tick, interval_s=60)
        scheduler.start()
        heartbeats: list[float] = []
        while len(tick_span) < 2:  # 10 ms heartbeats until the blocking tick has finished
            await asyncio.sleep(0.01)
            heartbeats.append(time.perf_counter())
        scheduler.stop()
        return heartbeats, threading.get_ident()

    heartbeats, loop_thread = asyncio.run(main())
    tick_started, tick_ended = tick_span
    # Had the tick run on the loop, no heartbeat could fall inside its 300 ms.
    assert any(tick_started < beat < tick_ended for beat in heartbeats)
    assert tick_threads and tick_threads[0] != loop_thread


def test_async_first_tick_is_delayed_by_random_jitter() -> None:
    """The first tick waits the drawn 0..max delay (seeded here), not zero."""
    expected = random.Random(7).uniform(0, 0.3)
    first_tick: list[float] = []

    async def main() -> float:
        started = time.perf_counter()
        scheduler = AsyncScheduler(lambda: first_tick.append(time.perf_counter()) or None, 60, 0.3, random.Random(7))
        scheduler.start()
        while not first_tick:
            await asyncio.sleep(0.005)
        scheduler.stop()
        return first_tick[0] - started

    assert asyncio.run(main()) >= expected - 0.01


def test_async_survives_a_failing_tick_and_wakes_on_request(captured_logs: list[dict[str, object]]) -> None:
    """An exception is logged and the next tick still comes; wake() runs one at once."""
    calls: list[int] = []

    def tick() -> float | None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")
        return None

    async def main() -> int:
        scheduler = AsyncScheduler(tick, interval_s=3600)
        scheduler.start()
        while len(calls) < 1:
            await asyncio.sleep(0.005)
        scheduler.wake()
        deadline = time.perf_counter() + 2
        while len(calls) < 2 and time.perf_counter() < deadline:
            await asyncio.sleep(0.005)
        running = scheduler.running
        scheduler.stop()
        await asyncio.sleep(0)
        return len(calls) if running else -1

    assert asyncio.run(main()) == 2
    assert any(log["event"] == "usage_stats.scheduler_tick_failed" for log in captured_logs)


def test_thread_scheduler_ticks_wakes_and_stops() -> None:
    """The thread variant ticks, wakes on request, and stop() ends the thread."""
    calls: list[float] = []
    scheduler = ThreadScheduler(lambda: calls.append(time.perf_counter()) or None, interval_s=3600)
    scheduler.start()
    deadline = time.perf_counter() + 2
    while not calls and time.perf_counter() < deadline:
        time.sleep(0.005)
    scheduler.wake()
    while len(calls) < 2 and time.perf_counter() < deadline:
        time.sleep(0.005)
    assert len(calls) == 2 and scheduler.running
    scheduler.stop()
    assert not scheduler.running
