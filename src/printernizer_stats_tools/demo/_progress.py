"""Running the demo's population in worker processes, with one calm progress line on stderr."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import TextIO

from printernizer_stats_tools.demo._population import (
    InstallationReport,
    InstallationTask,
    quiet_logging,
    run_installation,
    warm_up,
)


class Progress:
    """Status on one line, rewritten in place on a terminal (at most 5 times a second), or a line now and
    then when stderr is a file or a pipe; ``line`` prints a line that stays."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self._shown = ""
        self._last = 0.0
        self._started = time.monotonic()

    def line(self, text: str) -> None:
        self.clear()
        self.stream.write(text + "\n")
        self.stream.flush()

    def status(self, text: str, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < (0.2 if self.tty else 10.0):
            return
        self._last = now
        text = f"{text} · {now - self._started:.0f} s"
        if self.tty:
            self.stream.write("\r" + text.ljust(len(self._shown)))
            self._shown = text
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def clear(self) -> None:
        if self.tty and self._shown:
            self.stream.write("\r" + " " * len(self._shown) + "\r")
            self.stream.flush()
            self._shown = ""


def start_workers(workers: int) -> ProcessPoolExecutor | None:
    """The worker processes, started at once (None: simulate in this process): each imports the client
    stack while the receiver and the collector start, instead of after them."""
    if workers <= 1:
        return None
    # spawn: the workers start clean (no inherited threads or sockets from this process).
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=quiet_logging)
    for _ in range(workers):
        pool.submit(warm_up)
    return pool


def run_population(tasks: Sequence[InstallationTask], pool: ProcessPoolExecutor | None,
                   progress: Progress) -> list[InstallationReport]:
    """Run every task (in ``pool``'s processes; in this one without a pool); reports in task order."""
    weeks = tasks[0].weeks if tasks else 0
    title = f"simulating {len(tasks)} installations × {weeks} weeks, each sending its batch every Monday"
    progress.line(f"population {title}")
    reports: dict[int, InstallationReport] = {}

    def done(report: InstallationReport) -> None:
        reports[report.seed] = report
        sent = sum(r.accepted for r in reports.values())
        progress.status(f"           {len(reports)}/{len(tasks)} installations · {sent:,} batches accepted",
                        force=len(reports) == len(tasks))

    if pool is None:
        for task in tasks:
            done(run_installation(task))
    else:
        for future in as_completed([pool.submit(run_installation, task) for task in tasks]):
            done(future.result())
    progress.clear()
    return [reports[task.seed] for task in tasks]
