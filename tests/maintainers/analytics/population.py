"""Seeded synthetic populations written straight into the receiver's tables, with planted anomalies.

Rows are what the receiver would have stored for these batches: one ``daily_stats`` row, the
``events_summary`` series and a ledger row per installation-week, and an ``installations`` row each (so
deletion and retention find them). Installations join and churn, skip weeks, upgrade to new releases with
a lag, and have overdispersed error rates; the planted anomalies change that behaviour from a given week.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

MONDAY0 = date(2026, 1, 5)
"""First week of every population (an ISO week Monday)."""
BASE_VERSIONS = (("2.40.2", 0.15), ("2.41.7", 0.35), ("2.42.0", 0.50))
DEPLOYMENT = (("docker", 0.45), ("homeassistant", 0.30), ("standalone", 0.15), ("pi", 0.10))
COUNTRIES = (("DE", 0.40), ("US", 0.18), ("AT", 0.08), ("CH", 0.07), ("GB", 0.08), ("FR", 0.06), ("NL", 0.05),
             ("AU", 0.03), ("XX", 0.05))
PLATFORMS = (("linux", 0.9), ("windows", 0.06), ("darwin", 0.04))
PYTHONS = (("3.11", 0.6), ("3.12", 0.3), ("3.13", 0.1))
PRINTER_TYPES = (("bambu_lab", 0.55), ("prusa_core", 0.35), ("octoprint", 0.10))
FEATURES = {"library": 0.85, "library_search": 0.7, "timelapse": 0.35, "auto_job_creation": 0.8,
            "german_compliance": 0.25, "watch_folders": 0.4, "upload": 0.9, "websockets": 0.95, "slicing": 0.2,
            "mqtt": 0.3}
ERROR_TYPES = (("printer_connection", "printer", 0.30), ("connection_timeout", "printer", 0.15),
               ("file_download", "file", 0.15), ("printer_busy", "printer", 0.10), ("validation", "api", 0.10),
               ("file_upload", "file", 0.05), ("job_invalid_status", "job", 0.05), ("database", "system", 0.03),
               ("service_unavailable", "system", 0.03), ("file_processing", "file", 0.04))
ROUTES = ("/api/v1/printers", "/api/v1/jobs", "/api/v1/files/{file_id}", "/api/v1/health", "/api/v1/library/files",
          "/api/v1/materials", "unmatched")
MEAN_ERRORS_PER_JOB = 0.05


@dataclass(frozen=True)
class Release:
    """A version released in week ``week``; its installations' error rates are multiplied by ``error_factor``."""
    version: str
    week: int
    error_factor: float = 1.0


@dataclass(frozen=True)
class InstallDrop:
    """From week ``week`` on, ``fraction`` of the installations stop sending."""
    week: int
    fraction: float


@dataclass(frozen=True)
class NewErrorType:
    """From week ``week`` on, ``share`` of the installations report ``error_type`` (never seen before)."""
    error_type: str
    component: str
    week: int
    share: float


@dataclass(frozen=True)
class ErrorTypeSurge:
    """From week ``week`` on, errors of ``error_type`` are ``factor`` times as frequent."""
    error_type: str
    week: int
    factor: float


@dataclass(frozen=True)
class RareGroup:
    """Exactly ``size`` installations (k - 1 in the k-anonymity tests) with a distinctive value, every week."""
    fact: str  # country_code, app_version, python_version, platform, printer_type, feature, error_type
    value: str
    size: int


@dataclass
class Population:
    installations: int = 300
    weeks: int = 26
    seed: int = 1
    first_week: date = MONDAY0
    growth: float = 0.01
    churn: float = 0.004
    skip: float = 0.03
    releases: tuple[Release, ...] = (Release("2.43.0", 8), Release("2.44.0", 18))
    drops: tuple[InstallDrop, ...] = ()
    new_error_types: tuple[NewErrorType, ...] = ()
    surges: tuple[ErrorTypeSurge, ...] = ()
    rare: tuple[RareGroup, ...] = ()
    route_rows: int = 0
    """Request-histogram series per installation-week (the bench: realistic table size)."""
    extra: dict[str, Any] = field(default_factory=dict)

    def period(self, week: int) -> date:
        return self.first_week + timedelta(weeks=week)

    @property
    def last_week(self) -> date:
        return self.period(self.weeks - 1)


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([name for name, _ in weighted], [w for _, w in weighted])[0]


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


@dataclass
class _Installation:
    installation_id: str
    joined: int
    left: int
    facts: dict[str, str]
    version: str
    upgrades: dict[int, str]
    printers: dict[str, int]
    features: dict[str, int]
    jobs_per_week: float
    errors_per_job: float
    uptime: float
    dropped_at: int | None = None
    new_types: tuple[NewErrorType, ...] = ()
    rare: dict[str, str] = field(default_factory=dict)


