"""Small helpers shared by the benchmarks: percentiles, a uniform report line, CPU time of processes."""

from __future__ import annotations

import contextlib
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path


def per_call_ns(fn: Callable[[], object], calls: int, warmup: int = 2000) -> list[int]:
    """Time each call on its own (perf_counter_ns), after a warm-up."""
    for _ in range(warmup):
        fn()
    samples = []
    clock = time.perf_counter_ns
    for _ in range(calls):
        start = clock()
        fn()
        samples.append(clock() - start)
    return samples


def pct(samples: list[int], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1000


def describe(samples: list[int]) -> str:
    return (f"p50 {pct(samples, 0.5):7.2f} µs   p99 {pct(samples, 0.99):7.2f} µs   "
            f"mean {statistics.fmean(samples) / 1000:7.2f} µs")


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (Linux /proc): steadier than wall time on a shared machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and its children (uvicorn's workers)."""
    total = process_cpu_seconds(pid)
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                total += tree_cpu_seconds(int(child))
    return total
