"""Disclosure audit: what someone holding every figure published for one week can derive about its groups.

Every number published for the week (installations, shares' successes and trials, rates' numerators and
denominators, measures) becomes a linear equation over the week's underlying quantities, next to what holds
by definition (a partition adds up to the active installations, a version's error-type group is part of the
version and its column adds up to the error type, a printer type's installations are in fleet-size
groups of at least one printer, and one with a single printer has a single type; each installation counted
for an error type has at least one error of it, and each with a printer type at least one printer of it).
The attacker is strong: they know which raw groups exist, only not how large they are.

Then, for every protected group of 1..k-1 installations (a raw cell of any figure, the complement of a
share, the hidden remainder of a breakdown), linear programming finds the smallest and largest size the
published numbers allow:

- ``determined``: with the magnitudes (errors, printers, jobs) in the model, min == max: the size is known;
- ``bounded``: installation counts alone prove the group has fewer than k (max < k).

The true week is checked to satisfy every equation (the model says what the figures mean, not what the
code happens to do).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_array

from printernizer_stats.maintainers.analytics import OTHER_GROUP, Figure
from printernizer_stats.maintainers.analytics import _figures as f
from printernizer_stats.registry import FLEET_SIZE_GROUPS, fleet_size_label
from tests.maintainers.analytics.worlds import PRINTER_TYPES, Installation

Terms = dict[int, float]
_PARTITIONS = {f.DEPLOYMENT_MODES.name: lambda i: i.mode, f.VERSIONS.name: lambda i: i.version,
               f.COUNTRIES.name: lambda i: i.country, f.PLATFORMS.name: lambda i: "linux",
               f.PYTHON_VERSIONS.name: lambda i: "3.11",
               f.UPTIME.name: lambda i: "unknown" if i.uptime is None else str(i.uptime),
               f.FLEET_SIZES.name: lambda i: fleet_size_label(i.printer_count)}
_BOUNDS = {label: (low, high) for low, high, label in FLEET_SIZE_GROUPS}


@dataclass
class LinearModel:
    names: list[str] = field(default_factory=list)
    truth: list[float] = field(default_factory=list)
    equalities: list[tuple[Terms, float]] = field(default_factory=list)
    at_most: list[tuple[Terms, float]] = field(default_factory=list)

    def var(self, name: str, truth: float) -> int:
        self.names.append(name)
        self.truth.append(float(truth))
        return len(self.names) - 1

    def equal(self, terms: Terms, value: float) -> None:
        self.equalities.append((terms, float(value)))

    def le(self, terms: Terms, value: float = 0.0) -> None:
        self.at_most.append((terms, float(value)))

    def _matrix(self, rows: list[tuple[Terms, float]]) -> tuple[csr_array | None, np.ndarray | None]:
        if not rows:
            return None, None
        data, cols, ptr = [], [], [0]
        for terms, _ in rows:
            cols += list(terms)
            data += list(terms.values())
            ptr.append(len(cols))
        return csr_array((data, cols, ptr), shape=(len(rows), len(self.names))), np.array([v for _, v in rows])

    def check_truth(self) -> None:
        """The real week satisfies every equation: the model describes what the figures mean."""
        x = self.truth
        for terms, value in self.equalities:
            assert math.isclose(sum(c * x[i] for i, c in terms.items()), value, abs_tol=1e-6), \
                [(self.names[i], c) for i, c in terms.items()]
        for terms, value in self.at_most:
            assert sum(c * x[i] for i, c in terms.items()) <= value + 1e-6, \
                [(self.names[i], c) for i, c in terms.items()]

    def solver(self) -> RangeFinder:
        return RangeFinder(self)


class RangeFinder:
    def __init__(self, model: LinearModel) -> None:
        self.size = len(model.names)
        self.a_eq, self.b_eq = model._matrix(model.equalities)
        self.a_ub, self.b_ub = model._matrix(model.at_most)

    def optimum(self, terms: Terms, sign: float) -> tuple[float, np.ndarray | None]:
        """(min of ``sign`` * the expression, a point reaching it); -inf and None when unbounded."""
        objective = np.zeros(self.size)
        for index, coefficient in terms.items():
            objective[index] = sign * coefficient
        result = linprog(objective, A_ub=self.a_ub, b_ub=self.b_ub, A_eq=self.a_eq, b_eq=self.b_eq,
                         bounds=(0, None), method="highs")
        if result.status == 3:
            return -math.inf, None
        assert result.status == 0, result.message
        return float(result.fun), result.x

    def range(self, terms: Terms) -> tuple[float, float]:
        """Smallest and largest value of the linear expression the published numbers allow."""
        low, _ = self.optimum(terms, 1.0)
        high, _ = self.optimum(terms, -1.0)
        return low, -high


@dataclass(frozen=True)
class Group:
    label: str
    terms: Terms
    truth: float


@dataclass
class Finding:
    group: Group
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.group.label} = {self.group.truth:g}: the published figures allow {self.low:g}..{self.high:g}"


def _add(*parts: Terms, scale: float = 1.0) -> Terms:
    total: Terms = {}
    for part in parts:
        for index, coefficient in part.items():
            total[index] = total.get(index, 0.0) + coefficient * scale
    return {i: c for i, c in total.items() if c}


def _neg(terms: Terms) -> Terms:
    return {i: -c for i, c in terms.items()}


class _Builder:
    """The model of one week: variables with their true values, definitions, then published numbers."""

    def __init__(self, world: list[Installation], magnitudes: bool) -> None:
        self.m = LinearModel()
        self.world = world
        self.magnitudes = magnitudes
        self.groups: list[Group] = []
        m, n = self.m, len(world)
        self.n = {m.var("N", n): 1.0}
        self.parts: dict[str, dict[str, int]] = {}
        for name, fact in _PARTITIONS.items():
            sizes: dict[str, int] = {}
            for inst in world:
                sizes[fact(inst)] = sizes.get(fact(inst), 0) + 1
            if name == f.FLEET_SIZES.name:
                continue  # fleet-size groups are sums of the printer atoms below
            self.parts[name] = {g: m.var(f"{name}[{g}]", c) for g, c in sizes.items()}
            m.equal(_add({i: 1.0 for i in self.parts[name].values()}, _neg(self.n)), 0)
            self.groups += [Group(f"{name}[{g}]", {self.parts[name][g]: 1.0}, c) for g, c in sizes.items()]
        self._printers()
        self._features()
        self._errors()

    # --- definitions -----------------------------------------------------------------------------------------

    def _printers(self) -> None:
        m, world = self.m, self.world
        types = sorted({t for i in world for t, c in (i.printers or {}).items() if c > 0})
        buckets = sorted({fleet_size_label(i.printer_count) for i in world})
        self.atoms: dict[tuple[str, frozenset[str]], int] = {}
        self.printer_vars: dict[tuple[str, frozenset[str], str], int] = {}
        for bucket in buckets:
            low, high = _BOUNDS.get(bucket, (11, math.inf))
            sets = [frozenset()] if bucket in ("0", "unknown") else [
                frozenset(s) for r in range(1, min(len(types), high if high != math.inf else 99) + 1)
                for s in itertools.combinations(types, r)]
            for owned in sets:
                members = [i for i in world if fleet_size_label(i.printer_count) == bucket
                           and frozenset(t for t, c in (i.printers or {}).items() if c > 0) == owned]
                atom = m.var(f"atom[{bucket},{'+'.join(sorted(owned))}]", len(members))
                self.atoms[(bucket, owned)] = atom
                if not self.magnitudes or not owned:
                    continue
                per_type = {t: m.var(f"printers[{bucket},{'+'.join(sorted(owned))},{t}]",
                                     sum((i.printers or {})[t] for i in members)) for t in owned}
                self.printer_vars.update({(bucket, owned, t): v for t, v in per_type.items()})
                for v in per_type.values():
                    m.le({atom: 1.0, v: -1.0})  # each installation has at least one printer of each owned type
                m.le({atom: float(low), **{v: -1.0 for v in per_type.values()}})
                if high != math.inf:
                    m.le({atom: -float(high), **{v: 1.0 for v in per_type.values()}})
        self.fleet = {b: {a: 1.0 for (bb, _), a in self.atoms.items() if bb == b} for b in buckets}
        m.equal(_add(*self.fleet.values(), _neg(self.n)), 0)
        for b, terms in self.fleet.items():
            self.groups.append(Group(f"fleet_sizes[{b}]", terms, sum(1 for i in self.world
                                                                     if fleet_size_label(i.printer_count) == b)))
        self.printer_types = {t: {a: 1.0 for (_, owned), a in self.atoms.items() if t in owned} for t in types}
        for t, terms in self.printer_types.items():
            truth = sum(1 for i in world if (i.printers or {}).get(t, 0) > 0)
            self.groups += [Group(f"printer_types[{t}]", terms, truth),
                            Group(f"printer_types[{t}] complement", _add(self.n, _neg(terms)), len(world) - truth)]
        assert set(types) <= set(PRINTER_TYPES)

    def _features(self) -> None:
        m = self.m
        self.features: dict[str, tuple[int, int]] = {}
        for name in sorted({name for i in self.world for name in i.features}):
            reporting = [i for i in self.world if name in i.features]
            on = sum(i.features[name] for i in reporting)
            r, e = m.var(f"features[{name}]", len(reporting)), m.var(f"features[{name}].on", on)
            self.features[name] = (r, e)
            m.le({e: 1.0, r: -1.0})
            m.le(_add({r: 1.0}, _neg(self.n)))
            self.groups += [Group(f"features[{name}]", {r: 1.0}, len(reporting)),
                            Group(f"features[{name}] on", {e: 1.0}, on),
                            Group(f"features[{name}] off", {r: 1.0, e: -1.0}, len(reporting) - on),
                            Group(f"features[{name}] not reporting", _add(self.n, {r: -1.0}),
                                  len(self.world) - len(reporting))]

    def _errors(self) -> None:
        m, world, versions = self.m, self.world, self.parts[f.VERSIONS.name]
        types = sorted({t for i in world for t in i.errors})
        self.types = {t: m.var(f"error_types[{t}]", sum(1 for i in world if t in i.errors)) for t in types}
        self.cells: dict[tuple[str, str], int] = {}
        for (v, t) in sorted({(i.version, t) for i in world for t in i.errors}):
            truth = sum(1 for i in world if i.version == v and t in i.errors)
            self.cells[(v, t)] = m.var(f"by_version[{v},{t}]", truth)
            m.le({self.cells[(v, t)]: 1.0, versions[v]: -1.0})
        for t, var in self.types.items():
            m.le(_add({var: 1.0}, _neg(self.n)))
            m.equal({**{c: 1.0 for (_, tt), c in self.cells.items() if tt == t}, var: -1.0}, 0)
            truth = m.truth[var]
            self.groups += [Group(f"error_types[{t}]", {var: 1.0}, truth),
                            Group(f"error_types[{t}] complement", _add(self.n, {var: -1.0}), len(world) - truth)]
        for (v, t), var in self.cells.items():
            truth = m.truth[var]
            self.groups += [Group(f"by_version[{v},{t}]", {var: 1.0}, truth),
                            Group(f"by_version[{v},{t}] complement", {versions[v]: 1.0, var: -1.0},
                                  m.truth[versions[v]] - truth)]
        if not self.magnitudes:
            return
        self.total_errors = {m.var("errors", sum(i.error_count for i in world)): 1.0}
        self.total_jobs = {m.var("jobs", sum(i.jobs for i in world)): 1.0}
        self.version_errors = {v: m.var(f"errors[{v}]", sum(i.error_count for i in world if i.version == v))
                               for v in versions}
        self.version_jobs = {v: m.var(f"jobs[{v}]", sum(i.jobs for i in world if i.version == v)) for v in versions}
        m.equal(_add({e: 1.0 for e in self.version_errors.values()}, _neg(self.total_errors)), 0)
        m.equal(_add({j: 1.0 for j in self.version_jobs.values()}, _neg(self.total_jobs)), 0)
        self.type_errors = {t: m.var(f"errors[{t}]", sum(i.errors.get(t, 0) for i in world)) for t in types}
        m.equal(_add({e: 1.0 for e in self.type_errors.values()}, _neg(self.total_errors)), 0)
        self.cell_errors = {(v, t): m.var(f"errors[{v},{t}]", sum(i.errors.get(t, 0) for i in world if i.version == v))
                            for (v, t) in self.cells}
        for (v, t), var in self.cell_errors.items():
            m.le({self.cells[(v, t)]: 1.0, var: -1.0})
        for t, var in self.type_errors.items():
            m.le({self.types[t]: 1.0, var: -1.0})
            m.equal({**{e: 1.0 for (_, tt), e in self.cell_errors.items() if tt == t}, var: -1.0}, 0)
        for v, var in self.version_errors.items():
            m.equal({**{e: 1.0 for (vv, _), e in self.cell_errors.items() if vv == v}, var: -1.0}, 0)

    # --- published numbers -----------------------------------------------------------------------------------

    def members(self, raw: Iterable[str], published: set[str], label: str) -> list[str]:
        """Raw groups behind a published label: itself, or for ``other`` every group not shown by name."""
        raw = list(raw)
        return [g for g in raw if g not in published] if label == OTHER_GROUP else [label]

    def publish(self, figures: Mapping[str, Figure]) -> None:
        m, mag = self.m, self.magnitudes
        for row in figures[f.ACTIVE.name].rows:
            m.equal(self.n, row.installations)
            if mag:
                m.equal(self.total_errors, row.measures["errors"])
                m.equal(self.total_jobs, row.measures["jobs"])
                if "printers" in row.measures:
                    m.equal({v: 1.0 for v in self.printer_vars.values()}, row.measures["printers"])
        self.shown: dict[str, set[str]] = {}
        for name in _PARTITIONS:
            rows = figures[name].rows
            shown = {row.group[0] for row in rows}
            self.shown[name] = shown
            raw = self.fleet if name == f.FLEET_SIZES.name else self.parts[name]
            for row in rows:
                members = self.members(raw, shown, row.group[0])
                if name == f.FLEET_SIZES.name:
                    m.equal(_add(*(self.fleet[b] for b in members)), row.installations)
                    if mag and "printers" in row.measures:
                        m.equal({v: 1.0 for (b, _, _), v in self.printer_vars.items() if b in members},
                                row.measures["printers"])
                else:
                    m.equal({raw[g]: 1.0 for g in members}, row.installations)
        versions = self.parts[f.VERSIONS.name]
        for row in figures[f.ERRORS_BY_VERSION.name].rows:
            members = self.members(versions, self.shown[f.VERSIONS.name], row.group[0])
            m.equal({versions[v]: 1.0 for v in members}, row.installations)
            if mag:
                m.equal({self.version_errors[v]: 1.0 for v in members}, row.measures["errors"])
                m.equal({self.version_jobs[v]: 1.0 for v in members}, row.measures["jobs"])
        for row in figures[f.PRINTER_TYPES.name].rows:
            t = row.group[0]
            m.equal(self.printer_types[t], row.installations)
            if mag and "printers" in row.measures:
                m.equal({v: 1.0 for (_, _, tt), v in self.printer_vars.items() if tt == t}, row.measures["printers"])
        for row in figures[f.FEATURES.name].rows:
            r, e = self.features[row.group[0]]
            m.equal({r: 1.0}, row.installations)
            assert row.share is not None
            m.equal({e: 1.0}, row.share.successes)
        for row in figures[f.ERROR_TYPES.name].rows:
            t = row.group[0]
            m.equal({self.types[t]: 1.0}, row.installations)
            if mag and row.rate is not None:
                m.equal({self.type_errors[t]: 1.0}, row.rate.numerator)
                m.equal(self.total_jobs, row.rate.denominator)
        covered: dict[str, set[str]] = {}
        for row in figures[f.ERROR_TYPES_BY_VERSION.name].rows:
            label, t = row.group
            members = self.members(versions, self.shown[f.VERSIONS.name], label)
            covered.setdefault(t, set()).update(members)
            m.equal({self.cells[(v, t)]: 1.0 for v in members if (v, t) in self.cells}, row.installations)
            assert row.share is not None
            m.equal({versions[v]: 1.0 for v in members}, row.share.trials)
            if mag and row.rate is not None:
                m.equal({self.cell_errors[(v, t)]: 1.0 for v in members if (v, t) in self.cells}, row.rate.numerator)
                m.equal({self.version_jobs[v]: 1.0 for v in members}, row.rate.denominator)
        for t in self.types:
            hidden = [v for v in versions if v not in covered.get(t, set())]
            cells = {self.cells[(v, t)]: 1.0 for v in hidden if (v, t) in self.cells}
            truth = sum(m.truth[c] for c in cells)
            complement = _add({versions[v]: 1.0 for v in hidden}, _neg(cells))
            self.groups += [Group(f"by_version[hidden,{t}]", cells, truth),
                            Group(f"by_version[hidden,{t}] complement", complement,
                                  sum(m.truth[versions[v]] for v in hidden) - truth)]


def _value(terms: Terms, point: np.ndarray) -> float:
    return sum(c * float(point[i]) for i, c in terms.items())


def audit(world: list[Installation], figures: Mapping[str, Figure], k: int) -> dict[str, list[Finding]]:
    """``determined`` and ``bounded`` findings (module docstring) for one week's published ``figures``.

    Two LPs over the sum of all small groups first: a group whose value moves away from its truth (or
    reaches k) at one of their optima is cleared without its own LPs."""
    found: dict[str, list[Finding]] = {"determined": [], "bounded": []}
    for magnitudes, kind in ((True, "determined"), (False, "bounded")):
        builder = _Builder(world, magnitudes)
        builder.publish(figures)
        builder.m.check_truth()
        solver = builder.m.solver()
        small: dict[tuple[tuple[int, float], ...], Group] = {}
        for group in builder.groups:
            if 0 < group.truth < k:
                small.setdefault(tuple(sorted(group.terms.items())), group)
        everything = _add(*(g.terms for g in small.values()))
        witnesses = [point for sign in ((1.0, -1.0) if kind == "determined" else (-1.0,))
                     for _, point in [solver.optimum(everything, sign)] if point is not None]
        for group in small.values():
            values = [_value(group.terms, point) for point in witnesses]
            if kind == "determined" and any(abs(v - group.truth) > 1e-6 for v in values):
                continue
            if kind == "bounded" and any(v >= k - 1e-6 for v in values):
                continue
            low, high = solver.range(group.terms)
            if (kind == "determined" and high - low < 1e-6) or (kind == "bounded" and high < k - 1e-6):
                found[kind].append(Finding(group, low, high))
    return found
