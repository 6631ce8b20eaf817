"""Issue 4: weekly aggregation time, batch size, and the time to submit one batch over loopback TLS.

Prints, from one run:
  1. building one week's batch (SQLite read + weekly combine + filter + encode + outbox write) from the
     local DB after a simulated year of heavy use (10,000 jobs a week); goal < 50 ms (plan limit 5 s);
  2. the batch size in bytes, raw protobuf and gzipped, for that heavy week and across typical simulated
     installations; goal < 2 KB (gzipped, as on the wire);
  3. submitting one batch to a local HTTPS receiver (trustme certificate, a fresh TLS connection each time,
     as the sender opens one per pass) until the answer is recorded; goal < 50 ms (plan limit 1 s).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import structlog

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(1, str(Path(__file__).parent.parent))
from tests.host.sender.receiver import FaultyReceiver

from _util import pct
from printernizer_stats.host.client import StatsClient
from printernizer_stats.host.sender import SenderConfig, gzip_payload
from printernizer_stats.registry import week_start
from printernizer_stats_tools.simulator import simulate_installation

FIRST = date(2025, 11, 24)


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def aggregation(weeks: int, jobs_per_week: int, repeats: int) -> bytes:
    """Time one week's batching on a heavy year's DB; returns that week's payload for the size figure."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "year.db"
        started = time.perf_counter()
        simulate_installation(str(path), weeks, seed=1, first_day=FIRST, jobs_per_week=jobs_per_week)
        simulated = time.perf_counter() - started
        today = FIRST + timedelta(weeks=weeks)
        client = StatsClient(path, today=lambda: today, environ={})
        last = week_start(today) - timedelta(weeks=1)
        outbox = client.services.sending.outbox
        samples = []
        for _ in range(repeats):
            outbox.clear(today)
            outbox.enqueue([], today, batched_through=last - timedelta(weeks=1))
            begin = time.perf_counter_ns()
            labels = client.services.sending.collect()
            samples.append(time.perf_counter_ns() - begin)
            assert len(labels) == 1, labels
        payload = outbox.queued()[0].payload
        outbox.clear(today)
        begin = time.perf_counter()
        all_weeks = client.services.sending.collect()
        everything = time.perf_counter() - begin
        rows = len(client.services.store.readings()) + len(client.services.store.week_rollups())
    p50, p99 = pct(samples, 0.5) / 1000, pct(samples, 0.99) / 1000
    print(f"weekly aggregation, one week, DB after {weeks} weeks at {jobs_per_week} jobs/week "
          f"({rows} rollup rows, simulated in {simulated:.1f} s), {repeats} runs:")
    print(f"  p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   goal < 50 ms: {_verdict(p99 < 50)}; plan limit 5 s: "
          f"{_verdict(p99 < 5000)}")
    print(f"  all {len(all_weeks)} retained weeks at once (first run after a long offline stretch): "
          f"{everything * 1000:.0f} ms")
    return payload


def sizes(heavy: bytes, installations: int) -> None:
    """Batch sizes: the heavy week, and one week of each of ``installations`` typical simulated ones."""
    typical = []
    with tempfile.TemporaryDirectory() as tmp:
        today = FIRST + timedelta(weeks=2)
        for seed in range(1, installations + 1):
            path = Path(tmp) / f"i{seed}.db"
            simulate_installation(str(path), 2, seed=seed, first_day=FIRST)
            client = StatsClient(path, today=lambda: today, environ={})
            client.services.sending.collect()
            payload = client.services.sending.outbox.queued()[-1].payload
            typical.append((len(payload), len(gzip_payload(payload))))
    raw = sorted(size for size, _ in typical)
    zipped = sorted(size for _, size in typical)
    heavy_gz = len(gzip_payload(heavy))
    print(f"batch size, heavy week: {len(heavy)} B protobuf, {heavy_gz} B gzipped; goal < 2048 B gzipped: "
          f"{_verdict(heavy_gz < 2048)}")
    print(f"batch size, {installations} typical installations: gzipped median {statistics.median(zipped):.0f} B, "
          f"max {zipped[-1]} B (protobuf median {statistics.median(raw):.0f} B, max {raw[-1]} B); "
          f"goal < 2048 B: {_verdict(zipped[-1] < 2048)} for all, "
          f"{_verdict(statistics.median(zipped) < 2048)} for the median")


def submit(weeks: int, repeats: int) -> None:
    """Time ``send_due`` for one queued batch against a local HTTPS receiver, fresh TLS each time."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.db"
        simulate_installation(str(path), weeks, seed=2, first_day=FIRST)
        today = FIRST + timedelta(weeks=weeks)
        with FaultyReceiver(tls_dir=Path(tmp)) as receiver:
            client = StatsClient(path, today=lambda: today, environ={},
                                 sender=SenderConfig(endpoint=receiver.url, ca_file=receiver.ca_file))
            client.services.sending.collect()
            batch = client.services.sending.outbox.queued()[0]
            samples = []
            for n in range(repeats + 1):
                client.services.sending.outbox.clear(today)
                with client.services.sending.outbox.db.connect() as conn:
                    conn.execute("INSERT INTO outbox (batch_id, label, week, kind, payload) VALUES (?,?,?,?,?)",
                                 (batch.batch_id, batch.label, batch.week.toordinal(), batch.kind, batch.payload))
                begin = time.perf_counter_ns()
                [attempt] = client.services.sending.sender.send_due()
                if n:  # the first send warms imports and the TLS context
                    samples.append(time.perf_counter_ns() - begin)
                assert attempt.outcome == "accepted", attempt
            connections = receiver.connections
    p50, p99 = pct(samples, 0.5) / 1000, pct(samples, 0.99) / 1000
    print(f"submit one batch ({len(gzip_payload(batch.payload))} B gzipped) over loopback HTTPS, new TLS "
          f"connection each ({connections} connections for {repeats + 1} sends), answer recorded in the sent log:")
    print(f"  p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   goal < 50 ms: {_verdict(p99 < 50)}; plan limit 1 s: "
          f"{_verdict(p99 < 1000)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--jobs-per-week", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--installations", type=int, default=20)
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    heavy = aggregation(args.weeks, args.jobs_per_week, args.repeats)
    sizes(heavy, args.installations)
    submit(2, args.repeats)


if __name__ == "__main__":
    main()
