"""Issue 15: retention as partition drops (not in CI; PostgreSQL; a few minutes).

The same synthetic stored weeks (bench_scale's SQL: per installation-week one daily_stats row, 12
events_summary rows, one ledger row) in two fresh databases: plain tables (schema revision 0005, what
retention deleted from before) and weekly partitions (0006). In each, measured in the same run:

- retention of the oldest week (``apply_retention``: its k-anonymous rollup, then DELETE on plain tables,
  DROP of the week's partitions on partitioned ones);
- every figure over the kept weeks, from the rollups (best of 3) and with the per-installation SQL (once);
- the full recomputation (``rebuild_rollups``), which reads every row;
- the database size after retention and VACUUM (a DELETE leaves dead rows until vacuumed);
- on the plain tables, then the upgrade to 0006 (every kept row moved into its week's partition).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.bench_scale import _GENERATE, Row, figures, scratch_database, timed  # noqa: E402

from printernizer_stats.maintainers.analytics import MIN_RETENTION_DAYS, Window, apply_retention, rebuild_rollups  # noqa: E402
from printernizer_stats.maintainers.server import create_engine, ensure_week_partitions, migrate  # noqa: E402

FIRST = date(2025, 1, 6)
LAYOUTS = {"plain tables (0005)": "0005", "weekly partitions (0006)": "head"}


def generate(engine: sa.Engine, installations: int, weeks: int) -> None:
    with engine.begin() as connection:
        ensure_week_partitions(connection, [FIRST + timedelta(weeks=n) for n in range(weeks)])
        for statement in _GENERATE.split(";\n"):
            if statement.strip():
                connection.execute(sa.text(statement), {"first": FIRST, "n": installations, "weeks": weeks})
    rebuild_rollups(engine)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")


def run_layout(revision: str, installations: int, weeks: int) -> Row:
    result: Row = {}
    with scratch_database("pstats_retention") as url:
        engine = create_engine(url)
        migrate(engine, revision)
        result["generate (s)"] = timed(lambda: generate(engine, installations, weeks))
        with engine.connect() as connection:
            result["events_summary rows (M)"] = connection.execute(
                sa.text("SELECT count(*) FROM events_summary")).scalar_one() / 1e6
        today = FIRST + timedelta(weeks=1, days=MIN_RETENTION_DAYS)  # the cutoff: the second week
        start = time.perf_counter()
        retained = apply_retention(engine, today, MIN_RETENTION_DAYS)
        result["retention of one week"] = time.perf_counter() - start
        result["events_summary rows removed (M)"] = retained.deleted["events_summary"] / 1e6
        kept = Window(FIRST + timedelta(weeks=1), FIRST + timedelta(weeks=weeks - 1))
        figures(engine, kept, result)
        result["full recomputation (rebuild_rollups)"] = timed(lambda: rebuild_rollups(engine))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            result["VACUUM after retention"] = timed(lambda: connection.exec_driver_sql("VACUUM"))
            result["database size (MB)"] = connection.execute(
                sa.text("SELECT pg_database_size(current_database())")).scalar_one() / 1e6
        if revision != "head":  # what upgrading these rows to the partitioned layout takes
            result["upgrade to 0006 (the kept weeks' rows moved)"] = timed(lambda: migrate(engine))
        engine.dispose()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--installations", type=int, default=40_000)
    parser.add_argument("--weeks", type=int, default=6)
    args = parser.parse_args()
    results = {}
    for layout, revision in LAYOUTS.items():
        print(f"{layout}: {args.installations:,} installations × {args.weeks} weeks ...", flush=True)
        results[layout] = run_layout(revision, args.installations, args.weeks)
    names = list(LAYOUTS)
    print("\n| measure | " + " | ".join(names) + " | ratio |\n|---|---|---|---|")
    for key in results[names[0]]:
        plain, partitioned = (results[n].get(key, float("nan")) for n in names)
        unit = "" if "(" in key and "upgrade" not in key else " s"
        ratio = f"{plain / partitioned:.3g}×" if partitioned > 0 else ""
        print(f"| {key} | {plain:.3g}{unit} | {partitioned:.3g}{unit} | {ratio} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