def _installations(pop: Population, rng: random.Random) -> list[_Installation]:
    made: list[_Installation] = []
    joins = [0] * pop.installations
    for week in range(1, pop.weeks):
        joins += [week] * _poisson(rng, pop.installations * pop.growth)
    rare_slots: list[RareGroup | None] = [group for group in pop.rare for _ in range(group.size)]
    for index, joined in enumerate(joins):
        rare_group = rare_slots[index] if index < len(rare_slots) else None
        facts = {"deployment_mode": _pick(rng, DEPLOYMENT), "country_code": _pick(rng, COUNTRIES),
                 "platform": _pick(rng, PLATFORMS), "python_version": _pick(rng, PYTHONS)}
        fleet = min(12, max(1, int(rng.paretovariate(1.6))))
        printers: dict[str, int] = {}
        for _ in range(fleet):
            kind = _pick(rng, PRINTER_TYPES)
            printers[kind] = printers.get(kind, 0) + 1
        left = pop.weeks
        for week in range(joined + 1, pop.weeks):
            if rng.random() < pop.churn:
                left = week
                break
        version = _pick(rng, BASE_VERSIONS)
        upgrades: dict[int, str] = {}
        for release in pop.releases:
            lag = int(math.log(1 - rng.random()) / math.log(1 - 0.3))  # geometric, p = 0.3 a week
            upgrades[max(release.week, joined) + lag] = release.version
        inst = _Installation(
            installation_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)), joined=joined, left=left,
            facts=facts, version=version, upgrades=upgrades, printers=printers,
            features={name: int(rng.random() < share) for name, share in FEATURES.items()},
            jobs_per_week=fleet * rng.uniform(3, 15), errors_per_job=rng.gammavariate(2.0, MEAN_ERRORS_PER_JOB / 2),
            uptime=rng.uniform(0.6, 1.0),
        )
        for drop in pop.drops:
            if rng.random() < drop.fraction:
                inst.dropped_at = drop.week if inst.dropped_at is None else min(inst.dropped_at, drop.week)
        inst.new_types = tuple(t for t in pop.new_error_types if rng.random() < t.share)
        if rare_group is not None:
            _make_rare(inst, rare_group)
        made.append(inst)
    _scrub_rare_values(pop, made)
    return made


def _make_rare(inst: _Installation, group: RareGroup) -> None:
    inst.rare[group.fact] = group.value
    inst.joined, inst.left, inst.dropped_at = 0, 10**6, None
    if group.fact in inst.facts:
        inst.facts[group.fact] = group.value
    elif group.fact == "app_version":
        inst.version, inst.upgrades = group.value, {}
    elif group.fact == "printer_type":
        inst.printers[group.value] = 1
    elif group.fact == "feature":
        inst.features[group.value] = 1


def _scrub_rare_values(pop: Population, made: list[_Installation]) -> None:
    """Nobody outside a rare group has its value, so the group is exactly its size."""
    for group in pop.rare:
        for inst in made:
            if inst.rare.get(group.fact) == group.value:
                continue
            if group.fact == "printer_type":
                count = inst.printers.pop(group.value, 0)
                if count:
                    inst.printers["bambu_lab"] = inst.printers.get("bambu_lab", 0) + count
            elif group.fact == "feature":
                inst.features[group.value] = 0
            elif group.fact in inst.facts and inst.facts[group.fact] == group.value:
                inst.facts[group.fact] = "DE" if group.fact == "country_code" else "linux" \
                    if group.fact == "platform" else "3.11"


@dataclass
class Rows:
    daily_stats: list[tuple[Any, ...]] = field(default_factory=list)
    events_summary: list[tuple[Any, ...]] = field(default_factory=list)
    batches: list[tuple[Any, ...]] = field(default_factory=list)
    installations: list[tuple[Any, ...]] = field(default_factory=list)


DAILY_COLUMNS = ("period", "installation_id", "app_version", "deployment_mode", "country_code", "python_version",
                 "platform", "jobs_created", "jobs_completed", "jobs_failed", "files_downloaded", "files_uploaded",
                 "error_count", "printer_count", "uptime_days")
EVENT_COLUMNS = ("period", "installation_id", "metric", "attributes", "value", "sample_count", "bucket_counts")
BATCH_COLUMNS = ("batch_id", "kind", "installation_id", "period", "receipt", "stored_points", "rejected_points",
                 "received_week")
INSTALLATION_COLUMNS = ("installation_id", "first_week", "last_week", "first_received_week", "last_received_week",
                        "app_version", "deployment_mode",
                        "country_code", "python_version", "platform", "registry_version")


@functools.lru_cache(maxsize=1024)
def _attrs_json(items: tuple[tuple[str, str], ...]) -> str:
    return json.dumps(dict(items), sort_keys=True, separators=(",", ":"))


def _attrs(**values: str) -> str:
    """Canonical attributes JSON, as the receiver stores it (cached: the same few sets repeat)."""
    return _attrs_json(tuple(sorted(values.items())))


