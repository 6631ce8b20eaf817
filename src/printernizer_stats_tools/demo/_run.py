"""``demo``, run: the whole path on embedded defaults, from a fresh clone.

1. the receiver (``serve``) on a SQLite file in ``--dir``;
2. the collector in front of it: the real OpenTelemetry Collector running otelcol.yaml over HTTPS when it is
   built (``--build-collector`` builds it), else rotel, the quick fallback, and the demo says which;
   without either, clients send straight to the receiver;
3. a population of simulated installations (varied deployments, versions, fleets, habits; a release in the
   middle that breaks Bambu Lab connections, and its fix) in worker processes, each sending its batch every
   simulated Monday through the collector;
4. the maintainers' k-anonymous figures and anomalies, read back from the receiver's database, and where
   to look next (``--serve`` keeps the receiver, its dashboard and a user's page running).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import secrets
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from printernizer_stats.registry import Registry, default_registry, utc_today, week_label, week_start
from printernizer_stats_tools.demo._collector import DemoCollector, start_collector
from printernizer_stats_tools.demo._pages import page_lines, serve_until_interrupted, stop_on_signals
from printernizer_stats_tools.demo._population import InstallationReport, InstallationTask, quiet_logging
from printernizer_stats_tools.demo._progress import Progress, run_population, start_workers
from printernizer_stats_tools.demo._receiver_process import ReceiverProcess
from printernizer_stats_tools.demo._render import RunFacts, render_summary

if TYPE_CHECKING:
    import sqlalchemy as sa

    from printernizer_stats.maintainers.analytics import Insights, Window
    from printernizer_stats_tools.demo._report import Delivery
    from printernizer_stats_tools.simulator import Release

DEMO_RECEIVER_OPTIONS = ("--address-burst", "0", "--installation-burst", "64", "--simulated-receipt")
"""Behind a collector every batch shares its address; and twelve weeks pass in a minute here, so an
installation's batches arrive faster than the production per-installation limit (10, then 4 an hour) allows,
and each is recorded as received the Monday after its week (an installation counts toward k once its batches
arrived in two received weeks: in one real minute, none would)."""
QUIET_S = 20.0
"""How long the receiver may store nothing new before the summary counts what is missing as lost: the
collector retries a refused export after 5 s and then ~7.5 s (with jitter), which a loaded machine sees."""


def _fresh(directory: Path) -> None:
    """Remove what an earlier demo left in ``directory`` (only the demo's own files)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("installations", "collector"):
        shutil.rmtree(directory / name, ignore_errors=True)
    for pattern in ("receiver.db*", "receiver.log", "summary.json"):
        for path in directory.glob(pattern):
            path.unlink()
    (directory / "installations").mkdir()


def run(args: argparse.Namespace) -> int:
    if args.installations < 1 or args.weeks < 2 or args.workers < 1:
        raise ValueError("--installations and --workers must be at least 1, --weeks at least 2")
    started = time.monotonic()
    stop_on_signals()
    quiet_logging()
    directory = Path(args.dir).resolve()
    _fresh(directory)
    token = secrets.token_urlsafe(24)  # loopback only, but the path is the production one: with a token
    progress = Progress(sys.stderr)
    db_path = directory / "receiver.db"
    with ExitStack() as stack:
        # Everything that only starts runs side by side: the workers import the client stack, the receiver
        # its own, and this process the analytics, while the receiver migrates its database.
        pool = start_workers(min(args.workers, args.installations))
        if pool is not None:
            stack.callback(pool.shutdown, cancel_futures=True)
        receiver = ReceiverProcess(f"sqlite:///{db_path}", directory / "receiver.log", token, DEMO_RECEIVER_OPTIONS)
        stack.callback(receiver.stop)
        with ThreadPoolExecutor(1) as starting:
            receiver_up = starting.submit(receiver.start)
            window, releases = _timeline(args.weeks)
            receiver_up.result()
        progress.line(f"receiver   {receiver.url}  (SQLite {db_path})")
        collector = start_collector("none" if args.no_collector else args.collector, args.build_collector,
                                    receiver.url, token, directory, progress)
        if collector.process is not None:
            stack.callback(collector.process.close)
        simulate_started = time.monotonic()
        reports = run_population(_tasks(args, directory, window.first, releases, collector, receiver.url, token),
                                 pool, progress)
        simulate_s = time.monotonic() - simulate_started
        delivery, insights = _read_back(db_path, window, sum(r.accepted for r in reports), progress)
        facts = _run_facts(args, collector.path, reports, time.monotonic() - started, simulate_s,
                           simulate_started - started)
        (directory / "summary.json").write_text(json.dumps(
            {"delivery": delivery.to_json(), "insights": insights.to_json(), "run": dataclasses.asdict(facts)},
            indent=2) + "\n")
        facts = dataclasses.replace(facts, pages=page_lines(directory, receiver.url, token if args.serve else None))
        marks = {week_label(week_start(r.published)): f"← {r.version} released" for r in releases}
        progress.clear()
        sys.stdout.write(render_summary(delivery, insights, facts, marks))
        sys.stdout.flush()
        if args.serve:
            serve_until_interrupted(directory, receiver.url)
    return 0


def _timeline(weeks: int) -> tuple[Window, tuple[Release, ...]]:
    """The simulated weeks (ending with the dashboard's latest complete one, so both show the same weeks)
    and the releases in them; importing the analytics and the simulator takes seconds."""
    from printernizer_stats.maintainers.analytics import Window, latest_complete_week  # noqa: PLC0415 - scipy, while starting
    from printernizer_stats_tools.simulator import release_timeline  # noqa: PLC0415 - the simulator is heavy

    window = Window.ending(latest_complete_week(utc_today()), weeks)
    return window, tuple(release_timeline(window.first, weeks))


def _tasks(args: argparse.Namespace, directory: Path, first_day: date, releases: tuple[Release, ...],
           collector: DemoCollector, receiver_url: str, token: str) -> list[InstallationTask]:
    # Behind a collector the clients need no token: the collector holds the receiver's.
    endpoint, client_token = (collector.process.url, None) if collector.process else (receiver_url, token)
    return [InstallationTask(seed, str(directory / "installations" / f"installation-{seed:04d}.db"), first_day,
                             args.weeks, endpoint, client_token, releases, collector.ca_file)
            for seed in range(args.seed, args.seed + args.installations)]


def _read_back(db_path: Path, window: Window, accepted: int, progress: Progress) -> tuple[Delivery, Insights]:
    """Delivery and the k-anonymous figures, from the receiver's database once it holds what was accepted."""
    import sqlalchemy as sa  # noqa: PLC0415 - with the analytics (the server extra)

    from printernizer_stats.maintainers.analytics import DEFAULT_K  # noqa: PLC0415
    from printernizer_stats_tools.demo._report import read_insights  # noqa: PLC0415

    engine = sa.create_engine(f"sqlite:///{db_path}")
    try:
        return _wait_for_delivery(engine, default_registry(), accepted, progress), read_insights(engine, window,
                                                                                                  DEFAULT_K)
    finally:
        engine.dispose()


def _wait_for_delivery(engine: sa.Engine, registry: Registry, accepted: int, progress: Progress,
                       timeout_s: float = 60.0) -> Delivery:
    """What the receiver holds once it has every batch the clients had accepted (or nothing arrives for a
    while: then the summary shows what was lost)."""
    from printernizer_stats_tools.demo._report import read_delivery  # noqa: PLC0415 - the server extra

    deadline, last, last_change = time.monotonic() + timeout_s, -1, time.monotonic()
    while True:
        delivery = read_delivery(engine, registry)
        if delivery.weekly_batches >= accepted or time.monotonic() > deadline:
            return delivery
        if delivery.weekly_batches != last:
            last, last_change = delivery.weekly_batches, time.monotonic()
        elif time.monotonic() - last_change > QUIET_S:
            return delivery
        progress.status(f"waiting for the receiver: {delivery.weekly_batches:,} of {accepted:,} batches stored")
        time.sleep(0.3)


def _run_facts(args: argparse.Namespace, path: str, reports: list[InstallationReport], elapsed_s: float,
               simulate_s: float, startup_s: float) -> RunFacts:
    return RunFacts(
        installations=len(reports), weeks=args.weeks, path=path,
        accepted=sum(r.accepted for r in reports), rejected=sum(r.rejected for r in reports),
        retrying=sum(r.retrying for r in reports), elapsed_s=elapsed_s, simulate_s=simulate_s, startup_s=startup_s,
        workers=min(args.workers, len(reports)),
    )
