"""Load ``metrics.yaml`` into frozen objects; a broken registry fails here, naming the entry and line."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from printernizer_stats.registry._formats import FORMATS
from printernizer_stats.registry._lints import CheckType, lint_registry
from printernizer_stats.registry._model import (
    OTHER,
    RUNTIME_PREFIX,
    AttributeSpec,
    Kind,
    MetricSpec,
    Registry,
    ResourceFieldSpec,
    Rounding,
    Sensitivity,
    Weekly,
)

SCHEMA = "printernizer-stats/metrics/1-0-0"
_METRIC_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_ATTRIBUTE_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
_VALUE = re.compile(r"^[A-Za-z0-9_]{1,32}$")
_TOP_KEYS = {"$schema", "version", "consent_version", "notification_emails", "never_collected", "resource", "metrics"}
_METRIC_KEYS = {
    "kind", "unit", "description", "data_sensitivity", "attributes", "max_cardinality",
    "rounding", "weekly", "daily_stats", "expires", "max_weekly",
}
_REQUIRED_METRIC_KEYS = _METRIC_KEYS - {"daily_stats", "max_weekly"}
_ATTRIBUTE_KEYS = {"description", "allowed_values", "pattern", "max_length", "transform"}
_RESOURCE_KEYS = {"description", "format", "allowed_values"}
TRANSFORMS = frozenset({"status_class", "route_group"})


class RegistryError(ValueError):
    """The registry file is invalid; the message names the entry (and line) and says how to fix it."""


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader that remembers the line of every mapping key, so errors can point into the file."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    lines = {loader.construct_object(key): key.start_mark.line + 1 for key, _ in node.value}
    mapping["__lines__"] = lines
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _Context:
    """Where in the file we are, for error messages."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, entry: str, problem: str, line: int | None = None) -> RegistryError:
        where = f"{self.path}:{line}" if line else self.path
        return RegistryError(f"{where}: {entry}: {problem}")


def _plain(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k != "__lines__"}


def _check_keys(ctx: _Context, entry: str, data: Any, allowed: set[str], required: set[str], line: int | None) -> None:
    if not isinstance(data, Mapping):
        raise ctx.fail(entry, "must be a mapping", line)
    keys = set(_plain(data))
    if unknown := keys - allowed:
        raise ctx.fail(entry, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}", line)
    if missing := required - keys:
        raise ctx.fail(entry, f"missing key(s) {sorted(missing)}", line)


def _closed_values(ctx: _Context, entry: str, raw: Any, line: int | None) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        raise ctx.fail(entry, "allowed_values must be a non-empty list (or runtime:<source>)", line)
    values = tuple(str(v) for v in raw)
    for value in values:
        if not _VALUE.match(value):
            raise ctx.fail(entry, f"allowed value {value!r} must match {_VALUE.pattern}", line)
    if OTHER in values:
        raise ctx.fail(entry, f"'{OTHER}' is implicit in every value set; remove it", line)
    if len(set(values)) != len(values):
        raise ctx.fail(entry, "allowed_values has duplicates", line)
    return values


def _attribute(ctx: _Context, entry: str, name: str, data: Any, line: int | None) -> AttributeSpec:
    if not _ATTRIBUTE_NAME.match(name):
        raise ctx.fail(entry, "attribute names are dotted snake_case", line)
    _check_keys(ctx, entry, data, _ATTRIBUTE_KEYS, {"description", "allowed_values"}, line)
    raw = data["allowed_values"]
    transform = data.get("transform")
    if transform is not None and transform not in TRANSFORMS:
        raise ctx.fail(entry, f"unknown transform {transform!r}; known: {sorted(TRANSFORMS)}", line)
    if isinstance(raw, str) and raw.startswith(RUNTIME_PREFIX):
        if "pattern" not in data:
            raise ctx.fail(entry, "a runtime value set needs a `pattern` the receiver can check", line)
        try:
            re.compile(data["pattern"])
        except re.error as exc:
            raise ctx.fail(entry, f"pattern does not compile: {exc}", line) from exc
        return AttributeSpec(
            name=name, description=str(data["description"]), allowed_values=None,
            runtime_source=raw.removeprefix(RUNTIME_PREFIX), pattern=data["pattern"],
            max_length=int(data.get("max_length", 64)), transform=transform,
        )
    values = _closed_values(ctx, entry, raw, line)
    return AttributeSpec(
        name=name, description=str(data["description"]), allowed_values=frozenset(values),
        max_length=int(data.get("max_length", 64)), transform=transform, ordered_values=values,
    )


def _rounding(ctx: _Context, entry: str, raw: Any, kind: Kind, line: int | None) -> Rounding:
    if kind is Kind.HISTOGRAM:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("buckets"), list):
            raise ctx.fail(entry, "a histogram needs rounding: {buckets: [ascending bounds]}", line)
        bounds = tuple(float(b) for b in raw["buckets"])
        if not bounds or list(bounds) != sorted(set(bounds)):
            raise ctx.fail(entry, "histogram buckets must be strictly ascending", line)
        return Rounding(integer=False, buckets=bounds)
    if raw == "integer":
        return Rounding(integer=True)
    if raw == "none":
        return Rounding(integer=False)
    raise ctx.fail(entry, f"rounding must be 'integer' or 'none' for a {kind.value}, not {raw!r}", line)


