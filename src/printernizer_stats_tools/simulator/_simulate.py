"""Drive a ``StatsClient`` through simulated days of a Printernizer installation.

Events go through the real event bus adapter, OTel SDK, exporter filter and local store; at the end of
each simulated day the pipeline is flushed with the clock on that day. Payloads carry the sensitive fields
Printernizer really emits (file names, printer names, IPs in messages), so every run doubles as a privacy
check. The log records what was emitted, as the tests' oracle.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path
from statistics import NormalDist

from printernizer_stats.host.client import StatsClient
from printernizer_stats.host.sender import SenderConfig, Transport
from printernizer_stats.registry.names import Feature
from printernizer_stats_tools.simulator._profile import InstanceProfile, Release, running_version
from printernizer_stats_tools.simulator._routes import PRINTERNIZER_ROUTES
from printernizer_stats_tools.standin._bus import StandInEventBus

ERROR_CODES = (
    ("PRINTER_CONNECTION", "printer", 0.35), ("CONNECTION_TIMEOUT", "printer", 0.15),
    ("FILE_DOWNLOAD", "file", 0.15), ("PRINTER_BUSY", "printer", 0.1), ("VALIDATION_ERROR", "api", 0.1),
    ("FILE_NOT_FOUND", "file", 0.05), ("DATABASE", "system", 0.03), ("SOMETHING_NEW", "system", 0.07),
)


def _route_shares(routes: int, rate: float = 0.25) -> list[float]:
    """The first routes are busiest (a truncated geometric share per route)."""
    shares = [math.exp(-rate * i) * (1 - math.exp(-rate)) for i in range(routes - 1)]
    shares.append(math.exp(-rate * (routes - 1)))  # the tail lands on the last route
    return shares


_STATUSES = (200, 404, 500, 503)
_STATUS_SHARES = (0.97, 0.01, 0.01, 0.01)
"""3 % of requests fail, evenly as 404, 500 or 503."""
_REQUESTS = [(method, template, status) for method, template in PRINTERNIZER_ROUTES for status in _STATUSES]
_REQUEST_WEIGHTS = list(accumulate(r * s for r in _route_shares(len(PRINTERNIZER_ROUTES)) for s in _STATUS_SHARES))
"""(route, status) drawn together: one weighted draw a request instead of two."""
_DURATIONS = tuple(math.exp(NormalDist(-3.5, 1.0).inv_cdf((i + 0.5) / 1024)) for i in range(1024))
"""Log-normal request durations as 1,024 quantiles: an unweighted pick costs a fifth of exp(gauss())."""


@dataclass
class SimClock:
    """The simulated UTC day; ``StatsClient(today=clock.today)`` files readings under it."""

    day: date

    def today(self) -> date:
        return self.day


@dataclass
class SimulationLog:
    """What the simulator emitted, per day: the oracle the tests compare the store against."""

    events: Counter[tuple[date, str]] = field(default_factory=Counter)
    errors: Counter[tuple[date, str, str]] = field(default_factory=Counter)
    requests: Counter[tuple[date, str, str, int]] = field(default_factory=Counter)
    days_up: list[date] = field(default_factory=list)
    versions: list[tuple[date, str]] = field(default_factory=list)
    """The version the installation ran from each day on (an entry per start and per upgrade)."""


@dataclass(frozen=True, slots=True)
class Sensitive:
    """Values that must never leave the payload they were planted in (the PII canaries use these)."""

    host: str = "workshop-pc.fritz.box"
    ip: str = "192.168.178.42"
    file_name: str = "customer_order_4711.3mf"
    serial: str = "01P00A123456789"
    email: str = "jane.doe@example.com"
    url: str = "https://printer.local/api/files/customer_order_4711.3mf?token=abc"


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 50:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


class InstanceSimulator:
    """One simulated installation: a profile, a client, a bus and a clock.

    With ``releases``, the installation upgrades as its profile says: Printernizer restarts with the new
    version (a new client on the same file, as the host would build it), and a release's regression adds
    its errors while it runs.
    """

    def __init__(self, client: StatsClient, profile: InstanceProfile, clock: SimClock,
                 sensitive: Sensitive | None = None, releases: Sequence[Release] = ()) -> None:
        self.client = client
        self.profile = profile
        self.clock = clock
        self.bus = StandInEventBus()
        self.rng = random.Random(profile.seed)
        self.s = sensitive or Sensitive()
        self.log = SimulationLog()
        self.releases = tuple(releases)
        self.release: Release | None = None
        self.version = profile.app_version
        client.attach_event_bus(self.bus)

    def _upgrade_if_due(self) -> None:
        version, release = running_version(self.profile, self.releases, self.clock.day)
        if not self.log.versions:
            self.log.versions.append((self.clock.day, self.version))
        if version == self.version:
            return
        old = self.client
        old.stop()
        services = old.services
        self.client = simulated_client(str(services.store.path), replace(self.profile, app_version=version),
                                       self.clock, dict(services.environ), sender=services.sending.config,
                                       transports=services.sending.sender.transport_factory)
        self.client.start()
        self.bus = StandInEventBus()
        self.client.attach_event_bus(self.bus)
        self.version, self.release = version, release
        self.log.versions.append((self.clock.day, version))

    def _emit(self, name: str, payload: dict[str, object]) -> None:
        self.bus.emit(name, payload)
        status = payload.get("status")
        self.log.events[(self.clock.day, f"{name}:{status}" if name == "job_status_changed" else name)] += 1

    def _job(self, job_id: int) -> None:
        s, auto = self.s, self.profile.features.get(Feature.AUTO_JOB_CREATION, False) and self.rng.random() < 0.6
        printer = {"printer_id": f"{s.serial}", "name": f"X1C at {s.host}"}
        if auto:
            self._emit("job_auto_created", {"job_id": job_id, **printer, "filename": s.file_name})
        else:
            self._emit("job_created", {"job_id": job_id, **printer, "job_name": s.file_name, "is_business": True})
        self._emit("job_status_changed", {"job_id": job_id, "status": "printing", "old_status": "pending"})
        roll, failure_rate = self.rng.random(), self.profile.failure_rate
        final = "failed" if roll < failure_rate else "cancelled" if roll < 0.05 + failure_rate else "completed"
        self._emit("job_status_changed", {"job_id": job_id, "status": final, "old_status": "printing",
                                          "data": {"material": 12.5, "note": s.email}})
        if self.rng.random() < self.profile.downloads_per_job:
            ok = self.rng.random() > 0.05
            name = "file_download_complete" if ok else "file_download_failed"
            self._emit(name, {"printer_id": s.serial, "filename": s.file_name, "file_size": 1234,
                              "local_path": f"/home/jane/{s.file_name}", "error": f"timeout talking to {s.ip}"})

    def _errors(self, jobs: int) -> None:
        for _ in range(_poisson(self.rng, self.profile.error_rate * max(jobs, 1))):
            code, component, _ = self.rng.choices(ERROR_CODES, [w for *_, w in ERROR_CODES])[0]
            self.client.record_error(code, component)
            self.log.errors[(self.clock.day, code, component)] += 1
        release = self.release
        if release is None or release.regression is None or not release.regression_printers & set(
                self.profile.printers):
            return
        code, component = release.regression
        for _ in range(_poisson(self.rng, release.regression_per_job * max(jobs, 1))):
            self.client.record_error(code, component)
            self.log.errors[(self.clock.day, code, component)] += 1

    def _requests(self) -> None:
        durations = self.client.services.instruments.request_durations
        if durations is None:
            return
        count, day = self.profile.api_requests_per_day, self.clock.day
        requests = self.rng.choices(_REQUESTS, cum_weights=_REQUEST_WEIGHTS, k=count)
        record = durations.record
        for (method, template, status), seconds in zip(requests, self.rng.choices(_DURATIONS, k=count), strict=True):
            # The lean route middleware's own path (what a real host records through), not the slower SDK one.
            record(template, method, status, seconds)
        # Counted per (route, status) first: a few dozen distinct pairs a day, not one key per request.
        for (method, template, status), n in Counter(requests).items():
            self.log.requests[(day, template, method, status)] += n

    def day(self, job_counter: Callable[[], int]) -> None:
        """Simulate the current clock day, then flush the pipeline under it."""
        if self.releases or not self.log.versions:
            self._upgrade_if_due()
        first = not self.log.days_up
        if not first and self.rng.random() > self.profile.uptime_probability:
            return
        self.log.days_up.append(self.clock.day)
        jobs = _poisson(self.rng, self.profile.jobs_per_week / 7)
        for _ in range(jobs):
            self._job(job_counter())
        for _ in range(sum(self.profile.printers.values())):
            if self.rng.random() < 0.3:
                self._emit("printer_disconnected", {"printer_id": self.s.serial, "name": self.s.host})
                self._emit("printer_connected", {"printer_id": self.s.serial, "name": self.s.host})
        if self.profile.features.get(Feature.SLICING) and self.rng.random() < 0.5:
            self._emit("slicing_job.created", {"job_id": 1})
            self._emit("slicing_job.completed",
                       {"job_id": 1, "filename": self.s.file_name, "printer_id": self.s.serial})
        if self.profile.features.get(Feature.LIBRARY) and self.rng.random() < 0.4:
            self._emit("library_file_added", {"checksum": "ab12", "filename": self.s.file_name, "file_size": 10})
        self._errors(jobs)
        self._requests()
        self.client.flush()
        self.client.services.rounds.upkeep()  # the daily round's local part (no scheduler runs in a simulation)


def simulate_weeks(sim: InstanceSimulator, first_day: date, weeks: int) -> SimulationLog:
    """Run ``weeks`` x 7 days starting on ``first_day``; returns the emission log."""
    counter = iter(range(1, 10**9))
    for offset in range(weeks * 7):
        sim.clock.day = first_day + timedelta(days=offset)
        sim.day(lambda: next(counter))
    return sim.log


def simulated_client(
    db_path: str, profile: InstanceProfile, clock: SimClock, environ: dict[str, str] | None = None,
    sender: SenderConfig | None = None, transports: Callable[[SenderConfig], Transport] | None = None,
) -> StatsClient:
    """A ``StatsClient`` that believes it runs the profile's deployment, fleet and features (and sends to
    ``sender``'s endpoint, if given, over a transport from ``transports``: default, one session a pass)."""
    from printernizer_stats.host.instrumentation import Probe  # noqa: PLC0415

    env = {"DEPLOYMENT_MODE": profile.deployment_mode, "TIMEZONE": profile.timezone}
    client = StatsClient(
        db_path, profile.app_version, timezone=profile.timezone,
        printers_by_type=lambda: profile.printers, features_enabled=lambda: profile.features,
        route_templates=[template for _, template in PRINTERNIZER_ROUTES],
        export_interval_s=3600 * 24, environ=environ if environ is not None else {},
        today=clock.today, probe=Probe(env, root=Path("/nonexistent-sim-root")), sender=sender,
    )
    if transports is not None:
        client.services.sending.sender.transport_factory = transports
    return client
