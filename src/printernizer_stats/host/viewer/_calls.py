"""Calling the blocking backend from async handlers: a worker thread, and errors turned into answers.

The host must never see a 500 from its statistics: DO_NOT_TRACK is a 403, a request that does not fit the
state is a 409 (or 422 where the input is at fault), a broken DB is a 503 with the reason, and anything
unexpected is logged and answered 503 too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

import structlog
from fastapi import HTTPException, status
from pydantic import BaseModel, ValidationError

from printernizer_stats.host.viewer._backend import StatsBackend

_log = structlog.get_logger(__name__)

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
UNEXPECTED = "usage statistics failed unexpectedly; the details are in Printernizer's log"


async def call(backend: StatsBackend, fn: Callable[..., T], *args: Any, value_error: int = 409, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` in a worker thread; failures become HTTP errors with a reason."""
    try:
        return await asyncio.to_thread(fn, *args, **kwargs)
    except PermissionError as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from None
    except backend.unavailable_errors as exc:
        _log.warning("usage_stats.api_unavailable", reason=str(exc))
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"usage statistics are unavailable: {exc}") from None
    except ValueError as exc:
        raise HTTPException(value_error, str(exc)) from None
    except Exception as exc:
        _log.error("usage_stats.api_failed", error=type(exc).__name__)
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, UNEXPECTED) from None


def validated(model: type[M], data: Any) -> M:
    """``data`` as ``model``; a shape the backend should never produce is logged and answered 503."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        _log.error("usage_stats.api_unexpected_shape", model=model.__name__, errors=exc.error_count())
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, UNEXPECTED) from None
