"""Printernizer's exception handlers (``src/utils/errors.py``, ``src/main.py`` at ``be0da09``).

Every error leaves as ``{"status": "error", "message": ..., "error_code": ..., "details": ..., "timestamp": ...}``:
``PrinternizerError`` as it is, FastAPI's ``HTTPException`` (raised by routes, ours included) with its
``detail`` moved to ``message``, validation errors as ``VALIDATION_ERROR``, anything else as a generic 500.
Starlette's own 404/405 (no route) are not FastAPI ``HTTPException``s and keep ``{"detail": ...}``, as there.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from printernizer_stats_tools.standin._services import StandInError, now_iso


def _error(status_code: int, message: Any, error_code: str, details: dict[str, Any] | None = None) -> JSONResponse:
    return JSONResponse({"status": "error", "message": message, "error_code": error_code, "details": details or {},
                         "timestamp": now_iso()}, status_code=status_code)


async def printernizer_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StandInError)
    return JSONResponse(exc.to_dict(), status_code=exc.status_code)


async def http_exception(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return _error(exc.status_code, exc.detail, f"HTTP_{exc.status_code}")


async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"type": e.get("type"), "loc": e.get("loc"), "msg": e.get("msg")} for e in exc.errors()]
    return _error(422, "Request validation failed", "VALIDATION_ERROR", {"validation_errors": errors})


async def unhandled(_request: Request, _exc: Exception) -> JSONResponse:
    return _error(500, "An unexpected error occurred. Please try again later.", "INTERNAL_SERVER_ERROR")


def add_exception_handlers(app: FastAPI) -> None:
    """In Printernizer's order, after every route (as in ``create_application()``)."""
    app.add_exception_handler(StandInError, printernizer_error)
    app.add_exception_handler(HTTPException, http_exception)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, unhandled)
