"""``local``: show what a local statistics DB holds, as JSON."""

from __future__ import annotations

import argparse
import json

from printernizer_stats.host.client import StatsClient


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", required=True, help="path of the local statistics SQLite file")


def run(args: argparse.Namespace) -> int:
    client = StatsClient(args.db)
    print(json.dumps(client.local_summary(), indent=2, sort_keys=True))
    return 0
