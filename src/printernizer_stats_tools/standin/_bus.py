"""A stand-in for Printernizer's ``EventService``: same API, same semantics, no Printernizer code.

Handlers get only the payload; they run one after another in the emitter's task (sync ones called
directly, async ones awaited); exceptions are logged and swallowed; events without subscribers vanish.
"""

from __future__ import annotations

import inspect
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import structlog

_log = structlog.get_logger(__name__)
Handler = Callable[[dict[str, Any]], Any]


class StandInEventBus:
    """``subscribe``/``unsubscribe``/``emit_event`` as in ``src/services/event_service.py``."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self.emitted = 0
        self.running = False

    async def start(self) -> None:
        """Printernizer starts its polling loops here (dead in production); the stand-in only notes it."""
        self.running = True

    async def stop(self) -> None:
        self.running = False

    def subscribe(self, event_type: str, handler: Handler) -> None:
        self._handlers[event_type].append(handler)

    def unsubscribe(self, event_type: str, handler: Handler) -> None:
        if handler in self._handlers.get(event_type, []):
            self._handlers[event_type].remove(handler)

    def subscriber_count(self) -> int:
        return sum(len(handlers) for handlers in self._handlers.values())

    async def emit_event(self, event_type: str, data: dict[str, Any]) -> None:
        self.emitted += 1
        for handler in list(self._handlers.get(event_type, [])):
            try:
                result = handler(data)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                _log.exception("event_handler_failed", event_type=event_type)

    def emit(self, event_type: str, data: dict[str, Any]) -> None:
        """Synchronous emit for the simulator: calls sync handlers (ours are sync) without a loop."""
        self.emitted += 1
        for handler in list(self._handlers.get(event_type, [])):
            try:
                handler(data)
            except Exception:
                _log.exception("event_handler_failed", event_type=event_type)
