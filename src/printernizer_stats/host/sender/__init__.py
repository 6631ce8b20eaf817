"""The weekly anonymised batch, the persisted outbox and sent log, the OTLP/HTTP sender, and the cached
public community summary.

Imports only the contract, the registry and third-party libraries; ``client/`` wires it to the local store and consent.
"""

from printernizer_stats.host.sender._batch import (
    Batch,
    Identity,
    build_deletion_batch,
    build_week_batch,
    encode_batch,
    gzip_payload,
    wire_resource,
    wire_values,
)
from printernizer_stats.host.sender._community import (
    MAX_SUMMARY_BYTES,
    CachedSummary,
    CommunitySummary,
    SummaryTooLarge,
    UnexpectedStatus,
    summary_url,
)
from printernizer_stats.host.sender._config import (
    InsecureEndpointError,
    SenderConfig,
    is_loopback,
    metrics_url,
    sender_config,
)
from printernizer_stats.host.sender._db import OutboxUnavailable
from printernizer_stats.host.sender._example import EXAMPLE, EXAMPLE_INSTALLATION_ID, GaugeReadings, build_example_batch
from printernizer_stats.host.sender._outbox import Outbox, QueuedBatch
from printernizer_stats.host.sender._preview import HIDDEN, describe_payload, hide_credentials, otlp_json
from printernizer_stats.host.sender._retry import RETRYABLE_STATUS, RetryPolicy, is_retryable_status, parse_retry_after
from printernizer_stats.host.sender._scheduler import AsyncScheduler, ThreadScheduler, Tick
from printernizer_stats.host.sender._sender import HELD, Attempt, MaySend, Sender
from printernizer_stats.host.sender._sentlog import (
    ABANDONED,
    ACCEPTED,
    GENESIS,
    REJECTED,
    ChainCheck,
    SentEntry,
    verify_chain,
)
from printernizer_stats.host.sender._transport import Outcome, SendResult, Transport

__all__ = [
    "ABANDONED",
    "ACCEPTED",
    "EXAMPLE",
    "EXAMPLE_INSTALLATION_ID",
    "GENESIS",
    "HELD",
    "HIDDEN",
    "MAX_SUMMARY_BYTES",
    "REJECTED",
    "RETRYABLE_STATUS",
    "AsyncScheduler",
    "Attempt",
    "Batch",
    "CachedSummary",
    "ChainCheck",
    "CommunitySummary",
    "GaugeReadings",
    "Identity",
    "InsecureEndpointError",
    "MaySend",
    "Outbox",
    "OutboxUnavailable",
    "Outcome",
    "QueuedBatch",
    "RetryPolicy",
    "SendResult",
    "Sender",
    "SenderConfig",
    "SentEntry",
    "SummaryTooLarge",
    "ThreadScheduler",
    "Tick",
    "Transport",
    "UnexpectedStatus",
    "build_deletion_batch",
    "build_example_batch",
    "build_week_batch",
    "describe_payload",
    "encode_batch",
    "gzip_payload",
    "hide_credentials",
    "is_loopback",
    "is_retryable_status",
    "metrics_url",
    "otlp_json",
    "parse_retry_after",
    "sender_config",
    "summary_url",
    "verify_chain",
    "wire_resource",
    "wire_values",
]
