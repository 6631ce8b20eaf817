"""Bridge from Printernizer's event bus to counter increments.

Printernizer's ``EventService`` has no wildcard and passes handlers only the payload, so there is one small
handler per event name. A handler reads at most one enum-like field of the payload (``status``); file
names, printer names, paths, messages and IPs in payloads are never read, so they cannot reach an attribute.
Handlers are synchronous: the bus calls them inline in the emitter's task, and an in-memory counter add is
all they do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from printernizer_stats.instrumentation._instruments import UsageInstruments

JOBS = "printernizer.jobs.events"
FILES = "printernizer.files.transfers"
CONNECTIONS = "printernizer.printers.connection_events"
SLICING = "printernizer.slicing.jobs"
LIBRARY = "printernizer.library.events"
ERRORS = "printernizer.errors"

Increment = tuple[str, dict[str, str]]
Handler = Callable[[Mapping[str, Any]], list[Increment]]

# job_status_changed is the job signal that fires in production; job_started/job_completed are never
# emitted (EventService's loops are dead), so subscribing to them too would only risk double counts.
_JOB_STATUS = {"printing": "started", "running": "started", "completed": "completed",
               "failed": "failed", "cancelled": "cancelled"}
_FAILED_CONNECTION = {"failed", "error"}


def _fixed(*increments: Increment) -> Handler:
    return lambda _data: list(increments)


def _job_status_changed(data: Mapping[str, Any]) -> list[Increment]:
    status, old = str(data.get("status", "")).lower(), str(data.get("old_status", "")).lower()
    event = _JOB_STATUS.get(status)
    if event is None or status == old:
        return []
    return [(JOBS, {"event": event})]


def _connection_progress(data: Mapping[str, Any]) -> list[Increment]:
    if str(data.get("status", "")).lower() not in _FAILED_CONNECTION:
        return []
    return [(CONNECTIONS, {"event": "connection_failed"}),
            (ERRORS, {"error_type": "printer_connection", "component": "printer"})]


EVENT_HANDLERS: dict[str, Handler] = {
    "job_created": _fixed((JOBS, {"event": "created"})),
    "job_auto_created": _fixed((JOBS, {"event": "auto_created"})),
    "job_status_changed": _job_status_changed,
    "print_paused": _fixed((JOBS, {"event": "paused"})),
    "print_resumed": _fixed((JOBS, {"event": "resumed"})),
    "print_stopped": _fixed((JOBS, {"event": "stopped"})),
    "file_download_complete": _fixed((FILES, {"direction": "download", "result": "completed"})),
    "file_download_failed": _fixed((FILES, {"direction": "download", "result": "failed"}),
                                   (ERRORS, {"error_type": "file_download", "component": "file"})),
    "file_upload_complete": _fixed((FILES, {"direction": "upload", "result": "completed"})),
    "file_upload_failed": _fixed((FILES, {"direction": "upload", "result": "failed"}),
                                 (ERRORS, {"error_type": "file_upload", "component": "file"})),
    "printer_connected": _fixed((CONNECTIONS, {"event": "connected"})),
    "printer_disconnected": _fixed((CONNECTIONS, {"event": "disconnected"})),
    "printer_connection_progress": _connection_progress,
    "slicing_job.created": _fixed((SLICING, {"result": "created"})),
    "slicing_job.completed": _fixed((SLICING, {"result": "completed"})),
    "slicing_job.failed": _fixed((SLICING, {"result": "failed"}),
                                 (ERRORS, {"error_type": "slicing_failed", "component": "slicing"})),
    "slicing_job.cancelled": _fixed((SLICING, {"result": "cancelled"})),
    "library_file_added": _fixed((LIBRARY, {"event": "file_added"})),
    "library_file_deleted": _fixed((LIBRARY, {"event": "file_deleted"})),
    "material_created": _fixed((LIBRARY, {"event": "material_created"})),
    "material_updated": _fixed((LIBRARY, {"event": "material_updated"})),
    "material_deleted": _fixed((LIBRARY, {"event": "material_deleted"})),
    "material_low_stock": _fixed((LIBRARY, {"event": "material_low_stock"})),
}


class EventBus(Protocol):
    """The part of Printernizer's ``EventService`` the adapter uses."""

    def subscribe(self, event_type: str, handler: Callable[[dict[str, Any]], Any]) -> None: ...

    def unsubscribe(self, event_type: str, handler: Callable[[dict[str, Any]], Any]) -> None: ...


class EventBusAdapter:
    """Subscribes one handler per known event name and turns events into counter increments."""

    def __init__(self, instruments: UsageInstruments, handlers: Mapping[str, Handler] | None = None) -> None:
        self._instruments = instruments
        self._handlers = dict(EVENT_HANDLERS if handlers is None else handlers)
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


def record_error(instruments: UsageInstruments, error_code: str, component: str = "api") -> None:
    """Count an error by Printernizer's error code (``PRINTER_CONNECTION`` -> ``printer_connection``).

    Meant for the host's exception handler: pass the code, never the message or details. Codes outside the
    registry become ``other`` in the exporter's filter.
    """
    code = str(error_code).strip().lower().removesuffix("_error") or "other"
    instruments.add(ERRORS, 1, {"error_type": code, "component": str(component).lower()})
