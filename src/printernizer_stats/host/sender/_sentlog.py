"""The sent log: every batch that left the machine, with its bytes, the answer, and a hash chain.

Each entry's hash covers the previous entry's hash and everything recorded about the batch (the payload
through its SHA-256), so a user can check that nothing was removed, reordered or altered afterwards:

    entry_hash = sha256(json([prev_hash, batch_id, label, kind, sha256, sent_day, attempts, outcome,
                              status, reason, receipt, server_batch_id]))   # compact JSON, UTF-8

The first entry's ``prev_hash`` is 64 zeros. :func:`verify_chain` recomputes everything from the rows.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

GENESIS = "0" * 64
ACCEPTED = "accepted"
REJECTED = "rejected"
ABANDONED = "abandoned"
"""Sent at least once without a final answer, then dropped (outbox bound or opt-out): it may have arrived."""


@dataclass(frozen=True, slots=True)
class SentEntry:
    """One line of the sent log."""

    seq: int
    batch_id: str
    label: str
    kind: str
    payload: bytes
    sha256: str
    sent_day: date
    attempts: int
    outcome: str
    status: int | None
    reason: str | None
    receipt: str | None
    server_batch_id: str | None
    prev_hash: str
    entry_hash: str


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    canonical = [
        prev_hash, fields["batch_id"], fields["label"], fields["kind"], fields["sha256"],
        fields["sent_day"], fields["attempts"], fields["outcome"], fields["status"], fields["reason"],
        fields["receipt"], fields["server_batch_id"],
    ]
    return hashlib.sha256(json.dumps(canonical, separators=(",", ":")).encode("utf-8")).hexdigest()


_COLUMNS = ("seq, batch_id, label, kind, payload, sha256, sent_day, attempts, outcome, status, reason, receipt, "
            "server_batch_id, prev_hash, entry_hash")


def append(
    conn: sqlite3.Connection, *, batch_id: str, label: str, kind: str, payload: bytes, sent_day: date,
    attempts: int, outcome: str, status: int | None = None, reason: str | None = None,
    receipt: str | None = None, server_batch_id: str | None = None,
) -> str:
    """Append one entry inside the caller's transaction; returns its hash."""
    row = conn.execute("SELECT entry_hash FROM sent_log ORDER BY seq DESC LIMIT 1").fetchone()
    prev = row[0] if row else GENESIS
    fields: dict[str, Any] = {
        "batch_id": batch_id, "label": label, "kind": kind, "sha256": hashlib.sha256(payload).hexdigest(),
        "sent_day": sent_day.isoformat(), "attempts": attempts, "outcome": outcome, "status": status,
        "reason": reason, "receipt": receipt, "server_batch_id": server_batch_id,
    }
    digest = entry_hash(prev, fields)
    conn.execute(
        "INSERT INTO sent_log (batch_id, label, kind, payload, sha256, sent_day, attempts, outcome, status, "
        "reason, receipt, server_batch_id, prev_hash, entry_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (batch_id, label, kind, payload, fields["sha256"], fields["sent_day"], attempts, outcome, status, reason,
         receipt, server_batch_id, prev, digest),
    )
    return digest


def read(conn: sqlite3.Connection) -> list[SentEntry]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM sent_log ORDER BY seq").fetchall()  # noqa: S608 - constant
    return [
        SentEntry(seq, batch_id, label, kind, bytes(payload), sha, date.fromisoformat(day), attempts, outcome,
                  status, reason, receipt, server_batch_id, prev, digest)
        for (seq, batch_id, label, kind, payload, sha, day, attempts, outcome, status, reason, receipt,
             server_batch_id, prev, digest) in rows
    ]


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """The result of verifying the sent log."""

    valid: bool
    entries: int
    head: str
    """The last entry's hash (or 64 zeros): note it down, and a later check proves nothing before it changed."""
    broken_at: int | None = None
    problem: str | None = None


def verify_chain(entries: Iterable[SentEntry]) -> ChainCheck:
    """Recompute every payload hash and entry hash, and check each entry points at the one before."""
    prev, count = GENESIS, 0
    for entry in entries:
        count += 1
        fields = {
            "batch_id": entry.batch_id, "label": entry.label, "kind": entry.kind, "sha256": entry.sha256,
            "sent_day": entry.sent_day.isoformat(), "attempts": entry.attempts, "outcome": entry.outcome,
            "status": entry.status, "reason": entry.reason, "receipt": entry.receipt,
            "server_batch_id": entry.server_batch_id,
        }
        if hashlib.sha256(entry.payload).hexdigest() != entry.sha256:
            return ChainCheck(False, count, prev, entry.seq, "the stored bytes do not match their SHA-256")
        if entry.prev_hash != prev:
            return ChainCheck(False, count, prev, entry.seq, "does not point at the previous entry")
        if entry_hash(prev, fields) != entry.entry_hash:
            return ChainCheck(False, count, prev, entry.seq, "the entry was altered after it was written")
        prev = entry.entry_hash
    return ChainCheck(True, count, prev)
