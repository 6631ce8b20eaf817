"""Issue 7: the maintainers' analytics on PostgreSQL at 20,000 installations x 26 weeks (goal: every query < 1 s).

Loads a seeded synthetic population (tests/maintainers/analytics/population.py: releases, churn, errors, ~30 series per
installation-week including request histograms, as the receiver stores them) into a fresh database with COPY,
then times, each as the best of three runs after one warm-up:

1. every figure's SQL over one week: what a dashboard request runs when new batches arrived for a week;
2. (the ledger fingerprint is gone: the cache re-reads the rollups, bench/bench_scale.py);
3. every figure's SQL over all 26 weeks: ``insights``, the dashboard's first fill after start-up;
4. every Grafana panel (PostgreSQL variant, 26 weeks);
5. the dashboard over HTTP in process: the cache fill at start-up (background), requests (which only read
   the cache), the background refresh after a late batch arrived for one week.

Prints each time with "goal met" or "MISSED", and the plan (EXPLAIN ANALYZE) of the slowest query.
``--small`` uses 2,000 installations (CI-like); ``--keep NAME`` keeps (or reuses) the database.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.maintainers.analytics.loading import copy_population  # noqa: E402
from tests.maintainers.analytics.population import Population, generate  # noqa: E402

from printernizer_stats.maintainers.analytics import (  # noqa: E402
    FIGURES,
    AnalyticsConfig,
    FigureCache,
    Window,
    create_maintainers_app,
)
from printernizer_stats.maintainers.analytics._grafana import PANELS, panel_sql  # noqa: E402
from printernizer_stats.maintainers.analytics._sql import (  # noqa: E402
    ANALYTICS_INDEX,
    analytics_index_sql,
    analytics_tables,
    between,
    figure_select,
)
from printernizer_stats.maintainers.server import ReceiverConfig, create_engine, migrate  # noqa: E402

GOAL_S = 1.0
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/"


def best_of(fn: Callable[[], object], runs: int = 3) -> tuple[float, float]:
    """(first run, best of ``runs`` after it) in seconds."""
    start = time.perf_counter()
    fn()
    first = time.perf_counter() - start
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return first, min(times)


def report(results: list[tuple[str, str, float, float]], label: str, name: str, first: float, best: float) -> None:
    verdict = "goal met" if best < GOAL_S else "MISSED"
    print(f"  {name:58s} first {first * 1000:8.0f} ms   best {best * 1000:8.0f} ms   {verdict}", flush=True)
    results.append((label, name, first, best))


def grafana_sql(sql: str, window: Window) -> str:
    start, end = f"'{window.first}T00:00:00Z'", f"'{window.last + timedelta(days=6)}T23:59:59Z'"
    sql = re.sub(r"\$__timeFilter\(([^)]+)\)", lambda m: f"{m.group(1)} BETWEEN {start} AND {end}", sql)
    return re.sub(r"\$k\b", "5", sql)


def load(url: str, pop: Population) -> None:
    engine = create_engine(url)
    migrate(engine)
    start = time.perf_counter()
    written = copy_population(engine, pop)
    took = time.perf_counter() - start
    total = sum(written.values())
    print(f"loaded {written} in {took:.0f} s ({total / took:,.0f} rows/s, generation included)", flush=True)
    with sa.create_engine(url, isolation_level="AUTOCOMMIT").connect() as connection:
        start = time.perf_counter()
        connection.execute(sa.text("VACUUM ANALYZE"))
        print(f"VACUUM ANALYZE {time.perf_counter() - start:.0f} s", flush=True)
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true", help="2,000 installations instead of 20,000")
    parser.add_argument("--installations", type=int, default=None)
    parser.add_argument("--keep", metavar="NAME", default=None, help="database to keep, or reuse if it exists")
    parser.add_argument("--analytics-index", action="store_true",
                        help="time with the optional index of docs/analytics.md (dropped again afterwards)")
    args = parser.parse_args()
    pop = Population(installations=args.installations or (2000 if args.small else 20_000), route_rows=7, seed=7)
    name = args.keep or f"pstats_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG + "test", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if not exists:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG + name
    try:
        if not exists:
            print(f"population: {pop.installations:,} installations x {pop.weeks} weeks into {name}", flush=True)
            load(url, pop)
        if args.analytics_index:
            with sa.create_engine(url, isolation_level="AUTOCOMMIT").connect() as connection:
                start = time.perf_counter()
                connection.execute(sa.text(analytics_index_sql()))
                connection.execute(sa.text("VACUUM ANALYZE events_summary"))
                size = connection.execute(sa.text(f"SELECT pg_size_pretty(pg_relation_size('{ANALYTICS_INDEX}'))"
                                                  )).scalar_one()
                print(f"optional index {ANALYTICS_INDEX}: {size}, built in {time.perf_counter() - start:.0f} s")
        try:
            run(url, pop)
        finally:
            if args.analytics_index:
                with sa.create_engine(url, isolation_level="AUTOCOMMIT").connect() as connection:
                    connection.execute(sa.text(f"DROP INDEX IF EXISTS {ANALYTICS_INDEX}"))
    finally:
        if not args.keep:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


def run(url: str, pop: Population) -> None:
    engine = create_engine(url)
    tables = analytics_tables()
    full = Window.ending(pop.last_week, pop.weeks)
    week = Window(pop.last_week, pop.last_week)
    results: list[tuple[str, str, float, float]] = []
    sql_of: dict[str, str] = {}
    with engine.connect() as connection:
        sizes = {n: connection.execute(sa.text(f"SELECT count(*) FROM {n}")).scalar_one()
                 for n in ("daily_stats", "events_summary", "batches")}
        print(f"tables: {sizes}")
        connection.exec_driver_sql("SET jit = off")  # what the analytics code does (tune_for_analytics)
        for label, window in (("one week", week), ("26 weeks", full)):
            print(f"\nfigure SQL over {label}:")
            for spec in FIGURES:
                select = figure_select(spec, tables, between(window.first, window.last))
                sql_of[f"{label}: {spec.name}"] = str(select.compile(
                    dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))  # type: ignore[no-untyped-call]
                first, best = best_of(lambda s=select: connection.execute(s).all())
                report(results, label, spec.name, first, best)
        # As docs/analytics.md recommends for Grafana's role (ALTER ROLE ... SET jit = off).
        connection.exec_driver_sql("SET jit = off")
        print("\nGrafana panels (PostgreSQL, 26 weeks, jit off):")
        for panel in PANELS:
            sql = grafana_sql(panel_sql(panel, "postgresql"), full)
            sql_of[f"grafana: {panel.title}"] = sql
            first, best = best_of(lambda q=sql: connection.execute(sa.text(q)).all())
            report(results, "grafana", panel.title, first, best)
    http(engine, url, pop, results)
    slowest = max(results, key=lambda r: r[3])
    missed = [r for r in results if r[3] >= GOAL_S]
    print(f"\n{len(results) - len(missed)} of {len(results)} timings under {GOAL_S:.0f} s; "
          f"slowest: {slowest[0]}: {slowest[1]} ({slowest[3] * 1000:.0f} ms best)")
    queries = [r for r in results if f"{r[0]}: {r[1]}" in sql_of]
    label, name, _, best = max(queries, key=lambda r: r[3])
    with engine.connect() as connection:
        connection.exec_driver_sql("SET jit = off")
        plan = connection.execute(sa.text("EXPLAIN (ANALYZE, BUFFERS) " + sql_of[f"{label}: {name}"])).scalars().all()
    print(f"\nplan of the slowest query ({label}: {name}, {best * 1000:.0f} ms best):\n" + "\n".join(plan))
    engine.dispose()


def http(engine: sa.Engine, url: str, pop: Population, results: list[tuple[str, str, float, float]]) -> None:
    """The dashboard page and API through the app, in process."""
    from tests.maintainers.analytics.conftest import TestClient  # noqa: PLC0415

    now = datetime.combine(pop.last_week + timedelta(days=15), datetime.min.time(), UTC)
    app = create_maintainers_app(ReceiverConfig(db_url=url), AnalyticsConfig(refresh_interval_s=3600),
                                 now=lambda: now)
    print("\ndashboard over HTTP (in process, 26 weeks):")
    start = time.perf_counter()
    with TestClient(app) as client:
        cache: FigureCache = app.state.analytics.cache
        while cache.version == 0:  # the start-up warm-up fills the cache in the background
            time.sleep(0.05)
        warm_up = time.perf_counter() - start
        report(results, "http", "cache warm-up at start-up (26 weeks, background)", warm_up, warm_up)
        start = time.perf_counter()
        assert client.get("/dashboard").status_code == 200
        first = time.perf_counter() - start
        report(results, "http", "first /dashboard after the warm-up", first, first)
        for path in ("/dashboard", "/v1/analytics", "/v1/summary"):
            times = []
            for _ in range(5):
                start = time.perf_counter()
                client.get(path)
                times.append(time.perf_counter() - start)
            report(results, "http", f"warm {path} (median of 5)", times[0], statistics.median(times))
        late = next(chunk for chunk in generate(Population(installations=1, weeks=pop.weeks, seed=4242, skip=0,
                                                           growth=0, churn=0)) if chunk.daily_stats)
        with engine.begin() as connection:
            tables = analytics_tables()
            ledger = late.batches[0]
            connection.execute(tables["batches"].insert(), {
                "batch_id": str(uuid.uuid4()), "kind": "weekly", "installation_id": ledger[2],
                "period": pop.period(pop.weeks - 3), "receipt": ledger[4], "stored_points": 0, "rejected_points": 0,
                "received_week": pop.last_week})
        service = app.state.analytics
        start = time.perf_counter()
        reread = cache.refresh(service.window(), force=True)
        took = time.perf_counter() - start
        report(results, "http", f"background refresh after a late batch ({reread} week re-read)", took, took)
        times = []
        for _ in range(5):
            start = time.perf_counter()
            client.get("/dashboard")
            times.append(time.perf_counter() - start)
        report(results, "http", "/dashboard after that refresh (median of 5)", times[0], statistics.median(times))


if __name__ == "__main__":
    raise SystemExit(main())
