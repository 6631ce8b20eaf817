"""What a person sees of a batch: the OTLP JSON decoded from the exact bytes that are (or were) sent."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from google.protobuf import json_format
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from printernizer_stats.sender._batch import gzip_payload


def otlp_json(payload: bytes) -> dict[str, Any]:
    """The request as OTLP/JSON (camelCase fields, 64-bit integers as strings, enums as integers).

    Decoded from ``payload`` itself, so it shows what the bytes say, not what we meant to put in them.
    """
    request = ExportMetricsServiceRequest.FromString(payload)
    return json_format.MessageToDict(request, use_integers_for_enums=True)


def describe_payload(payload: bytes) -> dict[str, Any]:
    """Sizes, hash, decoded content and the raw bytes (base64) of one payload."""
    return {
        "sha256": hashlib.sha256(payload).hexdigest(),
        "size_bytes": len(payload),
        "gzip_size_bytes": len(gzip_payload(payload)),
        "otlp_json": otlp_json(payload),
        "protobuf_base64": base64.b64encode(payload).decode("ascii"),
    }
