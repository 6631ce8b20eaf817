"""``demo``: simulate a small population of installations and show what each would report.

A first, local-only version; the end-to-end demo (receiver + collector) replaces it.
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import timedelta
from pathlib import Path

from printernizer_stats.registry import utc_today, week_start


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--installations", type=int, default=5)
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--dir", default=None, help="where the local DBs go (default: a temporary folder)")


def run(args: argparse.Namespace) -> int:
    from printernizer_stats.simulator import simulate_installation  # noqa: PLC0415

    directory = Path(args.dir or tempfile.mkdtemp(prefix="printernizer-stats-demo-"))
    directory.mkdir(parents=True, exist_ok=True)
    first_day = week_start(utc_today()) - timedelta(weeks=args.weeks)
    print(f"Simulating {args.installations} installations over {args.weeks} weeks into {directory}")
    print(f"{'installation':<10} {'mode':<14} {'country':<7} {'version':<8} {'days':>4} {'jobs':>6} {'errors':>6}")
    for seed in range(1, args.installations + 1):
        client, sim = simulate_installation(str(directory / f"installation-{seed}.db"), args.weeks, seed, first_day)
        facts = client.facts()
        weeks = client.week_values()
        jobs = sum(v.value for v in weeks if v.metric == "printernizer.jobs.events"
                   and dict(v.attributes).get("event") in {"completed", "failed", "cancelled"})
        errors = sum(v.value for v in weeks if v.metric == "printernizer.errors")
        print(f"{seed:<10} {facts['printernizer.deployment_mode']:<14} {facts['printernizer.country_code']:<7} "
              f"{facts['printernizer.app_version']:<8} {len(sim.log.days_up):>4} {jobs:>6.0f} {errors:>6.0f}")
    print(f"\nInspect one: printernizer-stats local --db {directory / 'installation-1.db'}")
    return 0
