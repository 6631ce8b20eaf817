"""Issue 5: the pipeline's speed. Two figures behind the demo's two minutes.

1. Simulating one installation for 12 weeks, with the client opening a connection per operation as a host
   does, and with the simulator's idle connection (``keep_open``) that spares each close its checkpoint
   fsync. Same data either way (tests/tools/simulator/test_installation.py).
2. Delivering distinct weekly batches (gzip protobuf, 8 sending threads) to ``serve`` on SQLite until all
   are stored: straight, through the real OpenTelemetry Collector (HTTPS, the shipped otelcol.yaml: registry
   filter, persistent queue with fsync, batching in the queue) and through rotel (the quick fallback,
   registry processor, unbatched), in one run.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.maintainers.server.batches import Installation, gzipped, typical_series, week_request  # noqa: E402

from printernizer_stats.maintainers.collector import find_otelcol  # noqa: E402
from printernizer_stats.registry import default_registry, utc_today, week_start  # noqa: E402
from printernizer_stats_tools.collectors import (  # noqa: E402
    LocalCollector,
    OtelcolCollector,
    OtelcolSettings,
    RotelSettings,
    find_rotel_agent,
)
from printernizer_stats_tools.demo._receiver_process import ReceiverProcess  # noqa: E402
from printernizer_stats_tools.simulator import (  # noqa: E402
    InstanceSimulator,
    SimClock,
    random_profile,
    simulate_installation,
    simulate_weeks,
    simulated_client,
)

WEEKS = 12
THREADS = 8
OPTIONS = ("--address-burst", "0", "--installation-burst", "64")


def _plain(path: Path, seed: int, first_day: object) -> None:
    profile = random_profile(seed)
    clock = SimClock(first_day)  # type: ignore[arg-type]
    client = simulated_client(str(path), profile, clock)
    client.opt_in()
    simulate_weeks(InstanceSimulator(client, profile, clock), first_day, WEEKS)  # type: ignore[arg-type]
    client.stop()


def bench_simulation(directory: Path, seeds: int) -> None:
    first_day = week_start(utc_today()) - timedelta(weeks=WEEKS)
    timings: dict[str, list[float]] = {"connection per operation": [], "with keep_open": []}
    for seed in range(1, seeds + 1):
        start = time.perf_counter()
        _plain(directory / f"plain-{seed}.db", seed, first_day)
        timings["connection per operation"].append(time.perf_counter() - start)
        start = time.perf_counter()
        simulate_installation(str(directory / f"fast-{seed}.db"), WEEKS, seed, first_day)
        timings["with keep_open"].append(time.perf_counter() - start)
    print(f"simulating one installation for {WEEKS} weeks (median of {seeds} seeds):")
    for name, values in timings.items():
        print(f"  {name:<26} {statistics.median(values):6.2f} s")
    ratio = statistics.median(timings["connection per operation"]) / statistics.median(timings["with keep_open"])
    print(f"  keep_open is {ratio:.1f}x faster")


def _bodies(count: int) -> list[bytes]:
    registry, rng = default_registry(), random.Random(7)
    monday = week_start(utc_today()) - timedelta(weeks=1)
    return [gzipped(week_request(registry, Installation(), monday, typical_series(registry, rng)))
            for _ in range(count)]


def _send_all(url: str, token: str, bodies: list[bytes], verify: str | bool = True) -> None:
    queue = list(bodies)
    lock = threading.Lock()
    headers = {"Content-Type": "application/x-protobuf", "Content-Encoding": "gzip",
               "Authorization": f"Bearer {token}"}

    def worker() -> None:
        with requests.Session() as session:
            while True:
                with lock:
                    if not queue:
                        return
                    body = queue.pop()
                answer = session.post(f"{url}/v1/metrics", data=body, headers=headers, timeout=30, verify=verify)
                if answer.status_code != 200:
                    raise RuntimeError(f"HTTP {answer.status_code}")

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


QUIET_S = 5.0


def _wait_stored(db: Path, count: int, quiet_s: float = QUIET_S) -> int:
    """Batches in the ledger once all ``count`` are there, or nothing arrived for ``quiet_s``."""
    stored, changed = -1, time.monotonic()
    while True:
        with sqlite3.connect(db) as connection:
            now_stored = connection.execute("SELECT count(*) FROM batches").fetchone()[0]
        if now_stored >= count:
            return int(now_stored)
        if now_stored != stored:
            stored, changed = now_stored, time.monotonic()
        elif time.monotonic() - changed > quiet_s:
            return int(stored)
        time.sleep(0.05)


PATHS = ("direct", "through the real collector", "through rotel")


def _certificates(directory: Path) -> tuple[Path, Path, Path]:
    import trustme  # noqa: PLC0415 - dev extra

    authority, folder = trustme.CA(), directory / "tls"
    folder.mkdir(exist_ok=True)
    issued = authority.issue_cert("127.0.0.1")
    issued.cert_chain_pems[0].write_to_path(str(folder / "cert.pem"))
    issued.private_key_pem.write_to_path(str(folder / "key.pem"))
    authority.cert_pem.write_to_path(str(folder / "ca.pem"))
    return folder / "cert.pem", folder / "key.pem", folder / "ca.pem"


def bench_delivery(directory: Path, count: int) -> None:
    bodies = _bodies(count)
    token = "bench-token"
    cert, key, ca = _certificates(directory)
    paths = [p for p in PATHS if (p != "through the real collector" or find_otelcol()) and
             (p != "through rotel" or find_rotel_agent())]
    print(f"delivering {count} distinct weekly batches ({THREADS} threads) until stored, SQLite:")
    rates: dict[str, float] = {}
    for index, path in enumerate(paths):
        db = directory / f"receiver-{index}.db"
        with ReceiverProcess(f"sqlite:///{db}", directory / f"receiver-{index}.log", token, OPTIONS) as receiver:
            collector: OtelcolCollector | LocalCollector | None = None
            verify: str | bool = True
            if path == "through the real collector":
                settings = OtelcolSettings(receiver.url, token, cert, key, directory / f"queue-{index}")
                collector, verify = OtelcolCollector(settings, workdir=directory / f"otelcol-{index}").start(), str(ca)
            elif path == "through rotel":
                collector = LocalCollector(RotelSettings(receiver.url, token=token),
                                           workdir=directory / f"rotel-{index}").start()
            try:
                start = time.perf_counter()
                _send_all(collector.url if collector else receiver.url, token, bodies, verify)
                stored = _wait_stored(db, count)
                elapsed = time.perf_counter() - start
            finally:
                if collector is not None:
                    collector.close()
        rates[path] = stored / elapsed
        lost = f"   {count - stored} NOT STORED (rate includes {QUIET_S:.0f} s waiting)" if stored < count else ""
        print(f"  {path:<28} {rates[path]:7.0f} batches/s{lost}")
    for path in paths[1:]:
        print(f"  {path + ' / direct':<40} {rates[path] / rates['direct']:5.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--batches", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_simulation(Path(tmp), args.seeds)
        bench_delivery(Path(tmp), args.batches)


if __name__ == "__main__":
    main()
