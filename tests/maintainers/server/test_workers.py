"""Fair workers (issue 13, item 4): one address's expensive bodies never keep another's waiting behind them
all, nor the event loop; a bounded queue per address; a dead worker process replaced."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

from printernizer_stats.maintainers.server._workers import Busy, FairWorkers


def _threads(workers: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(workers)


def test_keys_are_served_round_robin() -> None:
    """Forty jobs of one address queued first; another address's job runs second, not forty-first."""
    order: list[str] = []
    gate = threading.Event()

    def job(name: str) -> str:
        gate.wait(5)
        order.append(name)
        return name

    async def scenario() -> None:
        workers = FairWorkers(_threads, 1, max_waiting_per_key=100)
        flood = [asyncio.ensure_future(workers.run("attacker", lambda i=i: job(f"a{i}"))) for i in range(40)]
        await asyncio.sleep(0.05)
        honest = asyncio.ensure_future(workers.run("honest", lambda: job("h")))
        await asyncio.sleep(0.05)
        gate.set()
        assert await honest == "h"
        await asyncio.gather(*flood)
        workers.close()

    asyncio.run(scenario())
    assert order.index("h") <= 1  # the running attacker job, then the honest one


def test_an_address_past_its_queue_is_busy() -> None:
    gate = threading.Event()

    async def scenario() -> None:
        workers = FairWorkers(_threads, 1, max_waiting_per_key=3)
        held = [asyncio.ensure_future(workers.run("a", lambda: gate.wait(5))) for _ in range(3)]
        await asyncio.sleep(0.05)
        with pytest.raises(Busy):
            await workers.run("a", lambda: None)
        other = asyncio.ensure_future(workers.run("b", lambda: "b"))
        gate.set()
        assert await other == "b"
        await asyncio.gather(*held)
        assert await workers.run("a", lambda: "again") == "again"  # its slots are free again
        workers.close()

    asyncio.run(scenario())


def test_the_event_loop_runs_while_a_job_burns_cpu() -> None:
    """A second of pure-Python work in a worker process: the loop's 10 ms ticks keep coming."""
    async def scenario() -> list[float]:
        workers = FairWorkers(lambda n: ProcessPoolExecutor(n), 1)
        await workers.run("warm-up", os.getpid)
        job = asyncio.ensure_future(workers.run("a", _burn))
        ticks = []
        while not job.done():
            start = time.perf_counter()
            await asyncio.sleep(0.01)
            ticks.append(time.perf_counter() - start)
        workers.close()
        return ticks

    ticks = asyncio.run(scenario())
    assert len(ticks) > 20


def _burn() -> int:
    deadline = time.process_time() + 0.5
    total = 0
    while time.process_time() < deadline:
        total += sum(range(1000))
    return total


def test_a_dead_worker_process_is_replaced() -> None:
    async def scenario() -> None:
        workers = FairWorkers(lambda n: ProcessPoolExecutor(n), 1)
        pid = await workers.run("a", os.getpid)
        os.kill(pid, signal.SIGKILL)
        await asyncio.sleep(0.2)
        for _ in range(3):
            try:
                assert await workers.run("a", os.getpid) != pid
                break
            except Exception:
                await asyncio.sleep(0.2)
        else:
            pytest.fail("no new worker process")
        workers.close()

    asyncio.run(scenario())
