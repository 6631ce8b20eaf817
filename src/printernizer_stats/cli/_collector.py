"""``collector-config``: print the production otelcol-contrib configuration generated from the registry."""

from __future__ import annotations

import argparse
import sys

from printernizer_stats.collector import render_otelcol_config
from printernizer_stats.registry import load_registry


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--registry", default=None, help="a registry YAML (default: the shipped one)")


def run(args: argparse.Namespace) -> int:
    sys.stdout.write(render_otelcol_config(load_registry(args.registry)))
    return 0
