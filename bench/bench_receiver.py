"""Issue 6: receiver ingest throughput (batches/s) on SQLite and PostgreSQL, next to a bare FastAPI endpoint.

Each target runs in its own process (uvicorn, one worker; ``--workers 1,2`` adds uvicorn's multi-process mode)
on a loopback port; a bounded load generator here sends pre-encoded, distinct weekly batches (gzip protobuf,
a typical week of one installation) over a few keep-alive connections, each request waiting for its answer.
Reported: batches/s, p50/p99 latency, the receiver's CPU per batch (user + system of every receiver process:
issue 15's goal is <= 0.5 ms) and the ratio to a bare FastAPI endpoint that only reads the body. Goal:
>= 1,000 batches/s on SQLite. ``--before SRC`` runs every receiver target twice in this one run, on the
package in SRC (e.g. a checkout of main) and on this one, alternating, each on a fresh database.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI, Request
from starlette.responses import Response

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._util import tree_cpu_seconds  # noqa: E402
from tests.maintainers.server.batches import Installation, gzipped, typical_series, week_request  # noqa: E402

from printernizer_stats.cli._serve import tune_garbage_collector  # noqa: E402
from printernizer_stats.maintainers.server import ReceiverConfig, create_app, create_engine, migrate  # noqa: E402
from printernizer_stats.registry import default_registry, utc_today, week_start  # noqa: E402

GOAL = 1000.0
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def receiver_app() -> FastAPI:
    """The receiver on $BENCH_DB_URL (a factory: uvicorn's worker processes each build their own)."""
    tune_garbage_collector()  # as `printernizer-stats serve` does, for every target
    if os.environ["BENCH_DB_URL"] == "-":
        app = FastAPI()
        app.add_api_route("/v1/metrics", bare_endpoint, methods=["POST"])
        return app
    # Address limit off: every batch comes from this one loopback client. Per-installation limits stay on.
    return create_app(ReceiverConfig(db_url=os.environ["BENCH_DB_URL"], address_burst=0))


def serve(db_url: str, workers: int) -> None:
    """Child process: bind a loopback port, print it, serve until killed."""
    os.environ["BENCH_DB_URL"] = db_url
    if workers > 1:
        port = free_port()
        print(port, flush=True)
        uvicorn.run("bench.bench_receiver:receiver_app", factory=True, workers=workers, host="127.0.0.1",
                    port=port, access_log=False, log_level="warning")
        return
    app = receiver_app()

    class AnnouncingServer(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            print(self.servers[0].sockets[0].getsockname()[1], flush=True)

    AnnouncingServer(uvicorn.Config(app, host="127.0.0.1", port=0, access_log=False, log_level="warning")).run()


async def bare_endpoint(request: Request) -> Response:
    """The bare endpoint: read the body, answer 200 with nothing."""
    await request.body()
    return Response(b"", 200, media_type="application/x-protobuf")


def build_bodies(installations: int, weeks: int, seed: int = 6) -> list[bytes]:
    """Distinct weekly batches: ``installations`` × the last ``weeks`` complete ISO weeks, shuffled."""
    registry = default_registry()
    rng = random.Random(seed)
    this_monday = week_start(utc_today())
    bodies = []
    for _ in range(installations):
        installation = Installation(installation_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)))
        for week in range(1, weeks + 1):
            request = week_request(registry, installation, this_monday - timedelta(weeks=week),
                                   typical_series(registry, rng))
            bodies.append(gzipped(request))
    rng.shuffle(bodies)
    return bodies


