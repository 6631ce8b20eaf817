"""``serve`` and ``migrate``: run the maintainers' receiver, or bring its database schema up to date.

The server is imported lazily, so client-side commands never load it.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from typing import TYPE_CHECKING, Any

from printernizer_stats.contract import (
    ANALYTICS_TOKEN_ENV,
    DB_URL_ENV,
    INGEST_TOKEN_ENV,
    SERVE_SETTINGS_ENV,
    TRUSTED_PROXIES_ENV,
)

if TYPE_CHECKING:
    from printernizer_stats.maintainers.server import ConnectionLimits, ReceiverConfig


_LIMIT_FLAGS: tuple[tuple[str, type, str], ...] = (
    ("--address-burst", int, "requests per client address at once (0: no address limit, nor batch and "
                             "new-installation limits; e.g. behind a collector)"),
    ("--installation-burst", int, "batches per installation at once"),
    ("--installation-refill-per-hour", float, "batches per installation and hour after the burst"),
    ("--max-age-weeks", int, "refuse points older than this many weeks (default 26)"),
    ("--batch-burst", int, "weekly batches per client address at once, however many a request carries "
                           "(default 100; 0: off)"),
    ("--batch-refill-per-hour", float, "weekly batches per client address and hour after the burst (default 100)"),
    ("--new-installation-burst", int, "installations new to the receiver per client address at once (default 3; "
                                      "0: off; behind a collector: the whole community's)"),
    ("--new-installation-refill-per-hour", float, "new installations per client address and hour after the "
                                                  "burst (default 0.25)"),
)
"""``serve`` flags that set a ``ReceiverConfig`` limit of the same name."""


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db-url", default=None,
                        help=f"database URL (default: ${DB_URL_ENV}, else a SQLite file "
                             "printernizer-stats-receiver.db here); postgresql://…, mssql+pyodbc://…")
    if name == "migrate":
        parser.add_argument("--sql", metavar="DIALECT", default=None,
                            help="print the migrations as a SQL script for DIALECT (e.g. mssql) instead of running")
        return
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=4318, help="port (default 4318, the OTLP/HTTP port)")
    parser.add_argument("--token", default=None,
                        help=f"bearer token clients must send (default: ${INGEST_TOKEN_ENV}, else none)")
    parser.add_argument("--no-migrate", action="store_true",
                        help="do not migrate the schema at start-up; refuse to start if it is not current")
    for flag, kind, text in _LIMIT_FLAGS:
        parser.add_argument(flag, type=kind, default=None, help=text)
    parser.add_argument("--analytics-token", default=None,
                        help="bearer token of the dashboard and analytics API (default "
                             f"${ANALYTICS_TOKEN_ENV}, else the ingest token, with a warning)")
    parser.add_argument("--trusted-proxy", action="append", default=None, metavar="ADDRESS",
                        help="a proxy whose X-Forwarded-For is believed (repeatable; default "
                             f"${TRUSTED_PROXIES_ENV}, comma-separated, else none, not even loopback)")
    parser.add_argument("--max-connections", type=int, default=None,
                        help="open connections at once (default 1000); 64 per client address")
    parser.add_argument("--workers", type=int, default=1,
                        help="receiver processes on this port (default 1); they share the database, each has its "
                             "own rate limits (docs/receiver.md)")
    parser.add_argument("--simulated-receipt", action="store_true",
                        help="simulations only: record each weekly batch as received the Monday after its week "
                             "(a simulated year arriving in minutes then counts toward k as it would in life)")
    parser.add_argument("--k", type=int, default=None,
                        help="analytics: smallest group the dashboard, API and summary show (default 5)")
    parser.add_argument("--retention-days", type=int, default=None,
                        help="analytics: once a day, roll up weeks older than this into k-anonymous figures and "
                             "delete their per-installation rows (default: never)")


def run(args: argparse.Namespace) -> int:
    from printernizer_stats.maintainers.server import DEFAULT_DB_URL  # noqa: PLC0415
    from printernizer_stats.maintainers.server._config import env_or  # noqa: PLC0415

    db_url = env_or(args.db_url, DB_URL_ENV) or DEFAULT_DB_URL
    if args.command == "migrate":
        return migrate_only(db_url, args.sql)
    return serve(args, db_url)


def migrate_only(db_url: str, dialect: str | None) -> int:
    """``migrate``: print the migrations as a script for ``dialect``, or run them on ``db_url``."""
    from printernizer_stats.maintainers.server import create_engine, current_revision, migrate, schema_sql  # noqa: PLC0415

    if dialect:
        sys.stdout.write(schema_sql(dialect))
        return 0
    engine = create_engine(db_url)
    migrate(engine)
    print(f"schema at revision {current_revision(engine)}")
    engine.dispose()
    return 0


def serve(args: argparse.Namespace, db_url: str) -> int:
    """``serve``: check the settings, bring the database up to date, then run the receiver until stopped."""
    from printernizer_stats.maintainers.analytics import AnalyticsConfig, create_maintainers_app  # noqa: PLC0415
    from printernizer_stats.maintainers.server import ReceiverConfig  # noqa: PLC0415
    from printernizer_stats.maintainers.server._config import env_or  # noqa: PLC0415

    receiver_settings = {"db_url": db_url, "token": env_or(args.token, INGEST_TOKEN_ENV),
                         "analytics_token": env_or(args.analytics_token, ANALYTICS_TOKEN_ENV), **limit_settings(args),
                         **({"simulated_receipt": True} if args.simulated_receipt else {})}
    analytics_settings = {**({"k": args.k} if args.k is not None else {}), "retention_days": args.retention_days}
    config = ReceiverConfig(**receiver_settings).validate()
    analytics = AnalyticsConfig(**analytics_settings).validate()
    if args.workers < 1:
        print("printernizer-stats serve: --workers must be at least 1", file=sys.stderr)
        return 2
    if not prepare_database(db_url, check_only=args.no_migrate):
        return 2
    import uvicorn  # noqa: PLC0415

    limits = connection_limits(args)
    warn_if_open(config, args.host)
    if args.workers > 1:
        from printernizer_stats.cli._serve_app import settings_json  # noqa: PLC0415

        os.environ[SERVE_SETTINGS_ENV] = settings_json(receiver_settings, analytics_settings)
        uvicorn.run("printernizer_stats.cli._serve_app:create_worker_app", factory=True, workers=args.workers,
                    host=args.host, port=args.port, access_log=False, server_header=False, log_level="info",
                    **limits.worker_uvicorn_options())
        return 0
    app = create_maintainers_app(config, analytics)
    tune_garbage_collector()
    # No access log: it would record client addresses, which the receiver never stores or logs.
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, server_header=False, log_level="info",
                **limits.uvicorn_options())
    return 0


def prepare_database(db_url: str, *, check_only: bool) -> bool:
    """Migrate the schema (or, ``check_only``, refuse unless it is current) and roll up rows stored before the
    rollups existed. False, with the reason on stderr, when the receiver must not start."""
    from printernizer_stats.maintainers.analytics import rebuild_rollups, rollups_missing  # noqa: PLC0415
    from printernizer_stats.maintainers.server import create_engine, current_revision, head_revision, migrate  # noqa: PLC0415

    engine = create_engine(db_url)
    try:
        if not check_only:
            migrate(engine)
        elif current_revision(engine) != head_revision():
            print(f"printernizer-stats serve: the schema is not at revision {head_revision()}; "
                  "run `printernizer-stats migrate`", file=sys.stderr)
            return False
        if rollups_missing(engine):  # a database upgraded to revision 0003 with rows stored before it
            print(f"printernizer-stats serve: rolled up the stored rows ({rebuild_rollups(engine)} cells)",
                  file=sys.stderr)
        return True
    finally:
        engine.dispose()


def limit_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The ``ReceiverConfig`` limits given on the command line (the others keep their defaults)."""
    names = (flag.removeprefix("--").replace("-", "_") for flag, _, _ in _LIMIT_FLAGS)
    return {name: value for name in names if (value := getattr(args, name)) is not None}


