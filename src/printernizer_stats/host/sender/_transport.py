"""One HTTP attempt: POST a gzipped batch, classify the answer. No retry loop here (see ``_sender``).

The session and the request follow the host side's HTTP rules (``_http``: environment ignored, proxy and
CA only from :class:`SenderConfig`, no redirects, a capped answer). Reasons recorded are a status code or
an exception class name, never an exception message: those carry host names and proxy URLs.
"""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass

import requests
import structlog
from google.rpc import status_pb2
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceResponse

from printernizer_stats.contract import BATCH_ID_HEADER, GZIP, PROTOBUF, RECEIPT_HEADER, USER_AGENT
from printernizer_stats.host.sender._batch import gzip_payload
from printernizer_stats.host.sender._config import SenderConfig
from printernizer_stats.host.sender._http import CappedResponse, hardened_session, request_capped
from printernizer_stats.host.sender._retry import is_retryable_status, parse_retry_after

_log = structlog.get_logger(__name__)

MAX_RESPONSE_BYTES = 64 * 1024
_TOKEN_CHARS = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class Outcome(enum.Enum):
    ACCEPTED = "accepted"
    """2xx: the receiver has the batch (a resend of a stored batch id is also 2xx)."""
    RETRY = "retry"
    """Connection error, timeout, 408/425/429 or 5xx: send the same bytes again later."""
    REJECTED = "rejected"
    """Any other answer (400, 401, 413, a redirect...): final, recorded, not sent again."""


@dataclass(frozen=True, slots=True)
class SendResult:
    """The outcome of one attempt."""

    outcome: Outcome
    status: int | None
    reason: str
    retry_after_s: float | None = None
    receipt: str | None = None
    server_batch_id: str | None = None


def _header_token(value: str | None) -> str | None:
    """A receipt or id from a header, kept only if it looks like one (nothing else is stored)."""
    return value if value is not None and _TOKEN_CHARS.match(value) else None


def _partial_success(body: bytes, content_type: str) -> str | None:
    """``rejected_data_points`` of a protobuf ``ExportMetricsServiceResponse``, if the receiver refused some."""
    if not body or "protobuf" not in content_type:
        return None
    try:
        response = ExportMetricsServiceResponse.FromString(body)
    except Exception:  # a garbled success body does not make the batch undelivered
        return None
    rejected = response.partial_success.rejected_data_points
    return f"{rejected} data points rejected" if rejected else None


def _rejection_reason(body: bytes, content_type: str) -> str | None:
    """The receiver's short explanation of a rejection (OTLP's protobuf ``Status``, a JSON ``reason``/``detail``
    or plain text)."""
    text: object = None
    if "protobuf" in content_type:
        try:
            text = status_pb2.Status.FromString(body).message
        except Exception:  # a garbled answer: the status code is the reason then
            return None
    elif "json" in content_type:
        try:
            data = json.loads(body)
        except ValueError:
            return None
        if isinstance(data, dict):
            text = next((data[k] for k in ("reason", "detail", "error", "message") if k in data), None)
    elif content_type.startswith("text/plain"):
        text = body.decode("utf-8", "replace")
    if not isinstance(text, str):
        return None
    printable = "".join(ch for ch in text if ch.isprintable())
    return printable[:200] or None


class Transport:
    """Sends one payload to the configured endpoint. Build it only when sending is allowed."""

    def __init__(self, config: SenderConfig, session: requests.Session | None = None) -> None:
        self.url = config.url  # raises for a non-HTTPS endpoint before any connection exists
        self.timeout_s = config.timeout_s
        self.session = hardened_session(config, session)
        self.headers = {
            "Content-Type": PROTOBUF,
            "Content-Encoding": GZIP,
            "Accept": PROTOBUF,
            "User-Agent": USER_AGENT,
        }
        if config.token:
            self.headers["Authorization"] = f"Bearer {config.token}"

    def post(self, payload: bytes) -> SendResult:
        """One attempt. Never raises: every failure is a :class:`SendResult`."""
        try:
            response = request_capped(self.session, "POST", self.url, timeout_s=self.timeout_s,
                                      limit=MAX_RESPONSE_BYTES, data=gzip_payload(payload), headers=self.headers)
        except requests.RequestException as exc:
            return SendResult(Outcome.RETRY, None, type(exc).__name__)
        except Exception as exc:  # urllib3 errors escaping requests while reading the body
            return SendResult(Outcome.RETRY, None, type(exc).__name__)
        return self._classify(response)

    @staticmethod
    def _classify(response: CappedResponse) -> SendResult:
        status, body = response.status_code, response.body
        if 200 <= status < 300:
            partial = _partial_success(body, response.headers.get("Content-Type", ""))
            return SendResult(
                Outcome.ACCEPTED, status, partial or "ok",
                receipt=_header_token(response.headers.get(RECEIPT_HEADER)),
                server_batch_id=_header_token(response.headers.get(BATCH_ID_HEADER)),
            )
        if is_retryable_status(status):
            return SendResult(Outcome.RETRY, status, f"HTTP {status}",
                              retry_after_s=parse_retry_after(response.headers.get("Retry-After")))
        if 300 <= status < 400:
            return SendResult(Outcome.REJECTED, status, f"HTTP {status}: redirects are not followed")
        explanation = _rejection_reason(body, response.headers.get("Content-Type", ""))
        reason = f"HTTP {status}: {explanation}" if explanation else f"HTTP {status}"
        return SendResult(Outcome.REJECTED, status, reason)

    def close(self) -> None:
        self.session.close()
