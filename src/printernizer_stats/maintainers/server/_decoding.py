"""Decode and validate one request body: a pure function, run on the event loop, in a worker thread or in a
worker process (which holds its own copy of the registry, so Python work there never takes the GIL from
the event loop: under load a thread would, a few milliseconds at a time, for the whole parse)."""

from __future__ import annotations

import functools
import multiprocessing
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass

from printernizer_stats.maintainers.server._json_budget import JsonBudget
from printernizer_stats.maintainers.server._otlp import decode_request
from printernizer_stats.maintainers.server._points import TimeWindow
from printernizer_stats.maintainers.server._validate import Verdicts, count_points, validate_request
from printernizer_stats.registry import Registry


@dataclass(frozen=True, slots=True)
class Decoded:
    """The verdict on each batch of a request, and the data points each carried (small, to send back)."""

    verdicts: Verdicts
    points: tuple[int, ...]


def decode_and_validate(registry: Registry, budget: JsonBudget, body: bytes, media: str,
                        window: TimeWindow) -> Decoded:
    """Raises DecodeError (400, or 413 for JSON over its budget)."""
    message = decode_request(body, media, budget)
    points = tuple(count_points(batch) for batch in message.resource_metrics)  # counted once, for both
    return Decoded(validate_request(registry, message, window, points), points)


_process_registry: list[Registry] = []
"""The registry of this worker process (set once by its initializer)."""


def _start_process(registry: Registry) -> None:
    _process_registry.append(registry)


def _in_process(budget: JsonBudget, body: bytes, media: str, window: TimeWindow) -> Decoded:
    return decode_and_validate(_process_registry[0], budget, body, media, window)


@dataclass(frozen=True, slots=True)
class Decoder:
    """Where decoding runs: ``processes`` worker processes (started on first use), else worker threads."""

    registry: Registry
    budget: JsonBudget
    processes: bool

    def executor(self, workers: int) -> Executor:
        if self.processes:
            # spawn, not fork: the receiver has threads (a fork would copy their locks mid-use).
            return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_start_process, initargs=(self.registry,))
        return ThreadPoolExecutor(workers, thread_name_prefix="receiver-decode")

    def job(self, body: bytes, media: str, window: TimeWindow) -> Callable[[], Decoded]:
        if self.processes:
            return functools.partial(_in_process, self.budget, body, media, window)
        return functools.partial(decode_and_validate, self.registry, self.budget, body, media, window)
