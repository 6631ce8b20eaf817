"""Issue 13, items 4 and 7: CPU per request bounded, deletion floods. The receiver of an earlier commit
(before) and of this tree (after), each `printernizer-stats serve` in its own process, in one run.

During 40 worst-case bodies sent at once from one address (OTLP JSON, 7.7 KB gzip inflating to 2 MiB; and,
for the after tree, the costliest JSON body its budget admits): `/healthz` p99 and an honest client's p99
(valid gzip protobuf batches from other loopback addresses), on SQLite. Goal: both < 250 ms. During a
deletion flood (5 requests of 1,000 deletions at once, from one address), on SQLite and PostgreSQL, the
same. Then the ingest rate (batches/s, bench_receiver's load) of each, which must not be worse after.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.maintainers.server.batches import (  # noqa: E402
    Installation,
    deletion_request,
    gzipped,
    merged,
    repeated_point_json,
    typical_series,
    week_request,
)

from _util import process_cpu_seconds  # noqa: E402
from bench_receiver import build_bodies, http_request, load  # noqa: E402
from printernizer_stats.maintainers.server import max_points  # noqa: E402
from printernizer_stats.registry import default_registry, utc_today, week_start  # noqa: E402
from printernizer_stats_tools import free_port  # noqa: E402

BEFORE = "e5873cb"
"""main with issue 13's item 1 and the figure rollups (issue 15), before items 4, 6, 7: JSON parsed on the
event loop without a budget, one transaction per deletion, no deletion limit."""
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
GOAL_MS = 250.0
ATTACKER, HONEST, PROBE = "127.0.0.1", "127.0.0.2", "127.0.0.3"


def json_body(points: int) -> bytes:
    """The issue's kind of body: one histogram point repeated ``points`` times, gzip at level 9."""
    document = repeated_point_json(default_registry(), points)
    return gzip.compress(json.dumps(document, separators=(",", ":")).encode(), 9, mtime=0)


