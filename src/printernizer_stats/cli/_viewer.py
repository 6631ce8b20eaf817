"""``viewer``: the page and the privacy API for one local statistics DB, on this machine only by default."""

from __future__ import annotations

import argparse
import sys

from printernizer_stats.cli._sending import configure_logging


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", required=True, help="path of the local statistics SQLite file")
    parser.add_argument("--port", type=int, default=8765, help="TCP port (default 8765; 0 picks a free one)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1; the page has no login, keep it local)")


def run(args: argparse.Namespace) -> int:
    import uvicorn  # noqa: PLC0415 - the fastapi extra; other commands work without it

    from printernizer_stats.host.client import viewer_app  # noqa: PLC0415
    from printernizer_stats.host.sender import is_loopback  # noqa: PLC0415

    if not 0 <= args.port <= 65535:
        raise ValueError("--port must be between 0 and 65535")
    configure_logging()
    if not is_loopback(args.host):
        print(f"warning: serving on {args.host}: anyone who can reach it can read and change your statistics",
              file=sys.stderr)
    if args.port:
        print(f"Usage statistics of {args.db}: http://{args.host}:{args.port}/ (Ctrl+C to stop)", file=sys.stderr)
    # Access logs off: they would record addresses and paths, which this project never keeps.
    uvicorn.run(viewer_app(args.db), host=args.host, port=args.port, log_level="info", access_log=False)
    return 0
