"""Load ``metrics.yaml`` into frozen objects; a broken registry fails here, naming the entry and line.

The file's shape (keys, types, name and value patterns) is ``metrics.schema.json``, which
``printernizer-stats registry lint`` and the tests check with jsonschema (``_schema.py``); the host's
runtime does not carry jsonschema. What the loader checks is what a schema cannot say: that
``daily_stats`` select declared values, that buckets ascend, that patterns compile, that formats and
transforms exist, and the lints. A file of the wrong shape still fails here, with a pointer to the lint.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from printernizer_stats.registry._formats import FORMATS
from printernizer_stats.registry._lints import CheckType, lint_registry
from printernizer_stats.registry._model import (
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
from printernizer_stats.registry._rules import TRANSFORMS

SCHEMA = "printernizer-stats/metrics/1-0-0"
LINES = "__lines__"
"""The key under which every loaded mapping keeps the line of each of its keys."""


class RegistryError(ValueError):
    """The registry file is invalid; the message names the entry (and line) and says how to fix it."""


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader that remembers the line of every mapping key, so errors can point into the file."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[LINES] = {loader.construct_object(key): key.start_mark.line + 1 for key, _ in node.value}
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(text: str, path: str) -> Any:
    """The YAML of a registry, every mapping with the lines of its keys under :data:`LINES`."""
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path}: file: is not valid YAML: {exc}") from exc


def plain(data: Any) -> Any:
    """``data`` without the line bookkeeping (what the schema validates)."""
    if isinstance(data, Mapping):
        return {key: plain(value) for key, value in data.items() if key != LINES}
    return [plain(item) for item in data] if isinstance(data, list) else data


class _Context:
    """Where in the file we are, for error messages."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, entry: str, problem: str, line: int | None = None) -> RegistryError:
        return RegistryError(f"{self.path}:{line}: {entry}: {problem}" if line else f"{self.path}: {entry}: {problem}")


def _attribute(ctx: _Context, entry: str, name: str, data: Mapping[str, Any], line: int | None) -> AttributeSpec:
    raw, transform = data["allowed_values"], data.get("transform")
    if transform is not None and transform not in TRANSFORMS:
        raise ctx.fail(entry, f"unknown transform {transform!r}; known: {sorted(TRANSFORMS)}", line)
    spec = AttributeSpec(name=name, description=str(data["description"]), allowed_values=None, transform=transform,
                         max_length=int(data.get("max_length", 64)))
    if isinstance(raw, str) and raw.startswith(RUNTIME_PREFIX):
        try:
            re.compile(data["pattern"])
        except (KeyError, re.error) as exc:
            raise ctx.fail(entry, f"a runtime value set needs a `pattern` that compiles ({exc})", line) from exc
        return replace(spec, runtime_source=raw.removeprefix(RUNTIME_PREFIX), pattern=data["pattern"])
    values = tuple(str(v) for v in raw)
    return replace(spec, allowed_values=frozenset(values), ordered_values=values)


def _rounding(ctx: _Context, entry: str, raw: Any, kind: Kind, line: int | None) -> Rounding:
    if kind is not Kind.HISTOGRAM:
        if raw not in ("integer", "none"):
            raise ctx.fail(entry, f"rounding must be 'integer' or 'none' for a {kind.value}, not {raw!r}", line)
        return Rounding(integer=raw == "integer")
    bounds = tuple(float(b) for b in raw["buckets"])
    if list(bounds) != sorted(set(bounds)):
        raise ctx.fail(entry, "histogram buckets must be strictly ascending", line)
    return Rounding(integer=False, buckets=bounds)


