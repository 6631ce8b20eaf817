"""Typed request and response bodies of the privacy API (they are its OpenAPI schema)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator


class Problem(BaseModel):
    """Why a request was refused (403, 409, 503); 422 answers carry FastAPI's list of field errors."""

    detail: str = Field(examples=["DO_NOT_TRACK is set: usage statistics stay off"])


class SendingStatus(BaseModel):
    endpoint_configured: bool = Field(description="Whether a receiver is configured; without one nothing is sent.")
    queued: list[str] | None = Field(description="Labels of batches waiting to be sent (None: outbox unreadable).")
    sent: int | None = Field(description="Batches in the sent log.")
    last_sent_day: date | None


class Consent(BaseModel):
    opted_in: bool
    collecting: bool = Field(description="Opted in under the current consent version, no DO_NOT_TRACK, DB usable.")
    do_not_track: bool
    consent_version: int = Field(description="The consent version the user agreed to (0: never).")
    consent_day: date | None
    installation_id: str | None = Field(description="The random id batches carry; None while opted out.")
    installation_day: date | None
    rotate_yearly: bool
    off_reason: str | None = Field(None, description="Why statistics are off although allowed (a broken DB).")


class Status(Consent):
    registry_consent_version: int = Field(description="The consent version this release asks for.")
    registry_version: int
    sending: SendingStatus
    can_request_server_deletion: bool = Field(description="Opted out with an earlier id the server may hold.")
    deletion_request: Literal["queued"] | None


class HistogramSeries(BaseModel):
    count: int = Field(description="Requests counted.")
    sum: float = Field(description="Their total duration in seconds.")


Metrics = dict[str, dict[str, HistogramSeries | float]]
"""metric -> series label (``event=completed``; ``total`` without attributes) -> value."""


class DayStats(BaseModel):
    day: date
    metrics: Metrics


class WeekStats(BaseModel):
    week: str = Field(examples=["2026-W47"])
    start: date
    metrics: Metrics


class SentSummary(BaseModel):
    seq: int
    batch_id: str
    week: str
    kind: Literal["weekly", "deletion"]
    sent_day: date
    attempts: int
    outcome: str = Field(description="accepted, rejected or abandoned.")
    status: int | None
    reason: str | None
    receipt: str | None = Field(description="The receiver's receipt (SHA-256 of what it stored).")
    server_batch_id: str | None
    sha256: str = Field(description="SHA-256 of the exact payload bytes sent.")
    size_bytes: int
    prev_hash: str
    entry_hash: str


class SentEntry(SentSummary):
    otlp_json: dict[str, Any] = Field(description="The payload decoded from the bytes that were sent (OTLP/JSON).")


class LocalStats(BaseModel):
    """Everything stored on this machine: consent, installation facts, days, weeks and the sent log."""

    consent: Consent
    installation: dict[str, str] = Field(description="Resource fields the next batch carries.")
    days_recorded: int
    first_day: date | None
    last_day: date | None
    days: list[DayStats] = Field(description="Recent days (older days are kept as weeks).")
    weeks: list[WeekStats]
    registry_version: int
    sending: SendingStatus
    sent: list[SentSummary]
    as_of_day: date


class Preview(BaseModel):
    """The next batch exactly as it will be sent, or why there is none."""

    state: Literal["empty", "queued", "in_progress"]
    batch_id: str | None
    week: str | None
    kind: str | None
    queued: int = Field(description="Batches waiting, this one included.")
    reason: str | None = None
    attempts: int | None = None
    sha256: str | None = None
    size_bytes: int | None = Field(None, description="Protobuf bytes before gzip.")
    gzip_size_bytes: int | None = Field(None, description="Bytes on the wire.")
    otlp_json: dict[str, Any] | None = None
    protobuf_base64: str | None = None


class Example(BaseModel):
    """What a weekly batch from this installation looks like: live facts and gauges, zero counts. Never sent."""

    week: str = Field(description="The ISO week the example describes (the current one).")
    installation_id: str = Field(description="A placeholder: a random id is drawn only when you opt in.")
    sha256: str
    size_bytes: int = Field(description="Protobuf bytes before gzip.")
    gzip_size_bytes: int = Field(description="Bytes it would take on the wire.")
    otlp_json: dict[str, Any]
    protobuf_base64: str


class ChainCheck(BaseModel):
    valid: bool
    entries: int
    head: str = Field(description="The last entry's hash: note it down to prove later that nothing before changed.")
    broken_at: int | None = None
    problem: str | None = None


class QueuedBatch(BaseModel):
    batch_id: str
    week: str
    kind: str
    state: str
    attempts: int
    last_error: str | None


class History(BaseModel):
    entries: list[SentEntry]
    chain: ChainCheck
    queued: list[QueuedBatch]


class Attempt(BaseModel):
    batch_id: str
    label: str
    outcome: str
    status: int | None = None
    reason: str | None = None
    retry_in_s: float | None = None


class SubmitResult(BaseModel):
    batched: list[str]
    attempts: list[Attempt]
    queued: int


class ActionResult(BaseModel):
    message: str
    already: bool = Field(default=False, description="Nothing changed: what was asked for was already the state.")
    status: Status


class DeletionRequest(BaseModel):
    batch_id: str
    state: Literal["queued", "already_sent"]
    message: str


class OptOutRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    request_server_deletion: StrictBool = Field(
        False, description="Also queue one request asking the receiver to delete what it holds for this id.",
    )


class UsageSettings(BaseModel):
    rotate_yearly: bool
    retention_weeks: int = Field(description="Weeks of statistics kept on this machine.")
    retention_weeks_min: int
    retention_weeks_max: int
    keep_daily_weeks: int = Field(description="Weeks kept day by day; older ones are kept as weekly totals.")
    installation_day: date | None
    next_rotation_day: date | None


class SettingsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rotate_yearly: StrictBool | None = None
    retention_weeks: StrictInt | None = None

    @model_validator(mode="after")
    def _something(self) -> SettingsUpdate:
        if self.rotate_yearly is None and self.retention_weeks is None:
            raise ValueError("nothing to change: give rotate_yearly and/or retention_weeks")
        return self


class CollectedItem(BaseModel):
    name: str
    description: str


class CollectedAttribute(CollectedItem):
    values: str


class CollectedMetric(CollectedItem):
    unit: str
    kind: str
    attributes: list[CollectedAttribute]


class Collected(BaseModel):
    """What may be collected (from the metric registry) and what never is."""

    registry_version: int
    consent_version: int
    installation: list[CollectedItem]
    metrics: list[CollectedMetric]
    never_collected: list[str]
