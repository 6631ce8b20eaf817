"""What a person sees of a batch: the OTLP JSON decoded from the exact bytes that are (or were) sent.

Except the proof and the verifier key (registry ``_identity``): whoever read them off a pasted preview
could send or delete in the installation's name, so they are shown hidden (``protobuf_base64`` too);
``sha256`` and the sizes are those of the real bytes."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from google.protobuf import json_format
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from printernizer_stats.host.sender._batch import gzip_payload
from printernizer_stats.registry import PROOF, VERIFIER

HIDDEN = "hidden: 64 hex digits that prove the batch is yours"
CREDENTIALS = (PROOF, VERIFIER)


def _hidden(payload: bytes) -> ExportMetricsServiceRequest:
    request = ExportMetricsServiceRequest.FromString(payload)
    for resource_metrics in request.resource_metrics:
        for pair in resource_metrics.resource.attributes:
            if pair.key in CREDENTIALS and pair.value.string_value:
                pair.value.string_value = HIDDEN
    return request


def hide_credentials(payload: bytes) -> bytes:
    """``payload`` as the preview shows it: the proof and verifier replaced by :data:`HIDDEN`."""
    return _hidden(payload).SerializeToString(deterministic=True)


def otlp_json(payload: bytes) -> dict[str, Any]:
    """The request as OTLP/JSON (camelCase fields, 64-bit integers as strings, enums as integers).

    Decoded from ``payload`` itself, so it shows what the bytes say, not what we meant to put in them.
    """
    return json_format.MessageToDict(_hidden(payload), use_integers_for_enums=True)


def describe_payload(payload: bytes) -> dict[str, Any]:
    """Sizes, hash, decoded content and the raw bytes (base64) of one payload."""
    return {
        "sha256": hashlib.sha256(payload).hexdigest(),
        "size_bytes": len(payload),
        "gzip_size_bytes": len(gzip_payload(payload)),
        "otlp_json": otlp_json(payload),
        "protobuf_base64": base64.b64encode(hide_credentials(payload)).decode("ascii"),
    }
