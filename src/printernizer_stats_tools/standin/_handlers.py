"""What the stand-in's handlers share: emitting on the app's event bus, its state, a plain answer."""

from __future__ import annotations

from typing import Any

from fastapi import Request


async def emit(request: Request, event_type: str, data: dict[str, Any]) -> None:
    await request.app.state.event_service.emit_event(event_type, data)


def app_state(request: Request) -> Any:
    return request.app.state


async def ok_endpoint(request: Request) -> dict[str, Any]:
    """Read-only routes whose content does not matter here: echo what a real one would know."""
    return {"status": "ok", **request.path_params}
