"""The privacy API's JSON routes (mounted by the host under ``/api/v1/usage-stats``).

Paths Printernizer already uses keep their meaning (``local``, ``export``, ``opt-in``, ``opt-out``, ``status``
and ``DELETE`` on the prefix itself); the rest make the statistics inspectable and controllable.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request, status
from fastapi.responses import JSONResponse

from printernizer_stats.host.viewer._backend import StatsBackend
from printernizer_stats.host.viewer._calls import call, validated
from printernizer_stats.host.viewer._community import Community
from printernizer_stats.host.viewer._i18n import choose_language, translate
from printernizer_stats.host.viewer._models import (
    ActionResult,
    Collected,
    DeletionRequest,
    Example,
    History,
    LocalStats,
    OptOutRequest,
    Preview,
    Problem,
    SettingsUpdate,
    Status,
    SubmitResult,
    UsageSettings,
)
from printernizer_stats.registry import privacy_items

OPTED_IN = ("Usage statistics are on, thank you. A summary of each complete week is sent once that week is "
            "over; you can turn this off at any time.")
ALREADY_ON = ("Usage statistics were already on: nothing changed (same installation id, same consent day). "
              "Only “New id now” gives the installation a new id.")
OPTED_OUT = "Usage statistics are off. What was recorded on this machine and not yet sent has been deleted."
DELETION_QUEUED = "A request to delete what the server holds for your old id is queued."
DELETED_ALL = "Everything stored on this machine has been deleted, and usage statistics are off."
ROTATED = "Your installation has a new random id; nothing links it to the old one."
DELETION_SENT_LATER = "The deletion request is queued and goes out with the next sending round."
DELETION_ACCEPTED = "The server has already accepted this deletion request."


def request_language(request: Request) -> str:
    """The language of the answer's messages: ``?lang=``, else ``Accept-Language`` (the page sends its own)."""
    return choose_language(request.query_params.get("lang"), request.headers.get("accept-language"))


def say(language: str, *messages: str) -> str:
    """The messages in ``language``, as one text."""
    return " ".join(translate(language, message) for message in messages)

_REFUSED: dict[int | str, dict[str, Any]] = {
    status.HTTP_403_FORBIDDEN: {"model": Problem, "description": "DO_NOT_TRACK is set, or a cross-site request."},
    status.HTTP_409_CONFLICT: {"model": Problem, "description": "Not possible in the current state (says why)."},
}
_UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    status.HTTP_503_SERVICE_UNAVAILABLE: {"model": Problem, "description": "The statistics DB cannot be used now."},
}
_CHANGES: dict[str, Any] = {"responses": {**_REFUSED, **_UNAVAILABLE}}
_BODY_CHANGES: dict[str, Any] = {**_CHANGES, "responses": {**_CHANGES["responses"], status.HTTP_400_BAD_REQUEST: {
    "model": Problem, "description": "The body could not be read as JSON."}}}
_SETTINGS_CHANGES: dict[str, Any] = {**_BODY_CHANGES, "responses": {**_BODY_CHANGES["responses"], 422: {
    "description": "A field of the wrong type, unknown, or missing (FastAPI's list of field errors); or a value "
                   "out of range (Problem, says which).",
    "content": {"application/json": {"schema": {"anyOf": [{"$ref": "#/components/schemas/HTTPValidationError"},
                                                           {"$ref": "#/components/schemas/Problem"}]}}}}}}


def add_api_routes(router: APIRouter, backend: StatsBackend) -> None:
    """Add the JSON routes for ``backend`` to ``router``, in the order the OpenAPI document lists them."""
    add_local_routes(router, backend)
    add_outgoing_routes(router, backend)
    add_consent_routes(router, backend)
    add_control_routes(router, backend)


async def current_status(backend: StatsBackend) -> Status:
    return validated(Status, await call(backend, backend.status))