def connection_limits(args: argparse.Namespace) -> ConnectionLimits:
    from printernizer_stats.maintainers.server import ConnectionLimits  # noqa: PLC0415

    proxies = args.trusted_proxy or [p.strip() for p in os.environ.get(TRUSTED_PROXIES_ENV, "").split(",")]
    options: dict[str, Any] = {"trusted_proxies": tuple(p for p in proxies if p)}
    if args.max_connections is not None:
        options["max_connections"] = args.max_connections
    return ConnectionLimits(**options)


def warn_if_open(config: ReceiverConfig, host: str) -> None:
    """Loudly, on stderr: without a token anyone who reaches the port can send batches (and read analytics);
    without an analytics token every client holding the ingest token can read the analytics."""
    from printernizer_stats.maintainers.server import LOOPBACK  # noqa: PLC0415

    if config.token is None and host not in LOOPBACK:
        print(f"printernizer-stats serve: WARNING: no token (--token or ${INGEST_TOKEN_ENV}) and listening "
              f"on {host}, not loopback: anyone who can reach this port can send batches and read the "
              "analytics. Set a token.", file=sys.stderr, flush=True)
    elif config.token is not None and config.analytics_token is None:
        print(f"printernizer-stats serve: WARNING: no --analytics-token (${ANALYTICS_TOKEN_ENV}): "
              "the ingest token, which every client sending directly holds, also opens the dashboard and "
              "analytics API. Set a separate one.", file=sys.stderr, flush=True)


def tune_garbage_collector() -> None:
    """Every request allocates thousands of short-lived objects: freeze what start-up built (it lives as long as
    the process) and collect the young generation less often. About 10 % more batches a second (bench/)."""
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