def _daily_stats(ctx: _Context, entry: str, raw: Any, attributes: Mapping[str, AttributeSpec],
                 line: int | None) -> dict[str, dict[str, frozenset[str]]]:
    columns: dict[str, dict[str, frozenset[str]]] = {}
    for column, selector in _plain(raw or {}).items():
        if not re.match(r"^[a-z][a-z0-9_]{0,40}$", column):
            raise ctx.fail(entry, f"daily_stats column {column!r} must be snake_case", line)
        selected: dict[str, frozenset[str]] = {}
        for attr, values in _plain(selector or {}).items():
            spec = attributes.get(attr)
            if spec is None or spec.allowed_values is None:
                raise ctx.fail(entry, f"daily_stats {column}: {attr!r} is not a closed attribute", line)
            if unknown := set(values) - spec.allowed_values:
                raise ctx.fail(entry, f"daily_stats {column}: values {sorted(unknown)} not allowed", line)
            selected[attr] = frozenset(values)
        columns[column] = selected
    return columns


def _metric(ctx: _Context, name: str, data: Any, line: int | None) -> MetricSpec:
    entry = f"metrics.{name}"
    if not _METRIC_NAME.match(name):
        raise ctx.fail(entry, "metric names are dotted snake_case with at least two segments", line)
    _check_keys(ctx, entry, data, _METRIC_KEYS, _REQUIRED_METRIC_KEYS, line)
    try:
        kind = Kind(data["kind"])
        weekly = Weekly(data["weekly"])
        sensitivity = Sensitivity(data["data_sensitivity"])
    except ValueError as exc:
        raise ctx.fail(entry, str(exc), line) from exc
    attrs_raw = data["attributes"] or {}
    attributes = {
        attr: _attribute(ctx, f"{entry}.attributes.{attr}", attr, spec, line)
        for attr, spec in _plain(attrs_raw).items()
    }
    cap = data["max_cardinality"]
    if not isinstance(cap, int) or cap < 1:
        raise ctx.fail(entry, "max_cardinality must be a positive integer", line)
    max_weekly = data.get("max_weekly")
    if max_weekly is not None and (isinstance(max_weekly, bool) or not isinstance(max_weekly, int | float)
                                   or not max_weekly > 0):
        raise ctx.fail(entry, "max_weekly must be a positive number", line)
    return MetricSpec(
        name=name, kind=kind, unit=str(data["unit"]), description=" ".join(str(data["description"]).split()),
        sensitivity=sensitivity, attributes=attributes, max_cardinality=cap,
        rounding=_rounding(ctx, entry, data["rounding"], kind, line), weekly=weekly,
        daily_stats=_daily_stats(ctx, entry, data.get("daily_stats"), attributes, line),
        expires=str(data["expires"]), max_weekly=float(max_weekly) if max_weekly is not None else None,
    )


def _resource_field(ctx: _Context, name: str, data: Any, line: int | None) -> ResourceFieldSpec:
    entry = f"resource.{name}"
    _check_keys(ctx, entry, data, _RESOURCE_KEYS, {"description"}, line)
    fmt, values = data.get("format"), data.get("allowed_values")
    if (fmt is None) == (values is None):
        raise ctx.fail(entry, "needs exactly one of `format` or `allowed_values`", line)
    if fmt is not None and fmt not in FORMATS:
        raise ctx.fail(entry, f"unknown format {fmt!r}; known: {sorted(FORMATS)}", line)
    ordered = _closed_values(ctx, entry, values, line) if values is not None else ()
    return ResourceFieldSpec(
        name=name, description=" ".join(str(data["description"]).split()), format=fmt,
        allowed_values=frozenset(ordered) if values is not None else None, ordered_values=ordered,
    )


def parse_registry(text: str, path: str = "<registry>") -> Registry:
    """Parse registry YAML text. Raises :class:`RegistryError` naming the broken entry."""
    ctx = _Context(path)
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader
    except yaml.YAMLError as exc:
        raise ctx.fail("file", f"is not valid YAML: {exc}") from exc
    _check_keys(ctx, "top level", data, _TOP_KEYS, _TOP_KEYS - {"notification_emails"}, None)
    if data["$schema"] != SCHEMA:
        raise ctx.fail("$schema", f"expected {SCHEMA!r}, got {data['$schema']!r}")
    for key in ("version", "consent_version"):
        if not isinstance(data[key], int) or data[key] < 1:
            raise ctx.fail(key, "must be a positive integer")
    lines = data["metrics"].get("__lines__", {}) if isinstance(data["metrics"], Mapping) else {}
    metrics = {name: _metric(ctx, name, spec, lines.get(name)) for name, spec in _plain(data["metrics"]).items()}
    rlines = data["resource"].get("__lines__", {}) if isinstance(data["resource"], Mapping) else {}
    resource = {
        name: _resource_field(ctx, name, spec, rlines.get(name)) for name, spec in _plain(data["resource"]).items()
    }
    registry = Registry(
        version=data["version"], consent_version=data["consent_version"], metrics=metrics, resource=resource,
        never_collected=tuple(str(item) for item in data["never_collected"]),
        notification_emails=tuple(str(e) for e in data.get("notification_emails", ())),
    )
    errors = [f"{name}: {message}" for name, kind, message in lint_registry(registry) if kind is CheckType.ERROR]
    if errors:
        raise ctx.fail("lint", "; ".join(errors))
    return registry


def load_registry(path: str | Path | None = None) -> Registry:
    """Load a registry file; without a path, the one shipped with this package."""
    if path is None:
        return default_registry()
    file = Path(path)
    return parse_registry(file.read_text(encoding="utf-8"), str(file))


@cache
def default_registry() -> Registry:
    """The registry shipped with printernizer-stats, loaded once per process."""
    text = resources.files("printernizer_stats.registry").joinpath("metrics.yaml").read_text(encoding="utf-8")
    return parse_registry(text, "metrics.yaml")
