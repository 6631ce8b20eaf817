"""One week of synthetic installations, their raw figure cells computed in plain Python, and their rows as
the receiver stores them.

The cells here are an independent statement of what each figure's SQL counts (``_sql.py``); a test runs
both on the same week and compares them cell by cell, so the disclosure audit (``disclosure.py``) can
reason about random populations without a database.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from printernizer_stats.maintainers.analytics import FIGURES, Cell
from printernizer_stats.maintainers.analytics import _figures as f
from printernizer_stats.registry import fleet_size_label

WEEK = date(2026, 3, 2)


@dataclass(frozen=True)
class Installation:
    """One installation's week. ``printers``: per printer type the number configured (``None``: it sent no
    printer gauge, fleet size unknown); ``features``: the features it reported, 0/1; ``errors``: per error
    type its errors (> 0)."""

    version: str
    mode: str = "docker"
    country: str = "DE"
    printers: Mapping[str, int] | None = None
    features: Mapping[str, int] = field(default_factory=dict)
    errors: Mapping[str, int] = field(default_factory=dict)
    jobs: int = 10
    uptime: int | None = 7

    @property
    def printer_count(self) -> int | None:
        return None if self.printers is None else sum(self.printers.values())

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def _sums(members: list[Installation]) -> dict[str, float]:
    errors = [float(i.error_count) for i in members]
    jobs = [float(i.jobs) for i in members]
    return {"errors": sum(errors), "jobs": sum(jobs), "errors_sq": sum(e * e for e in errors),
            "jobs_sq": sum(j * j for j in jobs), "errors_jobs": sum(e * j for e, j in zip(errors, jobs, strict=True))}


def _groups(world: Iterable[Installation], key: Any) -> dict[tuple[str, ...], list[Installation]]:
    found: dict[tuple[str, ...], list[Installation]] = {}
    for inst in world:
        for group in key(inst):
            found.setdefault(group, []).append(inst)
    return found


def week_cells(world: list[Installation], week: date = WEEK) -> dict[str, list[Cell]]:
    """Every figure's raw cells for ``world`` (what ``figure_select`` returns for that week)."""
    n, jobs = len(world), float(sum(i.jobs for i in world))
    counts = [i.printer_count for i in world if i.printer_count is not None]
    cells: dict[str, list[Cell]] = {spec.name: [] for spec in FIGURES}
    if not world:
        return cells
    cells[f.ACTIVE.name] = [Cell(week, (), n, {**_sums(world), "printers": float(sum(counts))})]
    facts = {f.DEPLOYMENT_MODES.name: lambda i: i.mode, f.VERSIONS.name: lambda i: i.version,
             f.COUNTRIES.name: lambda i: i.country, f.PLATFORMS.name: lambda i: "linux",
             f.PYTHON_VERSIONS.name: lambda i: "3.11"}
    for name, fact in facts.items():
        cells[name] = [Cell(week, g, len(m)) for g, m in _groups(world, lambda i, fact=fact: [(fact(i),)]).items()]
    for g, m in _groups(world, lambda i: [(fleet_size_label(i.printer_count),)]).items():
        printers = float(sum(i.printer_count or 0 for i in m))
        cells[f.FLEET_SIZES.name].append(Cell(week, g, len(m), {"printers": printers}))
    for g, m in _groups(world, lambda i: [("unknown" if i.uptime is None else str(i.uptime),)]).items():
        cells[f.UPTIME.name].append(Cell(week, g, len(m)))
    by_version = _groups(world, lambda i: [(i.version,)])
    for g, m in by_version.items():
        cells[f.ERRORS_BY_VERSION.name].append(Cell(week, g, len(m), _sums(m)))
    for g, m in _groups(world, lambda i: [(t,) for t, c in (i.printers or {}).items() if c > 0]).items():
        cells[f.PRINTER_TYPES.name].append(Cell(week, g, len(m), {
            "printers": float(sum((i.printers or {})[g[0]] for i in m)), "active": float(n)}))
    for g, m in _groups(world, lambda i: [(feature,) for feature in i.features]).items():
        cells[f.FEATURES.name].append(Cell(week, g, len(m), {"enabled": float(sum(i.features[g[0]] for i in m))}))
    for g, m in _groups(world, lambda i: [(t,) for t in i.errors]).items():
        cells[f.ERROR_TYPES.name].append(Cell(week, g, len(m), {
            "errors": float(sum(i.errors[g[0]] for i in m)), "active": float(n), "jobs": jobs}))
    for g, m in _groups(world, lambda i: [(i.version, t) for t in i.errors]).items():
        version = by_version[(g[0],)]
        cells[f.ERROR_TYPES_BY_VERSION.name].append(Cell(week, g, len(m), {
            "errors": float(sum(i.errors[g[1]] for i in m)), "version_installations": float(len(version)),
            "jobs": float(sum(i.jobs for i in version))}))
    return cells


