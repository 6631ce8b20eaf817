"""Issue 15: the maintainers' side as installations grow (not in CI; PostgreSQL; minutes per size).

For each size (10 k, 100 k installations; more with ``--sizes``) a fresh database gets 26 stored weeks
generated in SQL (INSERT ... SELECT over generate_series: about 90 % of installations send each week; per
installation-week one daily_stats row, 8 events_summary rows the figures read and 4 filler rows, one
ledger row), then:

- the full recomputation (``rebuild_rollups``: today's figure SQL over every stored row);
- start-up: the analytics cache's first fill (26 weeks) from the rollups, and today's fill (every
  figure's ``figure_select`` over 26 weeks, what start-up ran before rollups);
- each figure over 26 weeks: from the rollups (best of 3) and with today's SQL (one run);
- ``/dashboard`` and ``/v1/summary`` through the app in process (median of 5, after the warm-up);
- ingest: ``serve --workers 1`` and ``--workers 2`` on that database, new weekly batches over 16
  keep-alive connections: batches/s and receiver CPU per batch (all worker processes);
- the database's size.

The table at the end gives each time per size and its growth factor per 10x installations.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._util import tree_cpu_seconds  # noqa: E402
from bench.bench_receiver import http_request, load  # noqa: E402
from tests.maintainers.server.batches import Installation, gzipped, typical_series, week_request  # noqa: E402

from printernizer_stats.maintainers.analytics import (  # noqa: E402
    FIGURES,
    AnalyticsConfig,
    FigureCache,
    Window,
    create_maintainers_app,
    rebuild_rollups,
)
from printernizer_stats.maintainers.analytics._queries import latest_complete_week, tune_for_analytics  # noqa: E402
from printernizer_stats.maintainers.analytics._rollup_sql import counted_rows, rollup_select  # noqa: E402
from printernizer_stats.maintainers.analytics._sql import analytics_tables, between, figure_select  # noqa: E402
from printernizer_stats.maintainers.server import ReceiverConfig, create_engine, ensure_week_partitions, migrate  # noqa: E402
from printernizer_stats.registry import default_registry, utc_today  # noqa: E402
from printernizer_stats_tools import free_port  # noqa: E402

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
WEEKS = 26
Row = dict[str, float]

_GENERATE = """
INSERT INTO daily_stats (period, installation_id, app_version, deployment_mode, country_code, python_version,
                         platform, jobs_created, jobs_completed, jobs_failed, files_downloaded, files_uploaded,
                         error_count, printer_count, uptime_days)
SELECT :first + 7 * w, md5('i' || i)::uuid::text,
       (ARRAY['2.40.2','2.41.7','2.42.0'])[1 + (i + w / 9) % 3],
       (ARRAY['docker','homeassistant','standalone','pi'])[1 + (i * 7) % 4],
       (ARRAY['DE','US','AT','CH','GB','FR','NL','AU','XX'])[1 + (i * 13) % 9],
       (ARRAY['3.11','3.12','3.13'])[1 + (i * 5) % 3], (ARRAY['linux','windows','darwin'])[1 + (i * 11) % 3],
       (i * 7 + w * 3) % 40, (i * 7 + w * 3) % 40, 0, 0, 0, (random() * 5)::int, 1 + i % 4, 1 + (i + w) % 7
FROM generate_series(1, :n) AS i, generate_series(0, :weeks - 1) AS w
WHERE (i * 31 + w * 17) % 10 <> 0;

