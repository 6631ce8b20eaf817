"""Load ``event_bus.yaml`` (Printernizer's events -> counter increments) and check it against the registry.

Every metric, attribute and value the map names must be declared by the registry, and every attribute of
a metric must be given: a typo fails loading with the event and the value, instead of becoming ``other``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from printernizer_stats.registry._loader import RegistryError, default_registry
from printernizer_stats.registry._model import Kind, Registry

EVENT_MAP_SCHEMA = "printernizer-stats/event-bus/1"
_EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
_EVENT_KEYS = {"counts", "status_in", "status_changed"}


@dataclass(frozen=True, slots=True)
class EventCount:
    """One increment of 1 an event makes: fixed attribute values, and values chosen by the payload's status."""

    metric: str
    attributes: Mapping[str, str] = field(default_factory=dict)
    by_status: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Attribute -> (payload status -> value); a status not listed makes no increment."""


@dataclass(frozen=True, slots=True)
class EventRule:
    """What one Printernizer event counts, and when."""

    event: str
    counts: tuple[EventCount, ...]
    status_in: frozenset[str] | None = None
    """Count only when the payload's status is one of these (None: whatever the status)."""
    status_changed: bool = False
    """Count only when the payload's status differs from its ``old_status``."""


def _count(registry: Registry, where: str, raw: Any, problems: list[str]) -> EventCount | None:
    if not isinstance(raw, Mapping) or set(raw) != {"metric", "attributes"}:
        problems.append(f"{where}: a count is {{metric: ..., attributes: {{...}}}}")
        return None
    spec = registry.metrics.get(str(raw["metric"]))
    if spec is None or spec.kind is not Kind.COUNTER:
        problems.append(f"{where}: {raw['metric']!r} is not a counter of the registry")
        return None
    given = raw["attributes"] if isinstance(raw["attributes"], Mapping) else {}
    if missing := set(spec.attributes) - set(given):
        problems.append(f"{where}: {spec.name} needs {sorted(missing)} too")
    fixed: dict[str, str] = {}
    by_status: dict[str, dict[str, str]] = {}
    for name, value in given.items():
        attr = spec.attributes.get(str(name))
        if attr is None or attr.allowed_values is None:
            problems.append(f"{where}: {name!r} is not a closed attribute of {spec.name}")
            continue
        choices = value.get("status") if isinstance(value, Mapping) else None
        values = {str(k): v for k, v in choices.items()} if isinstance(choices, Mapping) else {"": value}
        for chosen in values.values():
            if chosen not in attr.allowed_values:
                problems.append(f"{where}: {spec.name} {name}={chosen!r} is not allowed; "
                                f"the registry allows {list(attr.ordered_values)}")
        if choices is None:
            fixed[attr.name] = str(value)
        else:
            by_status[attr.name] = {status: str(chosen) for status, chosen in values.items()}
    return EventCount(spec.name, fixed, by_status)


def _rule(registry: Registry, event: str, raw: Any, problems: list[str]) -> EventRule | None:
    if not _EVENT_NAME.match(event):
        problems.append(f"{event!r}: event names are dotted snake_case")
    if not isinstance(raw, Mapping) or set(raw) - _EVENT_KEYS or not isinstance(raw.get("counts"), list):
        problems.append(f"{event}: needs `counts: [...]`; allowed keys: {sorted(_EVENT_KEYS)}")
        return None
    counts = [_count(registry, f"{event} count {i + 1}", c, problems) for i, c in enumerate(raw["counts"])]
    status_in = raw.get("status_in")
    if status_in is not None and (not isinstance(status_in, list) or not status_in):
        problems.append(f"{event}: status_in is a non-empty list of statuses")
    if not isinstance(raw.get("status_changed", False), bool):
        problems.append(f"{event}: status_changed is true or false")
    return EventRule(
        event, tuple(c for c in counts if c is not None),
        status_in=frozenset(str(s).lower() for s in status_in) if isinstance(status_in, list) else None,
        status_changed=raw.get("status_changed") is True,
    )


def event_map_problems(data: Any, registry: Registry) -> tuple[dict[str, EventRule], list[str]]:
    """The rules of an event map (as loaded from YAML), and every problem with it (empty: it is valid)."""
    problems: list[str] = []
    if not isinstance(data, Mapping) or data.get("$schema") != EVENT_MAP_SCHEMA:
        return {}, [f"$schema must be {EVENT_MAP_SCHEMA!r}"]
    events = data.get("events")
    if not isinstance(events, Mapping) or not events:
        return {}, ["events: a mapping of Printernizer event names"]
    rules = {str(event): _rule(registry, str(event), raw, problems) for event, raw in events.items()}
    return {event: rule for event, rule in rules.items() if rule is not None}, problems


def parse_event_map(text: str, registry: Registry, path: str = "<event map>") -> dict[str, EventRule]:
    """Parse event-map YAML text; raises :class:`RegistryError` naming every problem."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path}: is not valid YAML: {exc}") from exc
    rules, problems = event_map_problems(data, registry)
    if problems:
        raise RegistryError(f"{path}: " + "; ".join(problems))
    return rules


def event_map_text() -> str:
    return resources.files("printernizer_stats.registry").joinpath("event_bus.yaml").read_text(encoding="utf-8")


@cache
def default_event_map() -> Mapping[str, EventRule]:
    """The shipped event map, checked against the shipped registry, loaded once per process."""
    return parse_event_map(event_map_text(), default_registry(), "event_bus.yaml")
