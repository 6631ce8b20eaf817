"""Issue 8: how fast the privacy API and the page answer after a heavy year, in-process (ASGI, no network).

A simulated year at 10,000 jobs a week, complete weeks sent to a local receiver (as many as the outbox
keeps), the last one queued as the next batch, then each route called repeatedly through httpx's ASGI
transport. The blocking work runs in a worker thread as in production: the figures are what a user waits
for on this 2-core machine, and the event loop's timer lateness while the page renders shows what the host
pays meanwhile.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
import structlog
from fastapi import FastAPI

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(1, str(Path(__file__).parent.parent))
from tests.host.sender.receiver import FaultyReceiver

from _util import pct
from printernizer_stats.host.client import StatsClient
from printernizer_stats.host.sender import SenderConfig
from printernizer_stats.host.viewer import MOUNT_PREFIX, usage_stats_router
from printernizer_stats_tools.simulator import simulate_installation

FIRST = date(2025, 11, 24)
ROUTES = ("/", "/status", "/local", "/preview", "/history", "/settings", "/collected")


def build(path: Path, weeks: int, jobs_per_week: int) -> date:
    simulate_installation(str(path), weeks, seed=1, first_day=FIRST, jobs_per_week=jobs_per_week)
    today = FIRST + timedelta(weeks=weeks, days=2)
    week_ago = today - timedelta(weeks=1)
    with FaultyReceiver() as receiver:  # sent a week ago: the last complete week is the next batch
        client = StatsClient(path, environ={}, today=lambda: week_ago, sender=SenderConfig(endpoint=receiver.url))
        client.submit_now()
    return today


async def measure(app: FastAPI, repeats: int) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://printernizer.local") as http:
        for route in ROUTES:
            samples, size = [], 0
            for _ in range(repeats):
                begin = time.perf_counter_ns()
                response = await http.get(f"{MOUNT_PREFIX}{route}")
                samples.append(time.perf_counter_ns() - begin)
                assert response.status_code == 200, (route, response.status_code)
                size = len(response.content)
            print(f"  GET {route:<11} p50 {pct(samples, 0.5) / 1000:7.1f} ms   p99 {pct(samples, 0.99) / 1000:7.1f} ms"
                  f"   {size / 1024:7.1f} KiB")


async def loop_stall(app: FastAPI) -> None:
    """While the page renders (in a worker thread), how late does the loop run a 1 ms timer?"""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://printernizer.local") as http:
        page = asyncio.create_task(http.get(f"{MOUNT_PREFIX}/"))
        lateness = []
        while not page.done():
            begin = time.perf_counter()
            await asyncio.sleep(0.001)
            lateness.append((time.perf_counter() - begin - 0.001) * 1000)
        await page
    print(f"  event loop while the page renders: worst timer lateness {max(lateness):.1f} ms "
          f"over {len(lateness)} ticks")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--jobs-per-week", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=20)
    args, _ = parser.parse_known_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(40))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "year.db"
        started = time.perf_counter()
        today = build(path, args.weeks, args.jobs_per_week)
        print(f"{args.weeks} simulated weeks at {args.jobs_per_week} jobs/week "
              f"({time.perf_counter() - started:.0f} s to build, DB {path.stat().st_size / 1e6:.2f} MB)")
        client = StatsClient(path, environ={}, today=lambda: today)
        app = FastAPI(redirect_slashes=False)
        app.include_router(usage_stats_router(client), prefix=MOUNT_PREFIX)
        print(f"privacy API and page, in-process, {args.repeats} calls each:")
        asyncio.run(measure(app, args.repeats))
        asyncio.run(loop_stall(app))


if __name__ == "__main__":
    main()