INSERT INTO events_summary (period, installation_id, metric, attributes, value, sample_count, bucket_counts)
SELECT d.period, d.installation_id, e.metric, e.attributes, e.value, NULL, NULL
FROM daily_stats AS d, LATERAL (VALUES
    ('printernizer.printers', '{"printer_type":"bambu_lab"}', 1.0 + d.printer_count % 2),
    ('printernizer.printers', '{"printer_type":"prusa_core"}', (d.printer_count % 3)::float),
    ('printernizer.features.enabled', '{"feature":"library"}', 1.0),
    ('printernizer.features.enabled', '{"feature":"timelapse"}', (d.uptime_days % 2)::float),
    ('printernizer.features.enabled', '{"feature":"mqtt"}', (d.jobs_created % 2)::float),
    ('printernizer.features.enabled', '{"feature":"auto_job_creation"}', 1.0),
    ('printernizer.errors', '{"component":"printer","error_type":"printer_connection"}', d.error_count::float),
    ('printernizer.errors', '{"component":"file","error_type":"file_download"}', (d.jobs_created % 3)::float),
    ('printernizer.app.starts', '{}', 1.0),
    ('printernizer.jobs.events', '{"event":"created"}', d.jobs_created::float),
    ('printernizer.jobs.events', '{"event":"completed"}', d.jobs_completed::float),
    ('printernizer.uptime', '{}', d.uptime_days::float)) AS e(metric, attributes, value);

INSERT INTO batches (batch_id, kind, installation_id, period, receipt, stored_points, rejected_points, received_week)
SELECT md5('b' || installation_id || period)::uuid::text, 'weekly', installation_id, period, repeat('0', 64), 12, 0,
       period + 7
FROM daily_stats;

INSERT INTO installations (installation_id, first_week, last_week, app_version, deployment_mode, country_code,
                           python_version, platform, registry_version)
SELECT DISTINCT ON (installation_id) installation_id, min(period) OVER w, max(period) OVER w, app_version,
       deployment_mode, country_code, python_version, platform, 1
FROM daily_stats WINDOW w AS (PARTITION BY installation_id)
ORDER BY installation_id, period DESC;
"""


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def best_of(work: Callable[[], object], runs: int) -> float:
    return min(timed(work) for _ in range(runs))


def generate(engine: Engine, installations: int, first: date) -> float:
    start = time.perf_counter()
    with engine.begin() as connection:
        ensure_week_partitions(connection, [first + timedelta(weeks=n) for n in range(WEEKS)])  # rows in their week
        for statement in _GENERATE.split(";\n"):
            if statement.strip():
                connection.execute(sa.text(statement), {"first": first, "n": installations, "weeks": WEEKS})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
    return time.perf_counter() - start


def figures(engine: Engine, window: Window, result: Row, today: bool = True) -> None:
    receiver = analytics_tables()
    today_where = counted_rows(receiver, between(window.first, window.last))
    with engine.connect() as connection:
        tune_for_analytics(connection)
        old_total = 0.0
        for spec in FIGURES:
            new = best_of(lambda s=spec: connection.execute(
                rollup_select(s, receiver, between(window.first, window.last))).all(), 3)
            result[f"figure {spec.name}: rollups"] = new
            if today:
                old = timed(lambda s=spec: connection.execute(figure_select(s, receiver, today_where)).all())
                result[f"figure {spec.name}: today's SQL"] = old
                old_total += old
        if today:
            result["start-up fill: today's SQL (sum of figures)"] = old_total
    cache = FigureCache(engine)
    result["start-up fill: rollups (FigureCache, 26 weeks)"] = timed(lambda: cache.refresh(window, force=True))


def http(url: str, window: Window, result: Row) -> None:
    from tests.maintainers.analytics.conftest import TestClient  # noqa: PLC0415

    now = datetime.combine(window.last + timedelta(days=15), datetime.min.time(), UTC)
    app = create_maintainers_app(ReceiverConfig(db_url=url), AnalyticsConfig(refresh_interval_s=3600),
                                 now=lambda: now)
    with TestClient(app) as client:
        cache: FigureCache = app.state.analytics.cache
        while cache.version == 0:
            time.sleep(0.05)
        for path in ("/dashboard", "/v1/summary"):
            assert client.get(path).status_code == 200, path
            result[f"GET {path} (median of 5)"] = statistics.median(timed(lambda p=path: client.get(p))
                                                                    for _ in range(5))


def ingest(url: str, workers: int, bodies: list[bytes], result: Row) -> None:
    port = free_port()
    argv = [sys.executable, "-m", "printernizer_stats.cli", "serve", "--db-url", url, "--port", str(port),
            "--workers", str(workers), "--address-burst", "0", "--installation-burst", "1000"]
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "PRINTERNIZER_STATS_TOKEN": ""})
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                asyncio.run(load(port, [http_request(port, bodies[0])], 1))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        half = len(bodies) // 2
        asyncio.run(load(port, [http_request(port, b) for b in bodies[1:half]], 16))  # warm-up
        cpu = tree_cpu_seconds(process.pid)
        seconds, _, statuses = asyncio.run(load(port, [http_request(port, b) for b in bodies[half:]], 16))
        cpu = tree_cpu_seconds(process.pid) - cpu
    finally:
        process.terminate()
        process.wait(20)
    stored = len(bodies) - half
    result[f"ingest, {workers} worker(s): batches/s"] = stored / seconds
    result[f"ingest, {workers} worker(s): receiver CPU ms/batch"] = cpu / stored * 1000
    if set(statuses) != {200}:
        print(f"  !! ingest with {workers} workers: statuses {statuses}")


def batches(count: int, last: date, seed: int) -> list[bytes]:
    registry, rng = default_registry(), random.Random(seed)
    bodies = []
    for _ in range(count // 2):
        installation = Installation(installation_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)))
        for week in (last, last - timedelta(weeks=1)):
            bodies.append(gzipped(week_request(registry, installation, week, typical_series(registry, rng))))
    rng.shuffle(bodies)
    return bodies


@contextlib.contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """The URL of a new PostgreSQL database, dropped on exit."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_size(installations: int, window: Window, ingest_batches: int, today: bool) -> Row:
    result: Row = {}
    with scratch_database("pstats_scale") as url:
        engine = create_engine(url)
        migrate(engine)
        result["generate 26 weeks in SQL (s)"] = generate(engine, installations, window.first)
        result["full recomputation (rebuild_rollups)"] = timed(lambda: rebuild_rollups(engine))
        figures(engine, window, result, today)
        http(url, window, result)
        for workers in (1, 2):
            ingest(url, workers, batches(ingest_batches, window.last, installations + workers), result)
        with engine.connect() as connection:
            result["database size (MB)"] = connection.execute(
                sa.text("SELECT pg_database_size(current_database())")).scalar_one() / 1e6
            result["events_summary rows (M)"] = connection.execute(
                sa.text("SELECT count(*) FROM events_summary")).scalar_one() / 1e6
            result["figure_rollups rows"] = connection.execute(
                sa.text("SELECT count(*) FROM figure_rollups")).scalar_one()
        engine.dispose()
    return result