def add_local_routes(router: APIRouter, backend: StatsBackend) -> None:
    """What this machine holds: the status and the local statistics (as JSON or a download)."""

    @router.get("/status", name="usage_stats_status", response_model=Status, responses=_UNAVAILABLE,
                summary="Consent, DO_NOT_TRACK and sending status")
    async def get_status() -> Status:
        return await current_status(backend)

    @router.get("/local", name="usage_stats_local", response_model=LocalStats, responses=_UNAVAILABLE,
                summary="Everything stored on this machine")
    async def get_local() -> LocalStats:
        return validated(LocalStats, await call(backend, backend.local_summary, strict=True))

    @router.get("/export", name="usage_stats_export", response_model=LocalStats, responses=_UNAVAILABLE,
                summary="Everything stored on this machine, as a JSON file download",
                description="The same document as `GET /local`, with `Content-Disposition: attachment`.")
    async def get_export() -> JSONResponse:
        local = validated(LocalStats, await call(backend, backend.local_summary, strict=True))
        name = f"printernizer-usage-stats-{local.as_of_day.isoformat()}.json"
        return JSONResponse(local.model_dump(mode="json"),
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})


def add_outgoing_routes(router: APIRouter, backend: StatsBackend) -> None:
    """What leaves (or would leave) the machine: the registry's list, the next batch, an example, the history,
    and the community summary that comes back."""
    collected = Collected.model_validate(privacy_items(backend.registry))

    @router.get("/collected", name="usage_stats_collected", response_model=Collected,
                summary="What may be collected, and what never is (from the metric registry)")
    async def get_collected() -> Collected:
        return collected

    @router.get("/preview", name="usage_stats_preview", response_model=Preview, responses=_UNAVAILABLE,
                summary="The next batch exactly as it will be sent")
    async def get_preview() -> Preview:
        return validated(Preview, await call(backend, backend.preview))

    @router.get("/example", name="usage_stats_example", response_model=Example, responses=_UNAVAILABLE,
                summary="An example of the weekly batch, before opting in",
                description="Built from this installation's live facts (version, deployment, country, printers "
                            "by type, features) with every count zero and a placeholder id, through the same "
                            "filters and encoder as a real batch. Nothing is stored, nothing is sent.")
    async def get_example() -> Example:
        return validated(Example, await call(backend, backend.example_batch))

    @router.get("/history", name="usage_stats_history", response_model=History, responses=_UNAVAILABLE,
                summary="Every batch sent, with hashes, server receipts and the hash-chain check")
    async def get_history() -> History:
        return validated(History, await call(backend, backend.history))

    @router.get("/community", name="usage_stats_community", response_model=Community, responses=_UNAVAILABLE,
                summary="How your setup compares: the community summary beside your own figures",
                description="The receiver's public, k-anonymous summary as cached on this machine (fetched at most "
                            "once a day, only while opted in; nothing about the installation is sent to get it) "
                            "and this installation's own position, computed locally. Never opens a connection. "
                            "Not opted in, DO_NOT_TRACK or nothing fetched yet: `available` is false with a reason.")
    async def get_community() -> Community:
        return validated(Community, await call(backend, backend.community_summary))


