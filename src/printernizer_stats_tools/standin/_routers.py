"""The stand-in app's routers: Printernizer's route shapes, and handlers emitting Printernizer's events.

Each router is included under the prefix Printernizer uses (see ``standin_app``); paths, methods and
registration order follow Printernizer v2.42's ``src/api/routers/``. Payloads are as sensitive as the real
ones (printer names, IPs, file names, spool notes), which is the point: none of it may reach statistics.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from printernizer_stats.registry.names import PrinterType
from printernizer_stats_tools.standin._services import FileService, StandInError, StandInPrinter, now_iso

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


class UploadRequest(BaseModel):
    filenames: list[str]
    is_business: bool = False


async def _emit(request: Request, event_type: str, data: dict[str, Any]) -> None:
    await request.app.state.event_service.emit_event(event_type, data)


def _state(request: Request) -> Any:
    return request.app.state


async def ok_endpoint(request: Request) -> dict[str, Any]:
    """Read-only routes whose content does not matter here: echo what a real one would know."""
    return {"status": "ok", **request.path_params}


def printers_router() -> APIRouter:
    router = APIRouter()
    @router.get("")
    async def list_printers(request: Request) -> dict[str, Any]:
        return {"printers": [printer.public() for printer in _state(request).printer_service.printers.values()]}

    @router.post("", status_code=201)
    async def create_printer(body: PrinterCreate, request: Request) -> dict[str, Any]:
        return dict(_state(request).printer_service.add(body.name, body.printer_type, body.ip_address).public())

    @router.get("/{printer_id}")
    async def get_printer(printer_id: str, request: Request) -> dict[str, Any]:
        return dict(_state(request).printer_service.get(printer_id).public())

    router.add_api_route("/{printer_id}/status", ok_endpoint, methods=["GET"])

    @router.post("/{printer_id}/connect")
    async def connect(printer_id: str, request: Request) -> dict[str, Any]:
        await _state(request).printer_service.connect(printer_id, _state(request).event_service)
        return {"status": "connected", "printer_id": printer_id}

    @router.post("/{printer_id}/disconnect")
    async def disconnect(printer_id: str, request: Request) -> dict[str, Any]:
        printer: StandInPrinter = _state(request).printer_service.get(printer_id)
        printer.status = "offline"
        await _emit(request, "printer_disconnected", {"printer_id": printer_id, "name": printer.name,
                                                      "timestamp": now_iso()})
        return {"status": "disconnected"}

    for action, event_type in _PAUSE_EVENTS.items():
        async def control(printer_id: str, request: Request, event_type: str = event_type) -> dict[str, Any]:
            _state(request).printer_service.get(printer_id)
            await _emit(request, event_type, {"printer_id": printer_id, "timestamp": now_iso()})
            return {"status": event_type}

        router.add_api_route(f"/{{printer_id}}/{action}", control, methods=["POST"])
    router.add_api_route("/{printer_id}/files", ok_endpoint, methods=["GET"])

    @router.post("/{printer_id}/files/{filename}/download")
    async def download(printer_id: str, filename: str, request: Request) -> dict[str, Any]:
        _state(request).printer_service.get(printer_id)
        files: FileService = _state(request).file_service
        await _emit(request, "file_download_started", {"printer_id": printer_id, "filename": filename,
                                                       "destination": f"/data/printernizer/{filename}"})
        record = files.add(filename, "printer", printer_id)
        await _emit(request, "file_download_complete", {
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
        return {"jobs": list(_state(request).job_service.jobs.values())}

    @router.post("", status_code=201)
    async def create_job(body: JobCreate, request: Request) -> dict[str, Any]:
        _state(request).printer_service.get(body.printer_id)
        job: dict[str, Any] = _state(request).job_service.create(body.printer_id, body.job_name, body.is_business)
        await _emit(request, "job_created", {"job_id": job["id"], "printer_id": body.printer_id,
                                             "job_name": body.job_name, "is_business": body.is_business,
                                             "timestamp": job["created_at"]})
        return job

    @router.get("/{job_id}")
    async def get_job(job_id: str, request: Request) -> dict[str, Any]:
        return dict(_state(request).job_service.get(job_id))

    async def change_status(job_id: str, status: str, request: Request) -> dict[str, Any]:
        old = _state(request).job_service.set_status(job_id, status)
        await _emit(request, "job_status_changed", {
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


def files_router() -> APIRouter:
    router = APIRouter()

    @router.get("")
    async def list_files(request: Request) -> dict[str, Any]:
        return {"files": list(_state(request).file_service.files.values())}

    router.add_api_route("/downloads/{download_id}/progress", ok_endpoint, methods=["GET"])

    @router.get("/{file_id}")
    async def get_file(file_id: str, request: Request) -> dict[str, Any]:
        if file_id == "local":  # what Printernizer answers: /local below is never reached
            raise StandInError("File local not found", 404, "FILE_NOT_FOUND", {"file_id": file_id})
        return dict(_state(request).file_service.get(file_id))

    @router.post("/upload", status_code=201)
    async def upload(body: UploadRequest, request: Request) -> dict[str, Any]:
        files: FileService = _state(request).file_service
        await _emit(request, "file_upload_started", {"file_count": len(body.filenames),
                                                     "is_business": body.is_business})
        uploaded = []
        for filename in body.filenames:
            record = files.add(filename, "upload")
            uploaded.append(record)
            await _emit(request, "file_upload_complete", {"file_id": record["id"], "filename": filename,
                                                          "file_size": record["file_size"]})
            await _emit(request, "library_file_added", {"checksum": record["checksum"], "filename": filename,
                                                        "file_size": record["file_size"], "source_type": "upload"})
        return {"uploaded_files": uploaded}

    router.add_api_route("/{file_id}/thumbnail/animated", ok_endpoint, methods=["GET"])
    router.add_api_route("/local", ok_endpoint, methods=["GET"])  # shadowed by /{file_id}, as in Printernizer

    @router.delete("/{file_id}")
    async def delete_file(file_id: str, request: Request) -> dict[str, Any]:
        record = _state(request).file_service.files.pop(file_id, None)
        if record is None:
            raise StandInError(f"File {file_id} not found", 404, "FILE_NOT_FOUND", {"file_id": file_id})
        await _emit(request, "file_deleted", {"file_id": file_id, "filename": record["filename"],
                                              "source": record["source"]})
        return {"deleted": file_id}

    router.add_api_route("/{file_id}/compatibility/{printer_id}", ok_endpoint, methods=["GET"])
    return router


def library_router() -> APIRouter:
    router = APIRouter(prefix="/library")
    router.add_api_route("/files", ok_endpoint, methods=["GET"])
    router.add_api_route("/files/{checksum}/thumbnail", ok_endpoint, methods=["GET"])

    @router.delete("/files/{checksum}")
    async def delete_library_file(checksum: str, request: Request) -> dict[str, Any]:
        record = _state(request).file_service.by_checksum(checksum)
        await _emit(request, "library_file_deleted", {"checksum": checksum, "filename": record["filename"]})
        return {"deleted": checksum}

    return router


def materials_router() -> APIRouter:
    router = APIRouter(prefix="/materials")
    router.add_api_route("", ok_endpoint, methods=["GET"])

    @router.post("", status_code=201)
    async def create_material(body: dict[str, Any], request: Request) -> dict[str, Any]:
        spool = {"id": "spool-1", "material_type": "PLA", "vendor": "Prusament", "location": "Regal Keller",
                 "notes": "", **body}
        await _emit(request, "material_created", spool)
        return spool

    async def change_material(material_id: str, request: Request) -> dict[str, Any]:
        await _emit(request, "material_deleted" if request.method == "DELETE" else "material_updated",
                    {"material_id": material_id, "remaining_percentage": 12.0})
        return {"material_id": material_id}

    for method in ("PATCH", "DELETE"):
        router.add_api_route("/{material_id}", change_material, methods=[method], name=f"{method.lower()}_material")
    return router


def slicing_router() -> APIRouter:
    router = APIRouter()

    @router.post("/library/{checksum}/slice")
    async def slice_library_file(checksum: str, request: Request) -> dict[str, Any]:
        record = _state(request).file_service.by_checksum(checksum)
        job_id = f"slice-{checksum[:8]}"
        await _emit(request, "slicing_job.created", {"job_id": job_id})
        await _emit(request, "slicing_job.completed", {
            "job_id": job_id, "filename": record["filename"], "output_file": f"{record['local_path']}.gcode",
            "file_checksum": checksum, "profile_id": "0.2mm QUALITY", "printer_id": record["printer_id"]})
        return {"job_id": job_id, "status": "completed"}

    return router


async def _search(q: str = "", limit: int = 20) -> dict[str, Any]:
    return {"query": q, "results": [], "limit": limit}


def search_router() -> APIRouter:
    router = APIRouter()
    router.add_api_route("", _search, methods=["GET"])
    router.add_api_route("/suggestions", _search, methods=["GET"])
    return router
