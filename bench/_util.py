"""Small helpers shared by the benchmarks: percentiles and a uniform report line."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


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
