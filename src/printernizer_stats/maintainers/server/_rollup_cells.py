"""What one installation-week adds to the weekly rollups every figure reads. Pure.

A rollup cell is keyed (period, figure, group_1, group_2) and holds the number of installations in the
group and additive sums (``MEASURES``). One installation-week is one batch (its ``daily_stats`` row and
``events_summary`` rows), so its contribution to each cell is computed from that batch alone: a distinct
count is a count of installation-weeks. Cells are raw (groups of one exist); analytics applies
k-anonymity when it publishes, never here.

Figures whose measures come from another figure (the week's active installations beside printer types
and error types, a version's installations beside the error-type breakdown) are joined when read
(``analytics/_rollup_sql.py``), not stored twice.

Every stored value is an integer (the registry rounds these metrics to integers); sums of squares stay
exact while below 2**53, so adding, subtracting and recomputing give the same bits in any order.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from printernizer_stats.registry import fleet_size_label
from printernizer_stats.registry.names import Attribute, DailyStat, Metric

PRINTERS_METRIC = Metric.PRINTERS
PRINTER_TYPE = Attribute.PRINTER_TYPE
FEATURES_METRIC = Metric.FEATURES_ENABLED
FEATURE = Attribute.FEATURE
ERRORS_METRIC = Metric.ERRORS
ERROR_TYPE = Attribute.ERROR_TYPE
UNKNOWN = "unknown"
_ROLLED_UP = frozenset({PRINTERS_METRIC, FEATURES_METRIC, ERRORS_METRIC})

MEASURES = ("jobs", "errors", "printers", "enabled", "errors_sq", "jobs_sq", "errors_jobs")
"""Sums a rollup cell holds, after its installations (unused ones are 0)."""
ERROR_SUMS = ("errors", "jobs", "errors_sq", "jobs_sq", "errors_jobs")

FACT_FIGURES = {
    "deployment_modes": "deployment_mode", "versions": "app_version", "countries": "country_code",
    "platforms": "platform", "python_versions": "python_version",
}
"""PARTITION figures that are one installation fact of the week: figure -> daily_stats column."""
STORED_MEASURES: dict[str, tuple[str, ...]] = {
    "active_installations": (*ERROR_SUMS, "printers"),
    **dict.fromkeys(FACT_FIGURES, ()),
    "fleet_sizes": ("printers",),
    "uptime": (),
    "errors_by_version": ERROR_SUMS,
    "printer_types": ("printers",),
    "features": ("enabled",),
    "error_types": ("errors",),
    "error_types_by_version": ("errors",),
}
"""Each figure's stored measures (the joined ones are added when read)."""
ROLLUP_FIGURES = tuple(STORED_MEASURES)

Key = tuple[str, str, str]
"""(figure, group_1, group_2); '' for a figure's unused dimensions."""
Vector = tuple[float, ...]
"""(installations, *MEASURES)."""
_ZERO = (0.0,) * len(MEASURES)
_INDEX = {name: i for i, name in enumerate(MEASURES)}
_ONE = (1.0, *_ZERO)


def _vector(**measures: float) -> Vector:
    if not measures:
        return _ONE
    values = [1.0, *_ZERO]
    for name, value in measures.items():
        values[_INDEX[name] + 1] = float(value)
    return tuple(values)


def _label(value: Any) -> str:
    """A group value as the SQL recomputation spells it (integers without a fraction)."""
    if value is None:
        return UNKNOWN
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(value: Any) -> float:
    return 0.0 if value is None else float(value)


def _error_sums(daily: Mapping[str, Any]) -> dict[str, float]:
    errors, jobs = _number(daily.get(DailyStat.ERROR_COUNT)), _number(daily.get(DailyStat.JOBS_CREATED))
    return {"errors": errors, "jobs": jobs, "errors_sq": errors * errors, "jobs_sq": jobs * jobs,
            "errors_jobs": errors * jobs}


def week_contribution(daily: Mapping[str, Any], events: Iterable[Sequence[Any]]) -> dict[Key, Vector]:
    """The rollup cells one installation-week adds to (``daily``: its daily_stats row; ``events``: its
    events_summary rows as (metric, attributes, value, ...)), with what it adds to each."""
    printers = daily.get(DailyStat.PRINTER_COUNT)
    sums = _error_sums(daily)
    cells: dict[Key, Vector] = {
        ("active_installations", "", ""): _vector(**sums, printers=_number(printers)),
        ("fleet_sizes", fleet_size_label(printers), ""): _vector(printers=_number(printers)),
        ("uptime", _label(daily.get(DailyStat.UPTIME_DAYS)), ""): _vector(),
        ("errors_by_version", str(daily["app_version"]), ""): _vector(**sums),
    }
    for figure, column in FACT_FIGURES.items():
        cells[(figure, str(daily[column]), "")] = _vector()
    error_types: dict[str, float] = {}
    for event in events:
        metric = event[0]
        if metric not in _ROLLED_UP:
            continue
        value = float(event[2])
        if metric == PRINTERS_METRIC and value > 0:
            key: Key = ("printer_types", _decoded(event[1], PRINTER_TYPE), "")
            cells[key] = _add(cells.get(key), _vector(printers=value))
        elif metric == FEATURES_METRIC:
            key = ("features", _decoded(event[1], FEATURE), "")
            cells[key] = _add(cells.get(key), _vector(enabled=value))
        elif metric == ERRORS_METRIC and value > 0:
            error_type = _decoded(event[1], ERROR_TYPE)
            error_types[error_type] = error_types.get(error_type, 0.0) + value
    version = str(daily["app_version"])
    for error_type, errors in error_types.items():
        cells[("error_types", error_type, "")] = _vector(errors=errors)
        cells[("error_types_by_version", version, error_type)] = _vector(errors=errors)
    return cells


@functools.lru_cache(maxsize=4096)
def _decoded(attributes: str, name: str) -> str:
    """One attribute of a canonical attributes JSON (the same few strings repeat in every batch)."""
    return str(json.loads(attributes).get(name))


def _add(before: Vector | None, more: Vector) -> Vector:
    if before is None:
        return more
    # A series repeated under the same label (one attribute decoded from several): its rows add up.
    return (before[0], *(a + b for a, b in zip(before[1:], more[1:], strict=True)))
