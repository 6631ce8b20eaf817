"""Issue 8: what route instrumentation costs a request. Bare app vs lean middleware vs stock OTel, one run.

The driver calls each app in-process as an ASGI server would (``await app(scope, receive, send)``, no
sockets), which is the least noisy way to see a few microseconds. Variants are interleaved round by round;
each figure is the best round (the one least disturbed by other processes on this shared 2-core machine),
with the median added µs beside it. Two apps: a trivial one (one route) and the stand-in
Printernizer app (about 60 routes, requesting ``/api/v1/printers/{printer_id}/status``: stock OTel matches
routes again, linearly, on every request).

Goal (issue 8): <= 10 µs added per request, and >= 95 % of bare throughput. Through a real server a
request costs ~200 µs, where the two goals agree; in-process a bare request costs ~40 µs, so 95 % there
means <= ~2 µs, the stricter of the two. Both are reported. The lean middleware is the default mode
(``instrumentation.DEFAULT_ROUTE_MODE``) because it is the faster one; the row "lean + SDK record" shows why
it aggregates in-process instead of calling ``Histogram.record`` (not a shipped mode).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI

sys.path.insert(0, str(Path(__file__).parent))
from _loopback import LoopbackServer, wrk_available, wrk_requests_per_second
from printernizer_stats.host.client import StatsClient
from printernizer_stats.host.instrumentation import RouteMetricsMiddleware, RouteTable, UsageInstruments
from printernizer_stats_tools.standin.app import create_standin_app

App = Any
BUDGET_US = 10.0
MIN_RATIO = 0.95


def trivial_app() -> FastAPI:
    app = FastAPI(redirect_slashes=False)

    @app.get("/api/v1/health")
    async def health() -> dict[str, str]:
        return {"status": "healthy"}

    return app


def scope_for(path: str) -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
            "headers": [(b"host", b"printernizer.local"), (b"user-agent", b"bench")],
            "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(_message: dict[str, Any]) -> None:
    return None


async def drive(app: App, scope: dict[str, Any], requests: int) -> float:
    """µs per request over ``requests`` sequential requests."""
    started = time.perf_counter()
    for _ in range(requests):
        await app(scope.copy(), _receive, _send)
    return (time.perf_counter() - started) / requests * 1e6


class _SdkDurations:
    """Records through the SDK histogram (registry views), to show what the lean mode avoids."""

    active = True

    def __init__(self, instruments: UsageInstruments) -> None:
        self._instruments = instruments

    def record(self, route: str, method: str, status: int, seconds: float) -> None:
        self._instruments.record("http.server.request.duration", seconds, {
            "http.route": route, "http.request.method": method, "http.response.status_code": status})


def variants(make_app: Callable[[], FastAPI], tmp: Path) -> tuple[dict[str, App], list[StatsClient]]:
    apps: dict[str, App] = {"bare": make_app()}
    clients = []
    for mode in ("lean", "otel"):
        for opted_in in (True, False):
            app = make_app()
            client = StatsClient(tmp / f"{mode}-{opted_in}-{len(clients)}.db", "2.42.0", environ={},
                                 export_interval_s=3600)
            client.instrument_app(app, mode)
            if opted_in:
                client.opt_in()
                clients.append(client)
            apps[f"{mode}{'' if opted_in else ', opted out'}"] = app
    sdk_client = StatsClient(tmp / f"sdk-{len(clients)}.db", "2.42.0", environ={}, export_interval_s=3600)
    sdk_client.opt_in()
    clients.append(sdk_client)
    app = make_app()
    stack_builder = app.build_middleware_stack
    app.build_middleware_stack = lambda: RouteMetricsMiddleware(
        stack_builder(), RouteTable(app), _SdkDurations(sdk_client.services.instruments))  # type: ignore[arg-type]
    apps["lean + SDK record (not shipped)"] = app
    return apps, clients


def measure(title: str, make_app: Callable[[], FastAPI], path: str, requests: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        apps, clients = variants(make_app, Path(tmp))
        scope = scope_for(path)
        results: dict[str, list[float]] = {name: [] for name in apps}

        async def run() -> None:
            for app in apps.values():
                await drive(app, scope, max(200, requests // 10))  # warm-up: build stacks, tables, caches
            for _ in range(rounds):
                for name, app in apps.items():
                    results[name].append(await drive(app, scope, requests))

        try:
            asyncio.run(run())
        except BaseException:
            for client in clients:
                client.stop()
            raise
        recorded = []
        for client in clients:
            client.flush()
            recorded.append(sum(r.count for r in client.services.store.readings()
                                if r.metric == "http.server.request.duration"))
            client.stop()

    bare, bare_median = min(results["bare"]), statistics.median(results["bare"])
    print(f"{title}: GET {path}, {rounds} rounds x {requests} requests, in-process ASGI driver")
    print(f"  {'variant':34s} {'req/s':>8s} {'µs/req':>8s} {'added µs':>9s} {'(median)':>9s} {'vs bare':>8s}")
    for name, samples in results.items():
        us = min(samples)
        print(f"  {name:34s} {1e6 / us:8.0f} {us:8.2f} {us - bare:9.2f} "
              f"{statistics.median(samples) - bare_median:9.2f} {bare / us:8.1%}")
    for mode in ("lean", "otel"):
        added, ratio = min(results[mode]) - bare, bare / min(results[mode])
        print(f"  {mode}: goal <= {BUDGET_US:.0f} µs added: {'met' if added <= BUDGET_US else 'MISSED'} "
              f"({added:.2f} µs); >= {MIN_RATIO:.0%} of bare in-process: "
              f"{'met' if ratio >= MIN_RATIO else 'MISSED'} ({ratio:.1%})")
    expected = requests * rounds + max(200, requests // 10)
    print(f"  requests recorded by the opted-in variants (each expected {expected}): {recorded}\n")


def loopback(make_app: Callable[[], FastAPI], path: str, seconds: int, rounds: int) -> None:
    """The same variants behind uvicorn on loopback, loaded by ``wrk``: noisier, but a real serving path."""
    with tempfile.TemporaryDirectory() as tmp:
        apps, clients = variants(make_app, Path(tmp))
        apps.pop("lean + SDK record (not shipped)")
        results: dict[str, list[float]] = {name: [] for name in apps}
        try:
            for _ in range(rounds):
                for name, app in apps.items():
                    with LoopbackServer(app) as server:
                        wrk_requests_per_second(server.port, path, 1)  # warm-up
                        results[name].append(wrk_requests_per_second(server.port, path, seconds))
        finally:
            for client in clients:
                client.stop()
    bare = statistics.median(results["bare"])
    print(f"loopback: uvicorn (h11) + wrk -t1 -c8, GET {path}, {rounds} rounds x {seconds:.0f} s")
    print(f"  {'variant':34s} {'req/s':>8s} {'µs/req':>8s} {'added µs':>9s} {'vs bare':>8s}")
    for name, samples in results.items():
        rps = statistics.median(samples)
        print(f"  {name:34s} {rps:8.0f} {1e6 / rps:8.1f} {1e6 / rps - 1e6 / bare:9.1f} {rps / bare:8.1%}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=2000, help="requests per variant per round")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--loopback", action="store_true", help="also load a loopback uvicorn server with wrk")
    parser.add_argument("--loopback-seconds", type=int, default=4)
    args, _unknown = parser.parse_known_args()
    print(f"python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    measure("trivial app (1 route)", trivial_app, "/api/v1/health", args.requests, args.rounds)
    measure("stand-in Printernizer app", create_standin_app, "/api/v1/printers/x1c/status", args.requests,
            args.rounds)
    if args.loopback:
        if wrk_available():
            loopback(trivial_app, "/api/v1/health", args.loopback_seconds, 3)
        else:
            print("loopback: skipped, wrk is not installed (apt-get install wrk)")


if __name__ == "__main__":
    main()