def table(sizes: list[int], results: dict[int, Row]) -> str:
    head = "| measure | " + " | ".join(f"{n:,}" for n in sizes) + " | growth per 10× |"
    lines = [head, "|---" * (len(sizes) + 2) + "|"]
    for key in results[sizes[0]]:
        values = [results[n].get(key, float("nan")) for n in sizes]
        growth = ""
        if values[0] > 0 and values[-1] > 0 and sizes[-1] != sizes[0]:
            growth = f"{(values[-1] / values[0]) ** (1 / math.log10(sizes[-1] / sizes[0])):.2f}×"
        unit = "" if any(w in key for w in ("(", "batches/s", "rows", "ms/batch")) else " s"
        cells = [f"{v:.3g}{unit}" if unit else f"{v:,.3g}" for v in values]
        lines.append(f"| {key} | " + " | ".join(cells) + f" | {growth} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000", help="installations per run, comma-separated")
    parser.add_argument("--ingest-batches", type=int, default=1200, help="weekly batches sent per ingest run")
    parser.add_argument("--skip-today", action="store_true", help="do not time today's figure SQL (big sizes)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    window = Window.ending(latest_complete_week(utc_today()), WEEKS)
    results = {}
    for size in sizes:
        print(f"{size:,} installations × {WEEKS} weeks ...", flush=True)
        results[size] = run_size(size, window, args.ingest_batches, not args.skip_today)
        for key, value in results[size].items():
            print(f"  {key}: {value:.4g}", flush=True)
    print("\n" + table(sizes, results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
