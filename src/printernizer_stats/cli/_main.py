"""Argument parsing and dispatch; subcommands register themselves through ``COMMANDS``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from printernizer_stats.cli._extras import COMMAND_EXTRAS, missing_extra_message
from printernizer_stats.cli._tools import TOOL_COMMANDS, add_absent_arguments, from_a_clone, tools_missing

# subcommand -> module that defines ``add_arguments(name, parser)`` and ``run(args) -> int``; the tooling's
# (simulate, demo) are in printernizer_stats_tools, named by string, present in a clone only (cli/_tools.py).
COMMANDS: dict[str, str] = {
    "simulate": TOOL_COMMANDS["simulate"],
    "local": "printernizer_stats.cli._local",
    "registry": "printernizer_stats.cli._registry",
    "demo": TOOL_COMMANDS["demo"],
    "collector-config": "printernizer_stats.cli._collector",
    "collector": "printernizer_stats.cli._collector",
    "preview": "printernizer_stats.cli._sending",
    "submit": "printernizer_stats.cli._sending",
    "history": "printernizer_stats.cli._sending",
    "opt-in": "printernizer_stats.cli._sending",
    "opt-out": "printernizer_stats.cli._sending",
    "serve": "printernizer_stats.cli._serve",
    "migrate": "printernizer_stats.cli._serve",
    "viewer": "printernizer_stats.cli._viewer",
    "insights": "printernizer_stats.cli._analytics",
    "retention": "printernizer_stats.cli._analytics",
    "grafana-dashboard": "printernizer_stats.cli._analytics",
    "rebuild-rollups": "printernizer_stats.cli._analytics",
}
HELP: dict[str, str] = {
    "simulate": "simulate a Printernizer installation into a local statistics DB",
    "local": "print the local statistics as JSON",
    "registry": "show, lint or document the metric registry",
    "demo": "run the end-to-end demo on embedded defaults",
    "collector-config": "print the collector configuration generated from the registry",
    "collector": "build the OpenTelemetry Collector distribution (cached) or print its path",
    "preview": "show the next batch exactly as it will be sent (OTLP JSON and bytes)",
    "submit": "send the queued weekly batches now",
    "history": "list every batch sent, with the server's answers, and verify the hash chain",
    "opt-in": "opt in to usage statistics (a new installation id; already on: nothing changes)",
    "opt-out": "opt out: delete local readings and queued batches at once",
    "serve": "run the maintainers' receiver (OTLP/HTTP -> SQL)",
    "migrate": "bring the receiver's database schema up to date (or print it as SQL)",
    "viewer": "serve the statistics page and privacy API for a local DB (page at /)",
    "insights": "print the maintainers' report: k-anonymous figures and anomalies",
    "retention": "roll up weeks older than the retention period into k-anonymous figures; delete their rows",
    "grafana-dashboard": "print the Grafana dashboard JSON for PostgreSQL or SQL Server",
    "rebuild-rollups": "recompute the figures' weekly rollups from the per-installation rows (after an upgrade)",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="printernizer-stats", description="Privacy-first, opt-in usage statistics for Printernizer.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        extra = COMMAND_EXTRAS.get(name)
        description = f"{HELP.get(name)} (needs the '{extra}' extra)" if extra else HELP.get(name)
        command = sub.add_parser(name, help=HELP.get(name), description=description)
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if name not in TOOL_COMMANDS or not tools_missing(exc):
                raise
            add_absent_arguments(command)  # `main` then says where the command runs
            continue
        module.add_arguments(name, command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown and not getattr(args, "tool_absent", False):
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        module = importlib.import_module(COMMANDS[args.command])
        return int(module.run(args))
    except ModuleNotFoundError as exc:
        message = from_a_clone(args.command) if tools_missing(exc) else missing_extra_message(args.command, exc)
        if message is None:
            raise
        print(message, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except (OSError, ValueError, PermissionError) as exc:
        print(f"printernizer-stats {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
