"""In-memory stand-ins for the Printernizer services the stand-in app keeps on ``app.state``.

They hold the kind of data Printernizer holds (printer names, IPs, serials, file and job names) so that
tests can prove none of it reaches the statistics. No FastAPI import here: the services are plain objects.
"""

from __future__ import annotations

import contextlib
import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from printernizer_stats.registry.names import Feature, PrinterType

_BAMBU, _PRUSA, _OCTOPRINT = PrinterType.BAMBU_LAB, PrinterType.PRUSA_CORE, PrinterType.OCTOPRINT
JOB_STATUSES = frozenset({"pending", "running", "printing", "paused", "completed", "failed", "cancelled"})


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


class StandInError(Exception):
    """Printernizer's ``PrinternizerError``: message, HTTP status, ``UPPER_SNAKE`` error code, details.

    Like the original, message and details carry ids and names; only ``error_code`` may be counted.
    """

    def __init__(self, message: str, status_code: int = 500, error_code: str = "INTERNAL",
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.error_code = error_code
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        return {"status": "error", "message": self.message, "error_code": self.error_code,
                "details": self.details, "timestamp": now_iso()}


@dataclass
class StandInPrinter:
    """A configured printer. ``printer_id`` may be free text (printers.json, the HA add-on's names)."""

    printer_id: str
    name: str
    printer_type: str
    ip_address: str
    serial: str = ""
    reachable: bool = True
    status: str = "offline"

    def public(self) -> dict[str, Any]:
        return {"id": self.printer_id, "name": self.name, "printer_type": self.printer_type,
                "ip_address": self.ip_address, "serial_number": self.serial, "status": self.status}


def default_fleet() -> list[StandInPrinter]:
    """A small mixed fleet with the kind of names and addresses real installations have."""
    return [
        StandInPrinter("bambu_x1c_workshop", "X1C Werkstatt", _BAMBU, "192.168.178.51", "00M09A350100123"),
        StandInPrinter(str(uuid.UUID(int=7)), "Prusa MK4 Keller", _PRUSA, "192.168.178.52", "CZPX4723X004XK"),
        StandInPrinter("ender3-octopi", "Ender 3 (OctoPi)", _OCTOPRINT, "octopi.local", reachable=False),
    ]


class BambuLabPrinter:
    """Printernizer's driver classes, named as there (``src/printers/``)."""


class PrusaPrinter:
    pass


class OctoPrintPrinter:
    pass


class _UnknownPrinter:
    pass


_DRIVERS: dict[str, type] = {_BAMBU: BambuLabPrinter, _PRUSA: PrusaPrinter, _OCTOPRINT: OctoPrintPrinter}


class PrinterService:
    def __init__(self, printers: list[StandInPrinter]) -> None:
        self.printers = {printer.printer_id: printer for printer in printers}

    def get(self, printer_id: str) -> StandInPrinter:
        printer = self.printers.get(printer_id)
        if printer is None:
            raise StandInError(f"Printer {printer_id} not found", 404, "PRINTER_NOT_FOUND", {"printer_id": printer_id})
        return printer

    def add(self, name: str, printer_type: str, ip_address: str) -> StandInPrinter:
        printer = StandInPrinter(str(uuid.uuid4()), name, printer_type, ip_address)
        self.printers[printer.printer_id] = printer
        return printer

    @property
    def printer_instances(self) -> dict[str, object]:
        """Printernizer's driver instances by printer id: their class names tell the type (no type attribute)."""
        return {pid: _DRIVERS.get(p.printer_type, _UnknownPrinter)() for pid, p in self.printers.items()}

    async def connect(self, printer_id: str, bus: Any) -> StandInPrinter:
        """Connect one printer with Printernizer's events; a printer that does not answer raises (503)."""
        printer = self.get(printer_id)
        await bus.emit_event("printer_connection_progress", {"printer_id": printer_id, "status": "connecting",
                                                             "message": f"Connecting to {printer.ip_address}"})
        if not printer.reachable:
            message = f"Connection to {printer.name} at {printer.ip_address} timed out"
            await bus.emit_event("printer_connection_progress", {"printer_id": printer_id, "status": "failed",
                                                                 "message": message, "duration_seconds": 10.0})
            raise StandInError(message, 503, "PRINTER_CONNECTION", {"printer_id": printer_id})
        printer.status = "online"
        await bus.emit_event("printer_connected", {"printer_id": printer_id, "name": printer.name,
                                                   "timestamp": now_iso()})
        return printer

    async def connect_all(self, bus: Any) -> None:
        """Printernizer's startup (``initialize`` -> ``PrinterConnectionService``): every printer connects, with
        its events, before the app serves."""
        for printer_id in list(self.printers):
            with contextlib.suppress(StandInError):  # Printernizer logs it and carries on
                await self.connect(printer_id, bus)

    def printers_by_type(self) -> dict[str, int]:
        """Configured printers per type: the gauge source a host passes to ``StatsClient``."""
        counts: dict[str, int] = {}
        for printer in self.printers.values():
            counts[printer.printer_type] = counts.get(printer.printer_type, 0) + 1
        return counts


class JobService:
    def __init__(self) -> None:
        self.jobs: dict[str, dict[str, Any]] = {}

    def create(self, printer_id: str, job_name: str, is_business: bool) -> dict[str, Any]:
        job_id = str(uuid.uuid4())
        job: dict[str, Any] = {"id": job_id, "printer_id": printer_id, "job_name": job_name, "status": "pending",
               "is_business": is_business, "created_at": now_iso()}
        self.jobs[job_id] = job
        return job

    def get(self, job_id: str) -> dict[str, Any]:
        job = self.jobs.get(job_id)
        if job is None:
            raise StandInError(f"Job {job_id} not found", 404, "JOB_NOT_FOUND", {"job_id": job_id})
        return job

    def set_status(self, job_id: str, status: str) -> str:
        """Set the status; returns the old one."""
        job = self.get(job_id)
        if status not in JOB_STATUSES:
            raise StandInError(f"Invalid status {status!r} for job {job['job_name']}", 400, "JOB_INVALID_STATUS",
                               {"job_id": job_id, "status": status})
        old, job["status"] = job["status"], status
        return str(old)


class FileService:
    def __init__(self) -> None:
        self.files: dict[str, dict[str, Any]] = {}
        self._downloads = itertools.count(1)

    def add(self, filename: str, source: str, printer_id: str | None = None, size: int = 1_234_567) -> dict[str, Any]:
        file_id = str(uuid.uuid4())
        record: dict[str, Any] = {"id": file_id, "filename": filename, "source": source, "printer_id": printer_id,
                  "file_size": size, "checksum": uuid.uuid4().hex, "local_path": f"/data/printernizer/{filename}"}
        self.files[file_id] = record
        return record

    def get(self, file_id: str) -> dict[str, Any]:
        record = self.files.get(file_id)
        if record is None:
            raise StandInError(f"File {file_id} not found", 404, "FILE_NOT_FOUND", {"file_id": file_id})
        return record

    def by_checksum(self, checksum: str) -> dict[str, Any]:
        for record in self.files.values():
            if record["checksum"] == checksum:
                return record
        raise StandInError(f"Library file {checksum} not found", 404, "LIBRARY_ITEM_NOT_FOUND", {"checksum": checksum})

    def next_download_id(self) -> str:
        return f"dl-{next(self._downloads)}"


@dataclass
class StandInSettings:
    """Printernizer's feature flags and the settings usage statistics read."""

    features: dict[str, bool] = field(default_factory=lambda: {
        Feature.LIBRARY: True, Feature.LIBRARY_SEARCH: True, Feature.TIMELAPSE: True,
        Feature.AUTO_JOB_CREATION: True, Feature.GERMAN_COMPLIANCE: True, Feature.WATCH_FOLDERS: True,
        Feature.UPLOAD: True, Feature.WEBSOCKETS: True, Feature.SLICING: False, Feature.MQTT: False,
    })
    timezone: str = "Europe/Berlin"
    app_version: str = "2.42.0"

    def features_enabled(self) -> dict[str, bool]:
        """The gauge source a host passes to ``StatsClient``."""
        return dict(self.features)

    # Printernizer's ``PrinternizerSettings`` attribute names, so ``install(settings=...)`` reads them as there.
    @property
    def library_enabled(self) -> bool:
        return self.features.get(Feature.LIBRARY, False)

    @property
    def library_search_enabled(self) -> bool:
        return self.features.get(Feature.LIBRARY_SEARCH, False)

    @property
    def timelapse_enabled(self) -> bool:
        return self.features.get(Feature.TIMELAPSE, False)

    @property
    def job_creation_auto_create(self) -> bool:
        return self.features.get(Feature.AUTO_JOB_CREATION, False)

    @property
    def enable_german_compliance(self) -> bool:
        return self.features.get(Feature.GERMAN_COMPLIANCE, False)

    @property
    def watch_folders_enabled(self) -> bool:
        return self.features.get(Feature.WATCH_FOLDERS, False)

    @property
    def enable_upload(self) -> bool:
        return self.features.get(Feature.UPLOAD, False)

    @property
    def enable_websockets(self) -> bool:
        return self.features.get(Feature.WEBSOCKETS, False)

    @property
    def slicer_service_url(self) -> str:
        return "http://slicer:8080" if self.features.get(Feature.SLICING) else ""

    @property
    def mqtt_host(self) -> str:
        return "mqtt.local" if self.features.get(Feature.MQTT) else ""