def receiver_rows(world: list[Installation], week: date = WEEK, prefix: int = 0) -> dict[str, list[dict[str, Any]]]:
    """``installations``, ``daily_stats``, ``events_summary`` and ledger rows of ``world``, as the receiver
    stores them (``rebuild_rollups`` then gives its rollups)."""
    rows: dict[str, list[dict[str, Any]]] = {"installations": [], "daily_stats": [], "events_summary": [],
                                             "batches": []}
    for index, inst in enumerate(world):
        iid = f"00000000-0000-4000-8000-{prefix * 100_000 + index:012d}"
        # Each installation has sent an earlier week too (so it counts toward k), its rows gone.
        rows["installations"].append({
            "installation_id": iid, "first_week": week - timedelta(weeks=1), "last_week": week,
            "first_received_week": week, "last_received_week": week + timedelta(days=7),
            "app_version": inst.version, "deployment_mode": inst.mode, "country_code": inst.country,
            "python_version": "3.11", "platform": "linux", "registry_version": 1})
        rows["daily_stats"].append({
            "period": week, "installation_id": iid, "app_version": inst.version, "deployment_mode": inst.mode,
            "country_code": inst.country, "python_version": "3.11", "platform": "linux", "jobs_created": inst.jobs,
            "jobs_completed": inst.jobs, "jobs_failed": 0, "files_downloaded": 0, "files_uploaded": 0,
            "error_count": inst.error_count, "printer_count": inst.printer_count, "uptime_days": inst.uptime})
        series = [*((f.PRINTERS_METRIC, {f.PRINTER_TYPE: t}, c) for t, c in (inst.printers or {}).items()),
                  *((f.FEATURES_METRIC, {f.FEATURE: name}, on) for name, on in inst.features.items()),
                  *((f.ERRORS_METRIC, {f.ERROR_TYPE: t, "component": "system"}, c) for t, c in inst.errors.items())]
        rows["events_summary"] += [{
            "period": week, "installation_id": iid, "metric": metric, "value": value, "sample_count": None,
            "bucket_counts": None, "attributes": json.dumps(attrs, sort_keys=True, separators=(",", ":"))}
            for metric, attrs, value in series]
        rows["batches"].append({
            "batch_id": iid.replace("-4000-", "-5000-"), "kind": "weekly", "installation_id": iid, "period": week,
            "receipt": "0" * 64, "stored_points": len(series), "rejected_points": 0,
            "received_week": week + timedelta(days=7)})
    return rows


PRINTER_TYPES = ("bambu_lab", "prusa_core", "octoprint", "unknown")
ERROR_TYPES = ("file_upload", "job_invalid_status", "printer_connection", "database", "generator")
FEATURES = ("library", "mqtt", "timelapse")
VERSIONS = ("3.0.0", "3.1.0", "3.2.0", "2.9.9")


def random_world(seed: int) -> list[Installation]:
    """A small week with skewed group sizes, so groups just under and over k are common.

    Every knob is drawn per world: how many installations, how the versions split, how likely each error
    type, printer type and feature is, how many installations run a single printer, how many errors a
    reporting installation has (often exactly one, the case where error counts pin down installations)."""
    rng = random.Random(seed)
    n = rng.choice((rng.randint(3, 20), rng.randint(10, 60), rng.randint(30, 120)))
    version_weights = [rng.choice((0.02, 0.1, 0.3, 1.0)) for _ in VERSIONS]
    type_odds = {t: rng.choice((0.0, 0.03, 0.1, 0.25, 0.6, 0.95)) for t in ERROR_TYPES}
    printer_odds = {t: rng.choice((0.0, 0.05, 0.2, 0.6, 0.95)) for t in PRINTER_TYPES}
    single_printer = rng.choice((0.0, 0.5, 0.9, 1.0))
    no_gauge, no_printers = rng.choice((0.0, 0.05, 0.3)), rng.choice((0.0, 0.05, 0.3))
    reports = {name: rng.choice((1.0, 1.0, 0.9, 0.6)) for name in FEATURES}
    enabled = {name: rng.choice((0.02, 0.3, 0.9, 0.98)) for name in FEATURES}
    heavy = rng.choice((0.0, 0.3, 1.0))
    world = []
    for _ in range(n):
        printers: dict[str, int] | None = None
        if rng.random() >= no_gauge:
            printers = {}
            if rng.random() >= no_printers:
                owned = [t for t in PRINTER_TYPES if rng.random() < printer_odds[t]] or [rng.choice(PRINTER_TYPES)]
                if rng.random() < single_printer:
                    owned = owned[:1]
                printers = {t: (1 if rng.random() < single_printer else rng.randint(1, 12)) for t in owned}
            elif rng.random() < 0.5:
                printers = {rng.choice(PRINTER_TYPES): 0}
        errors = {t: (1 if rng.random() >= heavy else rng.randint(1, 9)) for t in ERROR_TYPES
                  if rng.random() < type_odds[t]}
        world.append(Installation(
            version=rng.choices(VERSIONS, version_weights)[0], mode=rng.choice(("docker", "docker", "pi")),
            country=rng.choice(("DE", "DE", "AT", "IS")), printers=printers,
            features={name: int(rng.random() < enabled[name]) for name in FEATURES if rng.random() < reports[name]},
            errors=errors, jobs=rng.randint(0, 30), uptime=rng.choice((None, 0, 3, 7, 7, 7))))
    return world


def issue_world() -> list[Installation]:
    """Issue 13, item 9: 60 installations, 30 on 3.0.0 and 30 on 3.1.0; file_upload reported by 6 of the
    first and 2 of the second (8 in all), job_invalid_status by 10 and 4 (14 in all)."""
    world = []
    for version, upload, invalid in (("3.0.0", 6, 10), ("3.1.0", 2, 4)):
        for index in range(30):
            errors = {"printer_connection": 1 + index % 3}
            if index < upload:
                errors["file_upload"] = 1
            if index >= 30 - invalid:
                errors["job_invalid_status"] = 2
            world.append(Installation(version, printers={"bambu_lab": 1 + index % 2}, errors=errors,
                                      features={"library": 1, "mqtt": index % 2}, jobs=20 + index))
    return world
