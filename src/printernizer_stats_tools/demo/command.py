"""``demo``: its arguments; the run (:mod:`._run`) is imported only when it runs.

The demo needs the ``server`` extra (SQLAlchemy, the receiver, the analytics); the parser, built for every
command, must not import it, or no command would run on a ``fastapi``-only install.
"""

from __future__ import annotations

import argparse


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--installations", type=int, default=200, help="simulated installations (default 200)")
    parser.add_argument("--weeks", type=int, default=12, help="complete ISO weeks each one lives (default 12)")
    parser.add_argument("--dir", default="demo-data", help="where the demo's files go (default ./demo-data; "
                                                           "the demo's own files in it are replaced)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes simulating (default 2)")
    parser.add_argument("--seed", type=int, default=1, help="first installation's seed (default 1)")
    parser.add_argument("--collector", choices=("auto", "otelcol", "rotel"), default="auto",
                        help="auto (default): the OpenTelemetry Collector if built, else rotel, the quick fallback")
    parser.add_argument("--build-collector", action="store_true",
                        help="build the OpenTelemetry Collector first if it is not built (minutes, once)")
    parser.add_argument("--no-collector", action="store_true", help="send straight to the receiver")
    parser.add_argument("--serve", action="store_true",
                        help="keep the receiver and one installation's page running at the end (Ctrl-C stops)")


def run(args: argparse.Namespace) -> int:
    from printernizer_stats_tools.demo._run import run as run_demo  # noqa: PLC0415 - the server extra

    return run_demo(args)
