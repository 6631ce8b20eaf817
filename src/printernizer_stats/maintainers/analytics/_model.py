"""What analytics computes, before and after publication. Plain frozen dataclasses, no I/O.

A figure (``FigureSpec``) is a weekly table: per ISO week (``period``, a Monday) and per group (e.g. a
deployment mode), a ``Cell`` with the number of distinct installations in the group and additive measures
(jobs, errors, printers...). Cells are raw: they may hold groups of one installation. Only
``publish`` (``_kanon.py``) turns them into a ``Figure`` whose every row describes at least k installations;
every output path (API, dashboard, CLI, exports, community summary, rollups) takes ``Figure`` objects only.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

OTHER_GROUP = "other"
"""Label of the group small groups are merged into (the registry's own fallback value, so they combine)."""


class GroupKind(enum.Enum):
    PARTITION = "partition"
    """Every installation-week is in exactly one group (its deployment mode, version, ...): groups smaller
    than k are merged into ``other``, topped up until ``other`` holds at least k installations."""
    OVERLAP = "overlap"
    """An installation can be in several groups or none (printer types, features, error types): groups
    cannot be merged by adding, so a group smaller than k, or one that would expose a complement smaller
    than k, is suppressed."""


@dataclass(frozen=True, slots=True)
class RateSpec:
    """A rate such as errors per 1,000 jobs. With ``clustered`` measures (``<num>_sq``, ``<den>_sq``,
    ``<num>_<den>``: sums of squares and cross products over installations) it gets a confidence interval
    that treats installations, not single errors, as the sampling unit (ratio estimator, delta method)."""

    numerator: str
    denominator: str
    per: float = 1000.0
    clustered: bool = False


@dataclass(frozen=True, slots=True)
class FigureSpec:
    """One published figure.

    Attributes:
        name: stable identifier (API paths, rollups, Grafana panel ids).
        title: heading on the dashboard and in reports.
        dimensions: names of the group columns (empty: one group per week, e.g. active installations).
        kind: how small groups are protected (see ``GroupKind``).
        successes: OVERLAP: the measure counted as successes of the share (``None``: the group's installations).
        trials: OVERLAP: the measure the share is out of (``"active"``: the week's active installations,
            filled in by the query layer; ``"installations"``: the group's own installations).
        rate: an optional rate computed from two measures.
        public_measures: measures shown in outputs (others only feed intervals).
        description: one sentence for readers of the dashboard and the API.
    """

    name: str
    title: str
    dimensions: tuple[str, ...]
    kind: GroupKind
    successes: str | None = None
    trials: str | None = None
    rate: RateSpec | None = None
    public_measures: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class Cell:
    """One group of one figure in one week, before publication."""

    period: date
    group: tuple[str, ...]
    installations: int
    measures: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Proportion:
    """``successes`` out of ``trials`` with a Wilson score interval (95 % unless stated)."""

    successes: int
    trials: int
    value: float
    low: float
    high: float

    def to_json(self) -> dict[str, float | int]:
        return {"successes": self.successes, "trials": self.trials, "value": round(self.value, 6),
                "low": round(self.low, 6), "high": round(self.high, 6)}


@dataclass(frozen=True, slots=True)
class Rate:
    """``numerator / denominator * per`` with an interval (``None`` bounds when none can be given)."""

    numerator: float
    denominator: float
    per: float
    value: float
    low: float | None
    high: float | None

    def to_json(self) -> dict[str, float | None]:
        def rounded(x: float | None) -> float | None:
            return None if x is None else round(x, 4)
        return {"numerator": self.numerator, "denominator": self.denominator, "per": self.per,
                "value": round(self.value, 4), "low": rounded(self.low), "high": rounded(self.high)}


@dataclass(frozen=True, slots=True)
class PublishedRow:
    """One published group of one week: ``installations`` is its sample size (always at least k)."""

    period: date
    group: tuple[str, ...]
    installations: int
    share: Proportion | None
    rate: Rate | None
    measures: Mapping[str, float]

    def to_json(self) -> dict[str, object]:
        return {"period": self.period.isoformat(), "group": list(self.group), "installations": self.installations,
                "share": self.share.to_json() if self.share else None,
                "rate": self.rate.to_json() if self.rate else None, "measures": dict(self.measures)}


class KAnonymityViolation(AssertionError):
    """A figure was about to hold a group smaller than k: a bug, never data to show."""


@dataclass(frozen=True, slots=True)
class Figure:
    """A published, k-anonymous figure. Its constructor re-checks the invariant, so no code path can build
    one that holds a group smaller than k, or a share whose successes or complement are smaller than k."""

    spec: FigureSpec
    k: int
    rows: tuple[PublishedRow, ...]

    def __post_init__(self) -> None:
        for row in self.rows:
            if row.installations < self.k:
                raise KAnonymityViolation(f"{self.spec.name}: a group of {row.installations} < k={self.k}")
            if row.share is not None:
                for part in (row.share.successes, row.share.trials - row.share.successes):
                    if 0 < part < self.k:
                        raise KAnonymityViolation(f"{self.spec.name}: a share exposes {part} < k={self.k}")

    @property
    def periods(self) -> tuple[date, ...]:
        return tuple(sorted({row.period for row in self.rows}))

    @property
    def groups(self) -> tuple[tuple[str, ...], ...]:
        """Groups, largest first (by installations over all weeks)."""
        totals: dict[tuple[str, ...], int] = {}
        for row in self.rows:
            totals[row.group] = totals.get(row.group, 0) + row.installations
        return tuple(sorted(totals, key=lambda group: (-totals[group], group)))

    def week(self, period: date) -> tuple[PublishedRow, ...]:
        return tuple(row for row in self.rows if row.period == period)

    def series(self, group: tuple[str, ...]) -> tuple[PublishedRow, ...]:
        return tuple(sorted((row for row in self.rows if row.group == group), key=lambda row: row.period))

    def to_json(self) -> dict[str, object]:
        return {"name": self.spec.name, "title": self.spec.title, "description": self.spec.description,
                "dimensions": list(self.spec.dimensions), "kind": self.spec.kind.value, "k": self.k,
                "rows": [row.to_json() for row in self.rows]}
