"""The names on the wire between the client's sender and the receiver (docs/wire-format.md). Pure.

Both sides import them from here and from nowhere else: the path a batch is posted to, the headers and media
types, the resource attributes that identify and prove a batch, the batch kinds and the batch id. The proof
itself (``PROOF``, ``VERIFIER``, ``proof_for``, ``proves``) is defined in the registry's ``_identity`` and
re-exported by this package.
"""

from __future__ import annotations

import enum
import hashlib
import uuid
from datetime import date

from printernizer_stats.registry import PROOF, VERIFIER, week_label
from printernizer_stats.registry.names import ResourceField

METRICS_PATH = "/v1/metrics"
"""OTLP/HTTP: where a batch is POSTed (an endpoint without a path gets it appended)."""
SUMMARY_PATH = "/v1/summary"
"""The receiver's public community summary (``GET``), beside the metrics path."""

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
GZIP = "gzip"
"""The client's ``Content-Encoding`` (deterministic gzip, mtime 0); the receiver also takes ``identity``."""
USER_AGENT = "printernizer-stats"

BATCH_ID_HEADER = "X-Printernizer-Batch-Id"
"""The answer's header naming the batch stored (a lone batch only; a collector's answer has none)."""
RECEIPT_HEADER = "X-Printernizer-Receipt"
"""The answer's header with the SHA-256 hex of the canonical stored rows (same rule as the batch id)."""

INSTALLATION_ID = ResourceField.INSTALLATION_ID
BATCH_ID = ResourceField.BATCH_ID
REGISTRY_VERSION = ResourceField.REGISTRY_VERSION
IDENTITY_ATTRIBUTES = frozenset({INSTALLATION_ID, BATCH_ID, REGISTRY_VERSION, PROOF, VERIFIER})
"""Resource attributes that identify or prove a batch rather than describe the installation."""

DELETION_LABEL = "deletion"
"""The week label a deletion request's batch id is derived from."""
_BATCH_ID_NAME = "printernizer-stats:{installation_id}:{label}"


class BatchKind(enum.StrEnum):
    """What a batch is: one ISO week's values, or the installation's deletion request (one spelling on both
    sides: the client's outbox and sent log, the receiver's ``batches`` table)."""

    WEEKLY = "weekly"
    DELETION = "deletion"


_NAMESPACE = uuid.NAMESPACE_URL.bytes


def batch_id(installation_id: str, label: str) -> str:
    """``uuid5(NAMESPACE_URL, "printernizer-stats:{installation_id}:{label}")``: a resend keeps its id, and
    the id cannot be turned back into the installation id."""
    name = _BATCH_ID_NAME.format(installation_id=installation_id, label=label)
    # uuid.uuid5, without its two UUID objects (the receiver derives two ids per batch): SHA-1, version 5,
    # RFC 4122 variant, canonical text.
    digest = bytearray(hashlib.sha1(_NAMESPACE + name.encode("utf-8")).digest()[:16])  # noqa: S324 - uuid5's hash
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    text = digest.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def week_batch_id(installation_id: str, monday: date) -> str:
    """The id of the installation's batch of the ISO week starting ``monday`` (label ``2026-W47``)."""
    return batch_id(installation_id, week_label(monday))


def deletion_batch_id(installation_id: str) -> str:
    """The id of the installation's deletion request, also the key of the receiver's tombstone."""
    return batch_id(installation_id, DELETION_LABEL)
