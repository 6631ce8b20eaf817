"""Collection: the SDK pipeline (instruments -> reader -> privacy-filtering exporter), only while allowed.

Opted out (the default), DO_NOT_TRACK or statistics off mean no pipeline at all: no-op instruments, no
reader thread, nothing written. Starting and stopping take the client's lock, as every consent change does.
"""

from __future__ import annotations

import threading

from printernizer_stats.host.client._facts import InstallationFacts
from printernizer_stats.host.client._gate import ConsentGate
from printernizer_stats.host.client._upkeep import LocalUpkeep
from printernizer_stats.host.exporter import PrivacyFilteringMetricExporter
from printernizer_stats.host.instrumentation import Pipeline, UsageInstruments, start_pipeline
from printernizer_stats.registry import Registry
from printernizer_stats.registry.names import Metric


class Collection:
    """Starts and stops the pipeline of one installation.

    Args:
        lock: the client's lock (shared with every consent change and batching round).
        export_interval_s: how often readings are filtered into the local store.
    """

    def __init__(
        self, gate: ConsentGate, instruments: UsageInstruments, exporter: PrivacyFilteringMetricExporter,
        registry: Registry, facts: InstallationFacts, upkeep: LocalUpkeep, lock: threading.RLock,
        export_interval_s: float,
    ) -> None:
        self._gate = gate
        self._instruments = instruments
        self._exporter = exporter
        self._registry = registry
        self._facts = facts
        self._upkeep = upkeep
        self._lock = lock
        self._export_interval_s = export_interval_s
        self._pipeline: Pipeline | None = None

    @property
    def running(self) -> bool:
        return self._pipeline is not None

    def start(self) -> bool:
        """Start collecting if allowed; returns whether collection runs. Never raises."""
        with self._lock:
            if self._pipeline is not None:
                return True
            if not self._gate.collecting():
                return False
            if not self._gate.shielded(self._prepare, False):
                return False
            try:
                self._pipeline = start_pipeline(self._instruments, self._exporter, self._registry,
                                                self._export_interval_s)
            except Exception as exc:
                self._gate.turn_off(f"could not start the metrics pipeline: {type(exc).__name__}")
                return False
            self._instruments.add(Metric.APP_STARTS)
            return True

    def _prepare(self) -> bool:
        self._facts.save()
        self._upkeep.run()  # a host that was down over a Monday compacts before it records
        return True

    def flush(self) -> None:
        """Export what the SDK holds now (the simulator's end of day; shutdown's last collect)."""
        pipeline = self._pipeline
        if pipeline is not None:
            pipeline.flush()

    def stop(self, flush: bool = True) -> None:
        """Stop the pipeline: with ``flush`` its last readings are exported first (an opt-out drops them)."""
        with self._lock:
            pipeline, self._pipeline = self._pipeline, None
            self._instruments.unbind()
            if pipeline is not None:
                if flush:
                    pipeline.flush()
                pipeline.shutdown()

    def forget_series(self) -> None:
        """The readings were deleted: the exporter's cardinality cap forgets the series it saw."""
        self._exporter.forget_series()
