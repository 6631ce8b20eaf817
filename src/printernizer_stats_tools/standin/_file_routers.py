"""The stand-in app's file, library, material, slicing and search routers (see ``_routers`` for the rest).

Uploads take JSON file names (no multipart); spool notes and file names are as sensitive as the real ones.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from printernizer_stats_tools.standin._handlers import app_state, emit, ok_endpoint
from printernizer_stats_tools.standin._services import FileService, StandInError


class UploadRequest(BaseModel):
    filenames: list[str]
    is_business: bool = False



def files_router() -> APIRouter:
    router = APIRouter()

    @router.get("")
    async def list_files(request: Request) -> dict[str, Any]:
        return {"files": list(app_state(request).file_service.files.values())}

    router.add_api_route("/downloads/{download_id}/progress", ok_endpoint, methods=["GET"])

    @router.get("/{file_id}")
    async def get_file(file_id: str, request: Request) -> dict[str, Any]:
        if file_id == "local":  # what Printernizer answers: /local below is never reached
            raise StandInError("File local not found", 404, "FILE_NOT_FOUND", {"file_id": file_id})
        return dict(app_state(request).file_service.get(file_id))

    @router.post("/upload", status_code=201)
    async def upload(body: UploadRequest, request: Request) -> dict[str, Any]:
        files: FileService = app_state(request).file_service
        await emit(request, "file_upload_started", {"file_count": len(body.filenames),
                                                     "is_business": body.is_business})
        uploaded = []
        for filename in body.filenames:
            record = files.add(filename, "upload")
            uploaded.append(record)
            await emit(request, "file_upload_complete", {"file_id": record["id"], "filename": filename,
                                                          "file_size": record["file_size"]})
            await emit(request, "library_file_added", {"checksum": record["checksum"], "filename": filename,
                                                        "file_size": record["file_size"], "source_type": "upload"})
        return {"uploaded_files": uploaded}

    router.add_api_route("/{file_id}/thumbnail/animated", ok_endpoint, methods=["GET"])
    router.add_api_route("/local", ok_endpoint, methods=["GET"])  # shadowed by /{file_id}, as in Printernizer

    @router.delete("/{file_id}")
    async def delete_file(file_id: str, request: Request) -> dict[str, Any]:
        record = app_state(request).file_service.files.pop(file_id, None)
        if record is None:
            raise StandInError(f"File {file_id} not found", 404, "FILE_NOT_FOUND", {"file_id": file_id})
        await emit(request, "file_deleted", {"file_id": file_id, "filename": record["filename"],
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
        record = app_state(request).file_service.by_checksum(checksum)
        await emit(request, "library_file_deleted", {"checksum": checksum, "filename": record["filename"]})
        return {"deleted": checksum}

    return router


def materials_router() -> APIRouter:
    router = APIRouter(prefix="/materials")
    router.add_api_route("", ok_endpoint, methods=["GET"])

    @router.post("", status_code=201)
    async def create_material(body: dict[str, Any], request: Request) -> dict[str, Any]:
        spool = {"id": "spool-1", "material_type": "PLA", "vendor": "Prusament", "location": "Regal Keller",
                 "notes": "", **body}
        await emit(request, "material_created", spool)
        return spool

    async def change_material(material_id: str, request: Request) -> dict[str, Any]:
        await emit(request, "material_deleted" if request.method == "DELETE" else "material_updated",
                    {"material_id": material_id, "remaining_percentage": 12.0})
        return {"material_id": material_id}

    for method in ("PATCH", "DELETE"):
        router.add_api_route("/{material_id}", change_material, methods=[method], name=f"{method.lower()}_material")
    return router


def slicing_router() -> APIRouter:
    router = APIRouter()

    @router.post("/library/{checksum}/slice")
    async def slice_library_file(checksum: str, request: Request) -> dict[str, Any]:
        record = app_state(request).file_service.by_checksum(checksum)
        job_id = f"slice-{checksum[:8]}"
        await emit(request, "slicing_job.created", {"job_id": job_id})
        await emit(request, "slicing_job.completed", {
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
