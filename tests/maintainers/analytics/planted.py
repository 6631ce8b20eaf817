"""Seeded populations with randomly planted anomalies, and how detections are scored against them.

Scoring: a planted anomaly is found when an anomaly of its kind and group starts within ``SLACK`` weeks of
the planted week (a release needs a week or two to reach k installations). A detection is a true positive
when it is such a match, or an expected consequence: a bad release, a new error type or a surge also raises
the fleet's errors per 1,000 jobs, and a new error type or a surge raises the rate of the versions in use.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from printernizer_stats.maintainers.analytics import Anomaly, AnomalyKind, Window, compute_figures, detect
from printernizer_stats.maintainers.server import create_engine
from tests.maintainers.analytics.loading import load_population
from tests.maintainers.analytics.population import ErrorTypeSurge, InstallDrop, NewErrorType, Population, Release

SLACK = 2
SURGE_TYPES = ("printer_connection", "connection_timeout", "file_download", "printer_busy", "validation")
NEW_TYPES = (("insufficient_material", "material"), ("slicing_failed", "slicing"), ("authentication", "api"))
"""Types the base population never reports."""


@dataclass(frozen=True)
class Planted:
    kind: AnomalyKind
    group: tuple[str, ...]
    week: date
    consequences: frozenset[AnomalyKind] = frozenset()


@dataclass
class Score:
    planted: int = 0
    found: int = 0
    detections: int = 0
    explained: int = 0
    direct: int = 0
    """Detections that are a planted anomaly itself (the rest of ``explained`` are consequences)."""
    missed: list[Planted] = field(default_factory=list)
    unexplained: list[Anomaly] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.planted if self.planted else 1.0

    @property
    def precision(self) -> float:
        return self.explained / self.detections if self.detections else 1.0

    def add(self, other: Score) -> None:
        self.planted += other.planted
        self.found += other.found
        self.detections += other.detections
        self.explained += other.explained
        self.direct += other.direct
        self.missed += other.missed
        self.unexplained += other.unexplained


def planted_population(seed: int, installations: int = 300) -> tuple[Population, list[Planted]]:
    """A population with 0-3 anomalies drawn from the seed (about one in five has none)."""
    rng = random.Random(seed)
    pop = Population(installations=installations, seed=1000 + seed)
    planted: list[Planted] = []
    rates = frozenset({AnomalyKind.ERROR_RATE_SPIKE})
    kinds = rng.sample(["release", "drop", "new_type", "surge"], k=rng.choice([0, 1, 2, 2, 3]))
    for kind in kinds:
        week = rng.randint(8, 23)
        if kind == "release":
            pop = replace(pop, releases=(*pop.releases, Release("3.0.0", week, rng.uniform(2.5, 4.0))))
            planted.append(Planted(AnomalyKind.VERSION_ERROR_RATE, ("3.0.0",), pop.period(week), rates))
        elif kind == "drop":
            pop = replace(pop, drops=(InstallDrop(week, rng.uniform(0.25, 0.45)),))
            planted.append(Planted(AnomalyKind.INSTALLATIONS_DROP, (), pop.period(week)))
        elif kind == "new_type":
            name, component = rng.choice(NEW_TYPES)
            pop = replace(pop, new_error_types=(NewErrorType(name, component, week, rng.uniform(0.06, 0.15)),))
            planted.append(Planted(AnomalyKind.NEW_ERROR_TYPE, (name,), pop.period(week),
                                   rates | {AnomalyKind.VERSION_ERROR_RATE}))
        else:
            name = rng.choice(SURGE_TYPES)
            pop = replace(pop, surges=(ErrorTypeSurge(name, week, rng.uniform(3.0, 5.0)),))
            planted.append(Planted(AnomalyKind.ERROR_TYPE_SURGE, (name,), pop.period(week),
                                   rates | {AnomalyKind.VERSION_ERROR_RATE}))
    return pop, planted


def score(planted: list[Planted], found: list[Anomaly]) -> Score:
    result = Score(planted=len(planted), detections=len(found))

    def near(anomaly: Anomaly, plant: Planted) -> bool:
        return plant.week <= anomaly.first_week <= plant.week + timedelta(weeks=SLACK)

    for plant in planted:
        if any(a.kind is plant.kind and a.group == plant.group and near(a, plant) for a in found):
            result.found += 1
        else:
            result.missed.append(plant)
    for anomaly in found:
        if any(near(anomaly, plant) and anomaly.kind is plant.kind and anomaly.group == plant.group
               for plant in planted):
            result.direct += 1
            result.explained += 1
        elif any(near(anomaly, plant) and anomaly.kind in plant.consequences for plant in planted):
            result.explained += 1
        else:
            result.unexplained.append(anomaly)
    return result


def run(pop: Population, template: Path, k: int = 5) -> list[Anomaly]:
    """Load ``pop`` into a copy of the migrated ``template`` and detect over its 26 weeks."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "population.db"
        shutil.copy(template, path)
        engine = create_engine(f"sqlite:///{path}")
        try:
            load_population(engine, pop)
            return detect(compute_figures(engine, Window.ending(pop.last_week, pop.weeks), k))
        finally:
            engine.dispose()
