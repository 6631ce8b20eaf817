"""``collector-config``: print the production collector configuration generated from the registry.
``collector build``: build the collector distribution (cached by its sources' hash) and print its path;
``collector path``: print the path of the built binary, or fail if it is not built."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from printernizer_stats.maintainers.collector import render_otelcol_config
from printernizer_stats.maintainers.collector._build import BuildError, build_otelcol, cached_binary, find_otelcol
from printernizer_stats.maintainers.collector._release import COLLECTOR_RELEASE
from printernizer_stats.registry import load_registry


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    if name == "collector-config":
        parser.add_argument("--registry", default=None, help="a registry YAML (default: the shipped one)")
        return
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    build = actions.add_parser("build", help=f"build the collector distribution (OpenTelemetry Collector "
                                             f"{COLLECTOR_RELEASE}) unless cached; prints the binary's path last")
    build.add_argument("--source", type=Path, default=None,
                       help="the distribution's sources (default: collector-config/distribution)")
    build.add_argument("--force", action="store_true", help="build even if a cached binary exists")
    actions.add_parser("path", help="print the built binary's path (exit 1 if it is not built)")


def run(args: argparse.Namespace) -> int:
    if args.command == "collector-config":
        sys.stdout.write(render_otelcol_config(load_registry(args.registry)))
        return 0
    if args.action == "path":
        found = find_otelcol()
        if found is None:
            print("the collector is not built: run `printernizer-stats collector build`", file=sys.stderr)
            return 1
        print(found.resolve())
        return 0
    target = cached_binary(args.source)
    cached = target.exists() and not args.force
    print(f"collector: OpenTelemetry Collector {COLLECTOR_RELEASE}, "
          f"{'cached' if cached else 'building (several minutes the first time)'}: {target}", file=sys.stderr)
    try:
        binary = build_otelcol(args.source, log=sys.stderr, force=args.force)
    except BuildError as exc:
        print(f"printernizer-stats collector build: {exc}", file=sys.stderr)
        return 1
    print(binary.resolve())
    return 0