def http_request(port: int, body: bytes) -> bytes:
    head = (f"POST /v1/metrics HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/x-protobuf\r\n"
            f"Content-Encoding: gzip\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def load(port: int, requests: list[bytes], connections: int) -> tuple[float, list[float], dict[int, int]]:
    """Send every request once over ``connections`` keep-alive connections; returns (seconds, latencies, statuses)."""
    queue = iter(requests)
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for request in queue:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            status = int(lines[0].split()[1])
            length = next(int(line.split(b":")[1]) for line in lines if line.lower().startswith(b"content-length"))
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            statuses[status] = statuses.get(status, 0) + 1
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return time.perf_counter() - started, latencies, statuses


async def load_when_up(port: int, requests: list[bytes], connections: int) -> None:
    """``load``, once the server accepts connections (uvicorn's workers start after the port is printed)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            await load(port, requests[:1], 1)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)
    await load(port, requests[1:], connections)


def run_target(label: str, db_url: str, requests: list[bytes], warmup: list[bytes], connections: int,
               workers: int = 1, src: Path = ROOT / "src") -> float:
    process = subprocess.Popen([sys.executable, __file__, "--serve", db_url, str(workers)], stdout=subprocess.PIPE,
                               text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{ROOT}"})
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        asyncio.run(load_when_up(port, warmup, connections))
        cpu_before = tree_cpu_seconds(process.pid)
        seconds, latencies, statuses = asyncio.run(load(port, requests, connections))
        cpu = tree_cpu_seconds(process.pid) - cpu_before
    finally:
        process.terminate()
        process.wait(20)
    rate = len(requests) / seconds
    ordered = sorted(latencies)
    p50, p99 = statistics.median(ordered) * 1000, ordered[int(0.99 * len(ordered))] * 1000
    print(f"  {label:<22} {rate:6.0f} batches/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   "
          f"server CPU {cpu / len(requests) * 1e6:5.0f} µs/batch   statuses {dict(sorted(statuses.items()))}",
          flush=True)
    if db_url != "-" and set(statuses) != {200}:
        print(f"  !! {label}: not every batch was accepted")
    return rate


def migrated(url: str) -> None:
    engine = create_engine(url)
    migrate(engine)
    engine.dispose()


def postgres_database() -> Iterator[str | None]:
    """A fresh PostgreSQL database's URL, migrated (None when PostgreSQL is unreachable), dropped afterwards."""
    name = f"pstats_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        print(f"  postgresql skipped: {type(exc).__name__}")
        yield None
        return
    try:
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        migrated(url)
        yield url
    finally:
        with contextlib.suppress(sa.exc.OperationalError), admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def sqlite_database() -> Iterator[str | None]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/receiver.db"
        migrated(url)
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--installations", type=int, default=400)
    parser.add_argument("--weeks", type=int, default=8, help="batches per installation (an offline client's outbox)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent clients (keep-alive connections)")
    parser.add_argument("--workers", default="1", help="uvicorn worker processes, comma-separated runs (e.g. 1,2)")
    parser.add_argument("--before", type=Path, default=None, metavar="SRC",
                        help="also run each receiver on the package in SRC (another checkout's src/), alternating")
    parser.add_argument("--serve", nargs=2, metavar=("DB_URL", "WORKERS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return
    bodies = build_bodies(args.installations, args.weeks)
    warmup_bodies = build_bodies(20, 2, seed=7)  # other installations: the same ids with other keys are refused
    print(f"receiver ingest: {len(bodies)} distinct weekly batches ({statistics.mean(map(len, bodies)) / 1024:.1f} KB "
          f"gzip each), {args.connections} keep-alive connections on loopback", flush=True)
    requests = [http_request(0, b) for b in bodies]
    warmup = [http_request(0, b) for b in warmup_bodies]
    bare = run_target("bare", "-", requests, warmup, args.connections)
    sources = [("before", args.before.resolve()), ("after", ROOT / "src")] if args.before else [("", ROOT / "src")]
    rates: dict[str, float] = {}
    for workers in (int(w) for w in args.workers.split(",")):
        for kind, database in (("sqlite", sqlite_database), ("postgresql", postgres_database)):
            for tag, src in sources:
                for url in database():
                    if url is not None:
                        label = f"{kind} {workers}w{' ' + tag if tag else ''}"
                        rates[label] = run_target(label, url, requests, warmup, args.connections, workers, src)
    print("ratio to the bare endpoint: " + ", ".join(f"{label} {rate / bare:.2f}" for label, rate in rates.items()))
    sqlite = next(rate for label, rate in rates.items() if label.startswith("sqlite"))
    print(f"goal >= {GOAL:.0f} batches/s on SQLite: {'met' if sqlite >= GOAL else 'MISSED'} ({sqlite:.0f})")


if __name__ == "__main__":
    main()