def post(body: bytes, media: str) -> bytes:
    head = (f"POST /v1/metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {media}\r\n"
            f"Content-Encoding: gzip\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


HEALTH = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


async def exchange(port: int, source: str, request: bytes) -> tuple[int, float]:
    """One request on its own connection from ``source``: (status, seconds)."""
    start = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    length = next(int(line.split(b":")[1]) for line in lines if line.lower().startswith(b"content-length"))
    await reader.readexactly(length)
    writer.close()
    return int(lines[0].split()[1]), time.perf_counter() - start


async def attack(port: int, bodies: list[bytes], honest: list[bytes],
                 media: str = "application/json") -> dict[str, object]:
    """The attack bodies at once; meanwhile /healthz every 10 ms and an honest batch every 20 ms."""
    health: list[float] = []
    answers: list[float] = []
    statuses: dict[int, int] = {}
    done = asyncio.Event()

    async def probe(request: bytes, source: str, every: float, into: list[float], record: bool) -> None:
        while not done.is_set():
            status, seconds = await exchange(port, source, request)
            into.append(seconds)
            if record:
                statuses[status] = statuses.get(status, 0) + 1
            await asyncio.sleep(every)

    honest_requests = iter(honest)
    probes = [asyncio.create_task(probe(HEALTH, PROBE, 0.01, health, False))]
    probes += [asyncio.create_task(honest_probe(port, honest_requests, answers, statuses, done))]
    await asyncio.sleep(0.3)
    started = time.perf_counter()
    results = await asyncio.gather(*(exchange(port, ATTACKER, post(body, media)) for body in bodies))
    attack_s = time.perf_counter() - started
    done.set()
    await asyncio.gather(*probes)
    attack_statuses: dict[int, int] = {}
    for status, _ in results:
        attack_statuses[status] = attack_statuses.get(status, 0) + 1
    return {"health": health, "honest": answers, "honest_statuses": statuses, "attack_s": attack_s,
            "attack_statuses": attack_statuses}


async def honest_probe(port: int, requests: object, into: list[float], statuses: dict[int, int],
                       done: asyncio.Event) -> None:
    for request in requests:  # type: ignore[attr-defined]
        if done.is_set():
            return
        status, seconds = await exchange(port, HONEST, request)
        into.append(seconds)
        statuses[status] = statuses.get(status, 0) + 1
        await asyncio.sleep(0.02)


def p99_ms(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000 if ordered else float("nan")


def sybil_limits_off(src: Path) -> tuple[str, ...]:
    """The honest probe sends 400 new installations from one address: past the per-address limits on new
    installations and batches (trees that have them) it would measure 429s, not the receiver's latency."""
    serve = (src / "printernizer_stats" / "cli" / "_serve.py").read_text()
    return ("--new-installation-burst", "0", "--batch-burst", "0") if "--new-installation-burst" in serve else ()


class Server:
    """`printernizer-stats serve` of one source tree on a SQLite file, on a free loopback port."""

    def __init__(self, src: Path, folder: Path, *options: str, db_url: str | None = None) -> None:
        self.port = free_port()
        argv = [sys.executable, "-m", "printernizer_stats.cli", "serve", "--db-url", db_url or f"sqlite:///{folder}/r.db",
                "--port", str(self.port), "--installation-burst", "100000", *sybil_limits_off(src), *options]
        env = {**os.environ, "PYTHONPATH": str(src), "PRINTERNIZER_STATS_TOKEN": ""}
        with (folder / "serve.log").open("wb") as log:
            self.process = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1).read()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the receiver did not start")

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def ingest_rate(src: Path, folder: Path, requests: list[bytes]) -> tuple[float, float]:
    """(batches/s, server CPU seconds per batch) of distinct valid batches over 16 keep-alive connections."""
    server = Server(src, folder, "--address-burst", "0")
    try:
        asyncio.run(load(server.port, requests[:200], 16))
        cpu = process_cpu_seconds(server.process.pid)
        seconds, _, statuses = asyncio.run(load(server.port, requests[200:], 16))
        cpu = process_cpu_seconds(server.process.pid) - cpu
    finally:
        server.close()
    if set(statuses) != {200}:
        print(f"  !! not every batch was accepted: {statuses}")
    return (len(requests) - 200) / seconds, cpu / (len(requests) - 200)


def deletion_floods(count: int) -> list[bytes]:
    """``count`` gzip requests, each of 1,000 deletion requests of distinct installations (a collector's shape)."""
    registry = default_registry()
    rng = random.Random(77)
    bodies = []
    for _ in range(count):
        request = merged(*(deletion_request(registry, Installation(str(uuid.UUID(int=rng.getrandbits(128), version=4))))
                           for _ in range(1000)))
        bodies.append(gzip.compress(request.SerializeToString(), 6, mtime=0))
    return bodies


def flood_run(name: str, src: Path, folder: Path, db_url: str | None, floods: list[bytes]) -> None:
    server = Server(src, folder, "--address-burst", "1000", db_url=db_url)
    try:
        result = asyncio.run(flood(server.port, floods, honest_batches(400)))
    except OSError as exc:  # the server went away under the flood: that is the figure
        print(f"  {name:<34} the receiver stopped answering during the flood ({type(exc).__name__}); "
              f"exit status {server.process.poll()}")
        return
    finally:
        server.close()
    report(name, result)


async def flood(port: int, floods: list[bytes], honest: list[bytes]) -> dict[str, object]:
    """Every flood body at once (each deletes other installations), with the probes of ``attack``."""
    return await attack(port, floods, honest, media="application/x-protobuf")


@contextlib.contextmanager
def database_url(kind: str) -> Iterator[str | None]:
    """``None`` (the server's own SQLite file) or a fresh PostgreSQL database, dropped afterwards."""
    if kind == "sqlite":
        yield None
        return
    name = f"pstats_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def tree_of(revision: str, folder: Path) -> Path:
    """``src/`` of ``revision``, extracted into ``folder``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "src"], capture_output=True,
                             check=True).stdout
    with tempfile.TemporaryFile() as handle:
        handle.write(archive)
        handle.seek(0)
        with tarfile.open(fileobj=handle) as archive_file:
            archive_file.extractall(folder, filter="data")
    return folder / "src"


def honest_batches(count: int) -> list[bytes]:
    registry = default_registry()
    monday = week_start(utc_today()) - timedelta(weeks=1)
    rng = random.Random(7)
    return [post(gzipped(week_request(registry, Installation(str(uuid.UUID(int=rng.getrandbits(128), version=4))),
                                      monday, typical_series(registry, rng))), "application/x-protobuf")
            for _ in range(count)]


def report(name: str, result: dict[str, object]) -> None:
    health, honest = result["health"], result["honest"]
    assert isinstance(health, list) and isinstance(honest, list)
    print(f"  {name:<34} /healthz p99 {p99_ms(health):8.1f} ms (max {max(health) * 1000:7.1f})   honest p99 "
          f"{p99_ms(honest):8.1f} ms ({len(honest)} batches, {result['honest_statuses']})   attack answered in "
          f"{result['attack_s']:5.2f} s {result['attack_statuses']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before", default=BEFORE, help="the commit to compare with (default %(default)s)")
    parser.add_argument("--ingest-batches", type=int, default=3000)
    parser.add_argument("--parts", default="json,deletions,ingest", help="which parts to run (default %(default)s)")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    worst = json_body(5080)  # just under the 2 MiB inflation limit
    budget = json_body(max_points(default_registry()))
    print(f"worst-case body: {len(worst) / 1024:.1f} KB gzip -> {len(gzip.decompress(worst)) / 2**20:.2f} MiB JSON; "
          f"the costliest the budget admits: {len(budget) / 1024:.1f} KB -> {len(gzip.decompress(budget)) / 1024:.0f} "
          f"KiB; goal p99 < {GOAL_MS:.0f} ms")
    ingest = [http_request(0, b) for b in build_bodies(max(1, args.ingest_batches // 8), 8)]
    rates = {}
    with tempfile.TemporaryDirectory() as tmp:
        trees = {f"before ({args.before})": tree_of(args.before, Path(tmp) / "before"), "after": ROOT / "src"}
        for name, src in trees.items() if "json" in parts else ():
            cases = [("2 MiB JSON", worst)] + ([("budget-sized JSON", budget)] if name == "after" else [])
            for case, body in cases:
                folder = Path(tempfile.mkdtemp(dir=tmp))
                server = Server(src, folder, "--address-burst", "1000")  # the honest client stays in its burst
                try:
                    report(f"{name}, {case}", asyncio.run(attack(server.port, [body] * 40, honest_batches(400))))
                finally:
                    server.close()
        floods = deletion_floods(5) if "deletions" in parts else []
        print(f"deletion flood: 5 requests of 1,000 deletions ({sum(map(len, floods)) / 5 / 1024:.0f} KB gzip each)")
        for database in ("sqlite", "postgresql") if floods else ():
            for name, src in trees.items():
                with database_url(database) as url:
                    flood_run(f"{name}, deletions, {database}", src, Path(tempfile.mkdtemp(dir=tmp)), url, floods)
        # Ingest alternately, three rounds: the machine is shared, so each tree's best round and its server
        # CPU per batch (steadier than wall time) are what is compared.
        for _ in range(3 if "ingest" in parts else 0):
            for name, src in trees.items():
                rate, cpu = ingest_rate(src, Path(tempfile.mkdtemp(dir=tmp)), ingest)
                best = rates.get(name, (0.0, float("inf")))
                rates[name] = (max(best[0], rate), min(best[1], cpu))
        for name, (rate, cpu) in rates.items():
            print(f"  {name:<34} ingest {rate:7.0f} batches/s (best of 3)   server CPU {cpu * 1e6:6.0f} µs/batch")
    if not rates:
        return
    (before, before_cpu), (after, after_cpu) = rates.values()
    print(f"ingest after / before: {after / before:.2f} batches/s, {after_cpu / before_cpu:.2f} CPU per batch")


if __name__ == "__main__":
    main()
