"""OTLP/HTTP bodies: decode a request (protobuf or JSON), encode the answer the spec prescribes.

Success is an ``ExportMetricsServiceResponse`` (with ``partial_success`` when points were rejected); every
error is a ``google.rpc.Status`` with the reason, encoded like the request (protobuf unless it was JSON).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.protobuf import json_format
from google.rpc import code_pb2, status_pb2
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from starlette.responses import Response

from printernizer_stats.contract import JSON, PROTOBUF
from printernizer_stats.maintainers.server._json_budget import JsonBudget, MalformedJson, OverBudget, load_json

MEDIA_TYPES = frozenset({PROTOBUF, JSON})
_RPC_CODES = {
    400: code_pb2.INVALID_ARGUMENT,
    401: code_pb2.UNAUTHENTICATED,
    408: code_pb2.DEADLINE_EXCEEDED,
    413: code_pb2.RESOURCE_EXHAUSTED,
    415: code_pb2.INVALID_ARGUMENT,
    429: code_pb2.RESOURCE_EXHAUSTED,
    503: code_pb2.UNAVAILABLE,
}


class DecodeError(ValueError):
    """The body is not an OTLP metrics request in the declared encoding (HTTP 400), or, ``status`` 413, a
    JSON body over its budget."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.status = status

    def __reduce__(self) -> tuple[type[DecodeError], tuple[str, int]]:
        return DecodeError, (str(self), self.status)  # raised in a worker process, re-raised here


def media_type(content_type: str | None) -> str:
    """``application/json; charset=utf-8`` -> ``application/json``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def decode_request(body: bytes, media: str, budget: JsonBudget | None = None) -> ExportMetricsServiceRequest:
    """Parse ``body`` (JSON within ``budget`` when given); raises DecodeError with a reason. Any parser
    failure means a malformed body."""
    request = ExportMetricsServiceRequest()
    try:
        if media == JSON:
            document: Any = load_json(body, budget) if budget is not None else body.decode("utf-8")
            # OTLP/JSON: receivers must ignore unknown fields; nothing unknown is ever stored anyway.
            if isinstance(document, str):
                json_format.Parse(document, request, ignore_unknown_fields=True)
            else:
                json_format.ParseDict(document, request, ignore_unknown_fields=True)
        else:
            request.ParseFromString(body)
    except OverBudget as exc:
        raise DecodeError(str(exc), 413) from None
    except MalformedJson as exc:
        raise DecodeError(str(exc)) from None
    except RecursionError:
        raise DecodeError("body is nested too deeply") from None
    except Exception as exc:
        kind = "OTLP JSON" if media == JSON else "OTLP protobuf"
        raise DecodeError(f"body is not a valid {kind} ExportMetricsServiceRequest ({type(exc).__name__})") from None
    return request


def _encode(message: ExportMetricsServiceResponse | status_pb2.Status, media: str) -> bytes:
    if media == JSON:
        return json_format.MessageToJson(message, indent=None).encode("utf-8")
    return message.SerializeToString()


def answer_media(media: str) -> str:
    return JSON if media == JSON else PROTOBUF


_FULL_SUCCESS = {media: _encode(ExportMetricsServiceResponse(), media) for media in MEDIA_TYPES}
"""The answer to nearly every request (nothing rejected), encoded once."""


def success_response(media: str, rejected: int, message: str, headers: Mapping[str, str]) -> Response:
    """HTTP 200 with an ExportMetricsServiceResponse; ``partial_success`` when ``rejected`` > 0."""
    media = answer_media(media)
    if not (rejected or message):
        return Response(_FULL_SUCCESS[media], 200, headers=dict(headers), media_type=media)
    answer = ExportMetricsServiceResponse()
    answer.partial_success.rejected_data_points = rejected
    answer.partial_success.error_message = message
    return Response(_encode(answer, media), 200, headers=dict(headers), media_type=media)


def status_response(status: int, reason: str, media: str, headers: Mapping[str, str] | None = None) -> Response:
    """An error answer: ``google.rpc.Status`` with the reason, encoded like the request."""
    body = status_pb2.Status(code=_RPC_CODES.get(status, code_pb2.UNKNOWN), message=reason)
    media = answer_media(media)
    return Response(_encode(body, media), status, headers=dict(headers or {}), media_type=media)
