"""``insights``, ``retention``, ``rebuild-rollups`` and ``grafana-dashboard``: the maintainers' analytics from
the command line.

The analytics (and the server under them) are imported lazily, so client-side commands never load them.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

import structlog

from printernizer_stats.contract import DB_URL_ENV


class _Stderr:
    """Whatever sys.stderr is at the time of writing (tests swap it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    if name == "grafana-dashboard":
        parser.add_argument("--dialect", choices=("postgresql", "mssql"), required=True,
                            help="SQL dialect of the panels' queries")
        return
    parser.add_argument("--db-url", default=None,
                        help=f"receiver database URL (default: ${DB_URL_ENV}, else the SQLite file "
                             "printernizer-stats-receiver.db here)")
    if name == "rebuild-rollups":
        return
    parser.add_argument("--k", type=int, default=None, help="smallest group shown (default 5)")
    parser.add_argument("--today", type=date.fromisoformat, default=None,
                        help="pretend today is this date (YYYY-MM-DD), e.g. to re-run an old report")
    if name == "insights":
        parser.add_argument("--weeks", type=int, default=None, help="complete weeks to cover (default 26)")
        parser.add_argument("--json", action="store_true", help="print JSON instead of the readable report")
    else:
        parser.add_argument("--days", type=int, default=None,
                            help="keep per-installation rows this many days (default 400); older weeks are "
                                 "rolled up into k-anonymous weekly figures")


def run(args: argparse.Namespace) -> int:
    from printernizer_stats.maintainers import analytics  # noqa: PLC0415
    from printernizer_stats.registry import utc_today  # noqa: PLC0415

    # stdout carries the report or JSON; log lines go to stderr.
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(_Stderr()))  # type: ignore[arg-type]

    if args.command == "grafana-dashboard":
        from printernizer_stats.maintainers.analytics._grafana import dashboard_json  # noqa: PLC0415

        sys.stdout.write(dashboard_json(args.dialect))
        return 0
    from printernizer_stats.maintainers.server import DEFAULT_DB_URL, create_engine  # noqa: PLC0415
    from printernizer_stats.maintainers.server._config import env_or  # noqa: PLC0415

    engine = create_engine(env_or(args.db_url, DB_URL_ENV) or DEFAULT_DB_URL)
    try:
        if args.command == "rebuild-rollups":
            print(json.dumps({"rollup_rows": analytics.rebuild_rollups(engine)}))
            return 0
        today = args.today or utc_today()
        k = args.k if args.k is not None else analytics.DEFAULT_K
        if args.command == "retention":
            days = args.days if args.days is not None else analytics.DEFAULT_RETENTION_DAYS
            result = analytics.apply_retention(engine, today, days, k)
            print(json.dumps(result.to_json(), indent=2))
            return 0
        window = analytics.Window.for_today(today, args.weeks or analytics.DEFAULT_WEEKS)
        insights = analytics.build_insights(analytics.compute_figures(engine, window, k), window, k)
        sys.stdout.write(json.dumps(insights.to_json(), indent=2) + "\n" if args.json
                         else analytics.render_text(insights))
        return 0
    finally:
        engine.dispose()