def add_consent_routes(router: APIRouter, backend: StatsBackend) -> None:
    """Opting in and out, deleting everything, and asking the receiver to delete the old id's data."""

    @router.post("/opt-in", name="usage_stats_opt_in", response_model=ActionResult, summary="Opt in",
                 description="Starts collecting under a new random installation id. Already on, changes nothing "
                             "(`already` is true, the id and the consent day stay). 403 while DO_NOT_TRACK is set.",
                 **_CHANGES)
    async def opt_in(language: str = Depends(request_language)) -> ActionResult:
        before = await current_status(backend)
        await call(backend, backend.opt_in)
        after = await current_status(backend)
        unchanged = before.opted_in and (before.installation_id, before.consent_day, before.consent_version) == (
            after.installation_id, after.consent_day, after.consent_version)
        return ActionResult(message=say(language, ALREADY_ON if unchanged else OPTED_IN), already=unchanged,
                            status=after)

    @router.post("/opt-out", name="usage_stats_opt_out", response_model=ActionResult,
                 summary="Opt out: stop, and delete readings and queued batches", **_BODY_CHANGES)
    async def opt_out(request: OptOutRequest | None = Body(None),  # noqa: B008
                      language: str = Depends(request_language)) -> ActionResult:
        deletion = request is not None and request.request_server_deletion
        await call(backend, backend.opt_out, request_server_deletion=deletion)
        current = await current_status(backend)
        return ActionResult(message=say(language, OPTED_OUT, *([DELETION_QUEUED] if current.deletion_request else [])),
                            status=current)

    async def delete_all(request_server_deletion: bool = Query(
        False, description="Also queue one request asking the receiver to delete what it holds for this id.",
    ), language: str = Depends(request_language)) -> ActionResult:
        await call(backend, backend.delete_all, request_server_deletion=request_server_deletion)
        current = await current_status(backend)
        queued = [DELETION_QUEUED] if current.deletion_request else []
        return ActionResult(message=say(language, DELETED_ALL, *queued), status=current)

    router.add_api_route("/delete-all", delete_all, methods=["DELETE"], name="usage_stats_delete_all",
                         response_model=ActionResult, summary="Opt out and delete everything stored locally",
                         **_CHANGES)
    router.add_api_route("", delete_all, methods=["DELETE"], name="usage_stats_delete_prefix",
                         response_model=ActionResult, summary="Delete all (the path Printernizer used so far)",
                         **_CHANGES)

    @router.post("/request-server-deletion", name="usage_stats_request_server_deletion",
                 response_model=DeletionRequest, summary="Ask the receiver to delete the old id's data",
                 description="After opting out: queues one deletion request for the previous id (409 before).",
                 **_CHANGES)
    async def request_server_deletion(language: str = Depends(request_language)) -> DeletionRequest:
        queued = await call(backend, backend.request_server_deletion)
        message = say(language, DELETION_SENT_LATER if queued["state"] == "queued" else DELETION_ACCEPTED)
        return validated(DeletionRequest, {**queued, "message": message})


def add_control_routes(router: APIRouter, backend: StatsBackend) -> None:
    """Sending now, the settings (id rotation, local retention) and rotating the id."""

    @router.post("/submit", name="usage_stats_submit", response_model=SubmitResult,
                 summary="Send complete weeks now", description="409 when no receiver is configured.", **_CHANGES)
    async def submit() -> SubmitResult:
        return validated(SubmitResult, await call(backend, backend.submit_now))

    @router.get("/settings", name="usage_stats_settings", response_model=UsageSettings, responses=_UNAVAILABLE,
                summary="Id rotation and local retention")
    async def get_settings() -> UsageSettings:
        return validated(UsageSettings, await call(backend, backend.usage_settings))

    @router.put("/settings", name="usage_stats_update_settings", response_model=UsageSettings,
                summary="Change id rotation and local retention",
                description="A shorter retention deletes older statistics at once. Out of range: 422.",
                **_SETTINGS_CHANGES)
    async def put_settings(update: SettingsUpdate) -> UsageSettings:
        changed = await call(backend, backend.update_usage_settings, rotate_yearly=update.rotate_yearly,
                             retention_weeks=update.retention_weeks, value_error=422)
        return validated(UsageSettings, changed)

    @router.post("/rotate-id", name="usage_stats_rotate_id", response_model=ActionResult,
                 summary="Give the installation a new random id now", **_CHANGES)
    async def rotate_id(language: str = Depends(request_language)) -> ActionResult:
        await call(backend, backend.rotate_id)
        return ActionResult(message=say(language, ROTATED), status=await current_status(backend))
