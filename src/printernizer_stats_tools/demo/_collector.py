"""The demo's collector: the real OpenTelemetry Collector running otelcol.yaml when it is built (or built on
request), rotel as the quick fallback it announces, or none (clients send straight to the receiver)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from printernizer_stats.maintainers.collector import COLLECTOR_RELEASE, BuildError, build_otelcol, find_otelcol
from printernizer_stats_tools.collectors import (
    CollectorError,
    LocalCollector,
    OtelcolCollector,
    OtelcolSettings,
    RotelSettings,
)
from printernizer_stats_tools.demo._progress import Progress

DIRECT = "clients → receiver (direct, no collector) → SQLite"
OTELCOL_PATH = f"clients → HTTPS → OpenTelemetry Collector {COLLECTOR_RELEASE} (otelcol.yaml) → receiver → SQLite"
ROTEL_PATH = "clients → rotel collector (quick fallback, registry filter) → receiver → SQLite"


class Collector(Protocol):
    @property
    def url(self) -> str: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class DemoCollector:
    """What the clients send to, and what the summary says about it."""

    process: Collector | None
    path: str
    ca_file: str | None = None
    """The CA the clients trust for the collector's HTTPS listener (the real collector only)."""


def start_collector(choice: str, build: bool, receiver_url: str, token: str, directory: Path,
                    progress: Progress) -> DemoCollector:
    """``choice`` is ``auto`` (the real collector if built, else rotel), ``otelcol``, ``rotel`` or ``none``."""
    if choice == "none":
        return DemoCollector(None, DIRECT + " [--no-collector]")
    if choice in {"auto", "otelcol"}:
        started = _otelcol(build, receiver_url, token, directory / "collector", progress)
        if started is not None:
            return started
        if choice == "otelcol":
            raise ValueError("the OpenTelemetry Collector is not built: run ./dev collector or pass --build-collector")
        progress.line("collector  the OpenTelemetry Collector is not built (./dev collector, or --build-collector);")
        progress.line("           using the quick fallback, rotel")
    try:
        rotel = LocalCollector(RotelSettings(receiver_url, token=token), workdir=directory / "collector").start()
    except CollectorError as exc:
        progress.line(f"collector  unavailable: {str(exc).splitlines()[0]}")
        progress.line("           sending straight to the receiver instead (./dev installs rotel, the quick fallback)")
        return DemoCollector(None, DIRECT + " [local collector unavailable]")
    progress.line(f"collector  {rotel.url}  (rotel, the quick fallback, registry filter) → receiver")
    return DemoCollector(rotel, ROTEL_PATH)


def _otelcol(build: bool, receiver_url: str, token: str, workdir: Path, progress: Progress) -> DemoCollector | None:
    binary = find_otelcol()
    if binary is None and build:
        progress.line(f"collector  building OpenTelemetry Collector {COLLECTOR_RELEASE} from its Go modules "
                      "(minutes on a fresh machine, cached afterwards)")
        try:
            binary = build_otelcol(log=sys.stderr)
        except BuildError as exc:
            progress.line(f"collector  build failed: {str(exc).splitlines()[0]}")
    if binary is None:
        return None
    try:
        import trustme  # noqa: PLC0415 - the dev extra; the demo's HTTPS listener needs a certificate
    except ImportError:
        progress.line("collector  trustme is missing (the dev extra): no certificate for the real collector")
        return None
    tls = workdir / "tls"
    tls.mkdir(parents=True, exist_ok=True)
    authority = trustme.CA()
    issued = authority.issue_cert("127.0.0.1")
    issued.cert_chain_pems[0].write_to_path(str(tls / "cert.pem"))
    issued.private_key_pem.write_to_path(str(tls / "key.pem"))
    authority.cert_pem.write_to_path(str(tls / "ca.pem"))
    settings = OtelcolSettings(receiver_url, token, tls / "cert.pem", tls / "key.pem", workdir / "queue")
    try:
        collector = OtelcolCollector(settings, workdir=workdir, binary=binary).start()
    except CollectorError as exc:
        progress.line(f"collector  the OpenTelemetry Collector did not start: {str(exc).splitlines()[0]}")
        return None
    progress.line(f"collector  {collector.url}  (OpenTelemetry Collector {COLLECTOR_RELEASE}, otelcol.yaml, "
                  "persistent queue) → receiver")
    return DemoCollector(collector, OTELCOL_PATH, str(tls / "ca.pem"))