def _daily_stats(ctx: _Context, entry: str, raw: Mapping[str, Any], attributes: Mapping[str, AttributeSpec],
                 line: int | None) -> dict[str, dict[str, frozenset[str]]]:
    columns: dict[str, dict[str, frozenset[str]]] = {}
    for column, selector in plain(raw).items():
        for attr, values in selector.items():
            spec = attributes.get(attr)
            if spec is None or spec.allowed_values is None:
                raise ctx.fail(entry, f"daily_stats {column}: {attr!r} is not a closed attribute", line)
            if unknown := set(values) - spec.allowed_values:
                raise ctx.fail(entry, f"daily_stats {column}: values {sorted(unknown)} not allowed", line)
        columns[column] = {attr: frozenset(values) for attr, values in selector.items()}
    return columns


def _metric(ctx: _Context, name: str, data: Mapping[str, Any], line: int | None) -> MetricSpec:
    entry = f"metrics.{name}"
    kind = Kind(data["kind"])
    attributes = {attr: _attribute(ctx, f"{entry}.attributes.{attr}", attr, spec, line)
                  for attr, spec in (data["attributes"] or {}).items() if attr != LINES}
    max_weekly = data.get("max_weekly")
    return MetricSpec(
        name=name, kind=kind, unit=str(data["unit"]), description=" ".join(str(data["description"]).split()),
        sensitivity=Sensitivity(data["data_sensitivity"]), attributes=attributes,
        max_cardinality=int(data["max_cardinality"]), rounding=_rounding(ctx, entry, data["rounding"], kind, line),
        weekly=Weekly(data["weekly"]), daily_stats=_daily_stats(ctx, entry, data.get("daily_stats") or {},
                                                                attributes, line),
        expires=str(data["expires"]), max_weekly=None if max_weekly is None else float(max_weekly),
    )


def _resource_field(ctx: _Context, name: str, data: Mapping[str, Any], line: int | None) -> ResourceFieldSpec:
    fmt, values = data.get("format"), data.get("allowed_values")
    if fmt is not None and fmt not in FORMATS:
        raise ctx.fail(f"resource.{name}", f"unknown format {fmt!r}; known: {sorted(FORMATS)}", line)
    ordered = tuple(str(v) for v in values) if values is not None else ()
    return ResourceFieldSpec(
        name=name, description=" ".join(str(data["description"]).split()), format=fmt,
        allowed_values=frozenset(ordered) if values is not None else None, ordered_values=ordered,
    )


def _entries(data: Mapping[str, Any], section: str) -> list[tuple[str, Any, int | None]]:
    entries = data[section]
    lines = entries.get(LINES, {})
    return [(name, spec, lines.get(name)) for name, spec in entries.items() if name != LINES]


def build_registry(data: Any, path: str = "<registry>") -> Registry:
    """The registry of loaded YAML (see :func:`load_yaml`). Raises :class:`RegistryError` naming the entry."""
    ctx = _Context(path)
    if not isinstance(data, Mapping) or data.get("$schema") != SCHEMA:
        raise ctx.fail("$schema", f"expected {SCHEMA!r}")
    try:
        registry = Registry(
            version=int(data["version"]), consent_version=int(data["consent_version"]),
            metrics={name: _metric(ctx, name, spec, line) for name, spec, line in _entries(data, "metrics")},
            resource={name: _resource_field(ctx, name, spec, line)
                      for name, spec, line in _entries(data, "resource")},
            never_collected=tuple(str(item) for item in data["never_collected"]),
            notification_emails=tuple(str(e) for e in data.get("notification_emails", ())),
        )
    except RegistryError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ctx.fail("file", f"does not match metrics.schema.json ({type(exc).__name__}: {exc}); "
                       f"`printernizer-stats registry lint --file {path}` names the entry") from exc
    errors = [f"{name}: {message}" for name, kind, message in lint_registry(registry) if kind is CheckType.ERROR]
    if errors:
        raise ctx.fail("lint", "; ".join(errors))
    return registry


def parse_registry(text: str, path: str = "<registry>") -> Registry:
    """Parse registry YAML text. Raises :class:`RegistryError` naming the broken entry."""
    return build_registry(load_yaml(text, path), path)


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
