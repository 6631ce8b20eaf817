"""Bridge from Printernizer's event bus to counter increments: a small interpreter of ``registry/event_bus.yaml``.

Printernizer's ``EventService`` has no wildcard and passes handlers only the payload, so there is one small
handler per event name the map declares. A handler reads at most one enum-like field of the payload
(``status``, with ``old_status`` beside it); file names, printer names, paths, messages and IPs in payloads
are never read, so they cannot reach an attribute. Handlers are synchronous: the bus calls them inline in
the emitter's task, and an in-memory counter add is all they do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from types import MappingProxyType
from typing import Any, Protocol

from printernizer_stats.host.instrumentation._instruments import UsageInstruments
from printernizer_stats.registry import OTHER, EventRule, default_event_map
from printernizer_stats.registry.names import Attribute, Component, Metric

Increment = tuple[str, dict[str, str]]
Handler = Callable[[Mapping[str, Any]], list[Increment]]


def increments(rule: EventRule, data: Mapping[str, Any]) -> list[Increment]:
    """The counter increments one event makes, per its rule; reads only ``status`` and ``old_status``."""
    status = str(data.get("status", "")).lower()
    if rule.status_in is not None and status not in rule.status_in:
        return []
    if rule.status_changed and status == str(data.get("old_status", "")).lower():
        return []
    out: list[Increment] = []
    for count in rule.counts:
        chosen = {name: values.get(status) for name, values in count.by_status.items()}
        if all(value is not None for value in chosen.values()):
            out.append((count.metric, {**count.attributes, **{k: str(v) for k, v in chosen.items()}}))
    return out


_STATUSES_REMEMBERED = 64
"""Printernizer's statuses are a short enum; beyond this many distinct ones, answers are computed each time."""


class CompiledRule:
    """A rule's increments remembered per status: an event costs a dict lookup, not the rule's interpretation.

    What a rule counts depends only on the payload's status (``old_status`` only gates it), so the answer for
    a status is computed once. The remembered attribute dicts are shared and never mutated (the SDK keys its
    aggregations by their items).
    """

    def __init__(self, rule: EventRule) -> None:
        self._rule = rule
        self._by_status: dict[str, list[Increment]] = {}

    def __call__(self, data: Mapping[str, Any]) -> list[Increment]:
        status = str(data.get("status", "")).lower()
        if self._rule.status_changed and status == str(data.get("old_status", "")).lower():
            return []
        known = self._by_status.get(status)
        if known is None:
            known = increments(self._rule, {"status": status})
            if len(self._by_status) < _STATUSES_REMEMBERED:
                self._by_status[status] = known
        return known


@cache
def event_handlers() -> Mapping[str, Handler]:
    """One handler per event name of the shipped map (loaded on first use, not when Printernizer imports us)."""
    return MappingProxyType({event: CompiledRule(rule) for event, rule in default_event_map().items()})


class EventBus(Protocol):
    """The part of Printernizer's ``EventService`` the adapter uses."""

    def subscribe(self, event_type: str, handler: Callable[[dict[str, Any]], Any]) -> None: ...

    def unsubscribe(self, event_type: str, handler: Callable[[dict[str, Any]], Any]) -> None: ...


class EventBusAdapter:
    """Subscribes one handler per known event name and turns events into counter increments."""

    def __init__(self, instruments: UsageInstruments, handlers: Mapping[str, Handler] | None = None) -> None:
        self._instruments = instruments
        self._handlers = dict(event_handlers() if handlers is None else handlers)
        self._subscribed: dict[str, Callable[[dict[str, Any]], None]] = {}
        self._bus: EventBus | None = None

    def handle(self, event_type: str, data: Mapping[str, Any] | None) -> None:
        """Count one event. Never raises."""
        try:
            for metric, attributes in self._handlers[event_type](data or {}):
                self._instruments.add(metric, 1, attributes)
        except Exception:
            self._instruments.ignored += 1

    def attach(self, bus: EventBus) -> None:
        """Subscribe to every known event name on ``bus`` (again on the same bus: nothing; on another: moved)."""
        if self._bus is bus:
            return
        self.detach()
        self._bus = bus
        for event_type in self._handlers:
            handler = self._make_handler(event_type)
            bus.subscribe(event_type, handler)
            self._subscribed[event_type] = handler

    def detach(self) -> None:
        if self._bus is None:
            return
        for event_type, handler in self._subscribed.items():
            try:
                self._bus.unsubscribe(event_type, handler)
            except Exception:  # noqa: S112 - a handler left behind only counts into a no-op
                continue
        self._subscribed.clear()
        self._bus = None

    def _make_handler(self, event_type: str) -> Callable[[dict[str, Any]], None]:
        def on_event(data: dict[str, Any]) -> None:
            self.handle(event_type, data)

        return on_event


def record_error(instruments: UsageInstruments, error_code: str, component: str = Component.API) -> None:
    """Count an error by Printernizer's error code (``PRINTER_CONNECTION`` -> ``printer_connection``).

    Meant for the host's exception handler: pass the code, never the message or details. Codes outside the
    registry become ``other`` in the exporter's filter.
    """
    code = str(error_code).strip().lower().removesuffix("_error") or OTHER
    instruments.add(Metric.ERRORS, 1, {Attribute.ERROR_TYPE: code, Attribute.COMPONENT: str(component).lower()})