def generate(pop: Population, chunk: int = 2000) -> Iterator[Rows]:
    """The population's rows week by week, as the receiver would have stored them (a week's rows arrive
    together, so the tables' physical order follows the week as it does in production), in chunks of at
    most ``chunk`` installations; the ``installations`` rows come last."""
    rng = random.Random(pop.seed)
    factors = {release.version: release.error_factor for release in pop.releases}
    base_types = [(name, component, weight) for name, component, weight in ERROR_TYPES
                  if not any(g.fact == "error_type" and g.value == name for g in pop.rare)]
    installations = _installations(pop, rng)
    # One generator per installation: its weeks come out the same whatever order the weeks are built in.
    rngs = [random.Random(f"{pop.seed}:{index}") for index in range(len(installations))]
    versions = [inst.version for inst in installations]
    seen: list[tuple[date, date] | None] = [None] * len(installations)
    for week in range(pop.weeks):
        period = pop.period(week)
        rows = Rows()
        for index, inst in enumerate(installations):
            end = min(inst.left, pop.weeks, inst.dropped_at if inst.dropped_at is not None else pop.weeks)
            if not inst.joined <= week < end:
                continue
            own = rngs[index]
            versions[index] = inst.upgrades.get(week, versions[index])
            if not inst.rare and own.random() < pop.skip:  # offline that week (rare groups stay exact)
                continue
            first = seen[index]
            seen[index] = (first[0] if first else period, period)
            _week_rows(pop, own, inst, versions[index], week, period, factors, pop.surges, base_types, rows)
            if len(rows.batches) >= chunk:
                yield rows
                rows = Rows()
        yield rows
    yield Rows(installations=[
        # Each week's batch was received the week after it (as its ledger row says).
        (inst.installation_id, span[0], span[1], span[0] + timedelta(days=7), span[1] + timedelta(days=7),
         versions[index], inst.facts["deployment_mode"],
         inst.facts["country_code"], inst.facts["python_version"], inst.facts["platform"], 1)
        for index, (inst, span) in enumerate(zip(installations, seen, strict=True)) if span is not None
    ])


def _week_rows(pop: Population, rng: random.Random, inst: _Installation, version: str, week: int, period: date,
               factors: dict[str, float], surges: tuple[ErrorTypeSurge, ...],
               base_types: list[tuple[str, str, float]], rows: Rows) -> None:
    iid = inst.installation_id
    jobs = _poisson(rng, inst.jobs_per_week)
    completed = sum(rng.random() < 0.9 for _ in range(jobs))
    failed = jobs - completed
    weights = [weight * math.prod(s.factor for s in surges if s.error_type == name and week >= s.week)
               for name, _, weight in base_types]
    # A surge adds errors of its type on top of the usual ones (the other types keep their rates).
    boost = sum(weights) / sum(w for _, _, w in base_types)
    errors = _poisson(rng, jobs * inst.errors_per_job * factors.get(version, 1.0) * boost)
    by_type: dict[tuple[str, str], int] = {}
    for index in rng.choices(range(len(base_types)), weights, k=errors) if errors else ():
        name, component, _ = base_types[index]
        by_type[(name, component)] = by_type.get((name, component), 0) + 1
    for new in inst.new_types:
        if week >= new.week:
            key = (new.error_type, new.component)
            by_type[key] = by_type.get(key, 0) + 1 + _poisson(rng, 1.0)
    if "error_type" in inst.rare:
        by_type[(inst.rare["error_type"], "system")] = 1
    error_count = sum(by_type.values())
    uptime = sum(rng.random() < inst.uptime for _ in range(7))
    downloads = _poisson(rng, completed * 0.6)
    uploads = _poisson(rng, jobs * 0.3)
    printer_count = sum(inst.printers.values())
    rows.daily_stats.append((period, iid, version, inst.facts["deployment_mode"], inst.facts["country_code"],
                             inst.facts["python_version"], inst.facts["platform"], jobs, completed, failed, downloads,
                             uploads, error_count, printer_count, uptime))
    events = rows.events_summary
    for event, value in (("completed", completed), ("created", jobs), ("failed", failed)):
        if value:
            events.append((period, iid, "printernizer.jobs.events", _attrs(event=event), value, None, None))
    for (name, component), value in sorted(by_type.items()):
        events.append((period, iid, "printernizer.errors", _attrs(component=component, error_type=name), value,
                       None, None))
    for kind, count in sorted(inst.printers.items()):
        events.append((period, iid, "printernizer.printers", _attrs(printer_type=kind), count, None, None))
    for name, enabled in inst.features.items():
        events.append((period, iid, "printernizer.features.enabled", _attrs(feature=name), enabled, None, None))
    events.append((period, iid, "printernizer.uptime", "{}", uptime, None, None))
    for route in ROUTES[: pop.route_rows]:
        for method, status in (("GET", "2xx"), ("POST", "2xx")):
            buckets = [int(rng.random() * 31) for _ in range(6)]
            events.append((period, iid, "http.server.request.duration",
                           _attrs(**{"http.request.method": method, "http.response.status_code": status,
                                     "http.route": route}),
                           round(sum(buckets) * 0.05, 3), sum(buckets), "[" + ",".join(map(str, buckets)) + "]"))
    batch_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"printernizer-stats:{iid}:{period.isoformat()}"))
    receipt = hashlib.sha256(batch_id.encode()).hexdigest()
    rows.batches.append((batch_id, "week", iid, period, receipt, 0, 0, period + timedelta(days=7)))
