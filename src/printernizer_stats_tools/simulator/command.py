"""``printernizer-stats simulate``: fill a local statistics DB from the simulator (from a clone only)."""

from __future__ import annotations

import argparse
import json
from datetime import timedelta

from printernizer_stats.registry import utc_today, week_start


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", required=True, help="path of the local statistics SQLite file")
    parser.add_argument("--weeks", type=int, default=4, help="complete ISO weeks to simulate (default 4)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the simulated installation")
    parser.add_argument("--jobs-per-week", type=float, default=None, help="override the profile's job rate")


def run(args: argparse.Namespace) -> int:
    from printernizer_stats_tools.simulator import simulate_installation  # noqa: PLC0415 - the SDK, when run

    if args.weeks < 1:
        raise ValueError("--weeks must be at least 1")
    # End with the last complete ISO week, so every simulated week can become a batch.
    first_day = week_start(utc_today()) - timedelta(weeks=args.weeks)
    client, sim = simulate_installation(args.db, args.weeks, args.seed, first_day, args.jobs_per_week)
    summary = client.local_summary()
    print(json.dumps({
        "db": args.db,
        "installation": summary["installation"],
        "weeks": [week["week"] for week in summary["weeks"]],
        "days_up": len(sim.log.days_up),
        "events_emitted": sim.bus.emitted,
    }, indent=2))
    return 0
