"""Issue 3: cost of recording one event, and the local DB size after a simulated heavy year.

Prints, from one run: one Printernizer event through our whole setup (event bus -> adapter -> registry
instrument -> SDK aggregation) vs a bare OTel SDK ``Counter.add`` vs no instrumentation at all (an event
bus emit with no subscriber), as absolute µs and ratios; then the SQLite size after 52 weeks at 10,000
jobs a week. Goals: <= 10 µs p50 and <= 50 µs p99 per event (plan limit 1 ms); < 1 MB a year (plan: 10 MB).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.resources import Resource

sys.path.insert(0, str(Path(__file__).parent))
from _util import describe, pct, per_call_ns
from printernizer_stats.host.client import StatsClient
from printernizer_stats_tools.simulator import simulate_installation
from printernizer_stats_tools.standin import StandInEventBus

PAYLOAD = {"job_id": 42, "printer_id": "X1C workshop", "job_name": "benchy.3mf", "is_business": False}


def recording(calls: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        client = StatsClient(Path(tmp) / "s.db", "2.42.0", environ={}, export_interval_s=3600)
        client.opt_in()
        bus = StandInEventBus()
        client.attach_event_bus(bus)
        ours = per_call_ns(lambda: bus.emit("job_created", PAYLOAD), calls)
        client.stop()

    provider = MeterProvider(metric_readers=[InMemoryMetricReader()], resource=Resource({}))
    counter = provider.get_meter("bare").create_counter("printernizer.jobs.events")
    attrs = {"event": "created"}
    bare = per_call_ns(lambda: counter.add(1, attrs), calls)

    empty_bus = StandInEventBus()
    none = per_call_ns(lambda: empty_bus.emit("job_created", PAYLOAD), calls)

    off_client = StatsClient(Path(tempfile.mkdtemp()) / "off.db", "2.42.0", environ={})
    off_bus = StandInEventBus()
    off_client.attach_event_bus(off_bus)
    off = per_call_ns(lambda: off_bus.emit("job_created", PAYLOAD), calls)

    print(f"one recorded event, {calls} calls each")
    print(f"  no instrumentation (bus, no subscriber) {describe(none)}")
    print(f"  bare OTel SDK Counter.add               {describe(bare)}")
    print(f"  ours, opted out (no-op instruments)     {describe(off)}")
    print(f"  ours, opted in (bus -> adapter -> SDK)  {describe(ours)}")
    print(f"  ratio ours/bare SDK p50 {pct(ours, .5) / pct(bare, .5):.2f}x, "
          f"ours/none p50 {pct(ours, .5) / pct(none, .5):.2f}x, "
          f"added over no instrumentation p50 {pct(ours, .5) - pct(none, .5):.2f} µs")
    print(f"  goal p50 <= 10 µs: {'met' if pct(ours, .5) <= 10 else 'MISSED'}; "
          f"p99 <= 50 µs: {'met' if pct(ours, .99) <= 50 else 'MISSED'}")


def db_size(weeks: int, jobs_per_week: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "year.db"
        started = time.perf_counter()
        client, sim = simulate_installation(str(path), weeks, seed=1, first_day=date(2025, 11, 24),
                                            jobs_per_week=jobs_per_week)
        elapsed = time.perf_counter() - started
        client.services.store.checkpoint()
        size = sum(os.path.getsize(p) for p in Path(tmp).iterdir())
        rows = len(client.services.store.readings())
    print(f"local DB after {weeks} weeks at {jobs_per_week} jobs/week: {size / 1024:.0f} KiB "
          f"({rows} day rollups, {sim.bus.emitted} events, simulated in {elapsed:.1f} s); "
          f"goal < 1024 KiB: {'met' if size < 1024 * 1024 else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--jobs-per-week", type=int, default=10_000)
    args = parser.parse_args()
    recording(args.calls)
    db_size(args.weeks, args.jobs_per_week)


if __name__ == "__main__":
    main()
