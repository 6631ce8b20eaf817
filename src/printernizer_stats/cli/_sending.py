"""``preview``, ``submit``, ``history``, ``opt-in``, ``opt-out``: the sending side from the command line."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

import structlog

from printernizer_stats.contract import ENDPOINT_ENV, INGEST_TOKEN_ENV
from printernizer_stats.host.client import StatsClient
from printernizer_stats.host.sender import sender_config


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", required=True, help="path of the local statistics SQLite file")
    if name == "submit":
        parser.add_argument("--endpoint", default=None,
                            help=f"receiver URL, https:// (default: ${ENDPOINT_ENV})")
        parser.add_argument("--token", default=None, help=f"bearer token (default: ${INGEST_TOKEN_ENV})")
        parser.add_argument("--ca-file", default=None, help="PEM CA bundle to trust instead of the default store")
        parser.add_argument("--proxy", default=None, help="proxy URL; environment proxies are never used")
        parser.add_argument("--timeout", type=float, default=10.0, help="seconds per attempt (default 10)")
    if name == "opt-in":
        parser.add_argument("--rotate-yearly", action="store_true", help="give the installation a new id yearly")
    if name == "opt-out":
        parser.add_argument("--request-server-deletion", action="store_true",
                            help="also queue one request asking the receiver to delete this installation's data")


class _Stderr:
    """Whatever ``sys.stderr`` is at the time of writing (tests swap it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _print(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=True))


def configure_logging() -> None:
    """Log lines (retries, rejections) go to stderr; stdout carries the command's answer."""
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(_Stderr()))  # type: ignore[arg-type]


def run(args: argparse.Namespace) -> int:
    configure_logging()
    if args.command == "submit":
        config = sender_config(args.endpoint, args.token, args.ca_file, args.proxy, environ=os.environ,
                               timeout_s=args.timeout)
        result = StatsClient(args.db, sender=config).submit_now()
        _print(result)
        return 0 if all(a["outcome"] == "accepted" for a in result["attempts"]) else 1
    client = StatsClient(args.db)
    if args.command == "preview":
        _print(client.preview())
        return 0
    if args.command == "history":
        history = client.history()
        _print(history)
        return 0 if history["chain"]["valid"] else 1
    if args.command == "opt-in":
        client.opt_in(start=False)
        state = client.services.consent.set_yearly_rotation(args.rotate_yearly)
        _print({"opted_in": state.opted_in, "installation_id": state.installation_id,
                "consent_day": str(state.consent_day), "rotate_yearly": state.rotate_yearly})
        return 0
    state = client.opt_out(request_server_deletion=args.request_server_deletion)
    queued = [q for q in client.history()["queued"] if q["kind"] == "deletion"]
    _print({"opted_in": state.opted_in, "deletion_request": queued[0]["state"] if queued else None,
            "note": "readings and queued batches deleted; the deletion request goes out with the next `submit` "
            "or the host's next sending round"
            if queued else "readings and queued batches deleted; nothing more will be sent"})
    return 0
