"""The stand-in app's printer and job routers: Printernizer's route shapes, handlers emitting its events.

Each router is included under the prefix Printernizer uses (see ``_api``); paths, methods and registration
order follow Printernizer v2.42's ``src/api/routers/``. Payloads are as sensitive as the real ones (printer
names, IPs, file names), which is the point: none of it may reach statistics. Files, the library, materials,
slicing and search are in ``_file_routers``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from printernizer_stats.registry.names import PrinterType
from printernizer_stats_tools.standin._handlers import app_state, emit, ok_endpoint
from printernizer_stats_tools.standin._services import FileService, StandInPrinter, now_iso

_PAUSE_EVENTS = {"pause": "print_paused", "resume": "print_resumed", "stop": "print_stopped"}


class PrinterCreate(BaseModel):
    name: str
    printer_type: str = PrinterType.BAMBU_LAB
    ip_address: str = ""


class JobCreate(BaseModel):
    printer_id: str
    job_name: str
    is_business: bool = False


class StatusUpdate(BaseModel):
    status: str


def printers_router() -> APIRouter:
    router = APIRouter()
    @router.get("")
    async def list_printers(request: Request) -> dict[str, Any]:
        return {"printers": [printer.public() for printer in app_state(request).printer_service.printers.values()]}

    @router.post("", status_code=201)
    async def create_printer(body: PrinterCreate, request: Request) -> dict[str, Any]:
        return dict(app_state(request).printer_service.add(body.name, body.printer_type, body.ip_address).public())

    @router.get("/{printer_id}")
    async def get_printer(printer_id: str, request: Request) -> dict[str, Any]:
        return dict(app_state(request).printer_service.get(printer_id).public())

    router.add_api_route("/{printer_id}/status", ok_endpoint, methods=["GET"])

    @router.post("/{printer_id}/connect")
    async def connect(printer_id: str, request: Request) -> dict[str, Any]:
        await app_state(request).printer_service.connect(printer_id, app_state(request).event_service)
        return {"status": "connected", "printer_id": printer_id}

    @router.post("/{printer_id}/disconnect")
    async def disconnect(printer_id: str, request: Request) -> dict[str, Any]:
        printer: StandInPrinter = app_state(request).printer_service.get(printer_id)
        printer.status = "offline"
        await emit(request, "printer_disconnected", {"printer_id": printer_id, "name": printer.name,
                                                      "timestamp": now_iso()})
        return {"status": "disconnected"}

    for action, event_type in _PAUSE_EVENTS.items():
        async def control(printer_id: str, request: Request, event_type: str = event_type) -> dict[str, Any]:
            app_state(request).printer_service.get(printer_id)
            await emit(request, event_type, {"printer_id": printer_id, "timestamp": now_iso()})
            return {"status": event_type}

        router.add_api_route(f"/{{printer_id}}/{action}", control, methods=["POST"])
    router.add_api_route("/{printer_id}/files", ok_endpoint, methods=["GET"])

    @router.post("/{printer_id}/files/{filename}/download")
    async def download(printer_id: str, filename: str, request: Request) -> dict[str, Any]:
        app_state(request).printer_service.get(printer_id)
        files: FileService = app_state(request).file_service
        await emit(request, "file_download_started", {"printer_id": printer_id, "filename": filename,
                                                       "destination": f"/data/printernizer/{filename}"})
        record = files.add(filename, "printer", printer_id)
        await emit(request, "file_download_complete", {
            "printer_id": printer_id, "filename": filename, "file_id": record["id"],
            "local_path": record["local_path"], "file_size": record["file_size"]})
        return {"status": "downloaded", "filename": filename}

    return router


def camera_router() -> APIRouter:
    router = APIRouter()
    router.add_api_route("/{printer_id}/camera/stream", ok_endpoint, methods=["GET"])
    router.add_api_route("/snapshots/{snapshot_id}/download", ok_endpoint, methods=["GET"])
    return router


def jobs_router() -> APIRouter:
    router = APIRouter()
    @router.get("")
    async def list_jobs(request: Request) -> dict[str, Any]:
        return {"jobs": list(app_state(request).job_service.jobs.values())}

    @router.post("", status_code=201)
    async def create_job(body: JobCreate, request: Request) -> dict[str, Any]:
        app_state(request).printer_service.get(body.printer_id)
        job: dict[str, Any] = app_state(request).job_service.create(body.printer_id, body.job_name, body.is_business)
        await emit(request, "job_created", {"job_id": job["id"], "printer_id": body.printer_id,
                                             "job_name": body.job_name, "is_business": body.is_business,
                                             "timestamp": job["created_at"]})
        return job

    @router.get("/{job_id}")
    async def get_job(job_id: str, request: Request) -> dict[str, Any]:
        return dict(app_state(request).job_service.get(job_id))

    async def change_status(job_id: str, status: str, request: Request) -> dict[str, Any]:
        old = app_state(request).job_service.set_status(job_id, status)
        await emit(request, "job_status_changed", {
            "job_id": job_id, "status": status, "old_status": old, "timestamp": now_iso(),
            "data": {"progress": 100 if status == "completed" else 0, "material_used": 12.5}})
        return {"job_id": job_id, "status": status, "old_status": old}

    @router.put("/{job_id}/status")
    async def update_status(job_id: str, body: StatusUpdate, request: Request) -> dict[str, Any]:
        return await change_status(job_id, body.status, request)

    @router.post("/{job_id}/cancel")
    async def cancel(job_id: str, request: Request) -> dict[str, Any]:
        return await change_status(job_id, "cancelled", request)

    return router
