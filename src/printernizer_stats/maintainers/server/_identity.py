"""Installations prove who they are (registry ``_identity``): the verifier keys and the check of each batch.

Trust on first use: the first batch of an installation id that reaches the receiver registers the verifier
key it carries; from then on every batch and the deletion request must carry a proof made with that key.
Knowing an installation id (from a pasted export, ``/status``) is then worth nothing. The check runs inside
the writer's transaction, under the installation's lock, so two first batches cannot both register.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Sequence
from datetime import date

import sqlalchemy as sa
import structlog
from sqlalchemy.engine import Connection, Engine

from printernizer_stats.contract import PROOF, VERIFIER
from printernizer_stats.maintainers.server._batch import ValidatedBatch
from printernizer_stats.maintainers.server._bulk import InQuery
from printernizer_stats.registry import proves

_log = structlog.get_logger(__name__)

UNREGISTERED = (f"resource attribute {VERIFIER!r}: empty, and the receiver holds no verifier for this installation "
                "yet (its first batch registers one)")
UNREGISTERED_WAIT_S = 5.0
"""Retry-After for a batch refused as ``UNREGISTERED``: behind a collector an installation's batches reach the
receiver in any order (merged requests, several at once, retries), so its first batch, with the key, may be
a request or a retry behind. A 400 would make the collector drop a batch it answered 200 for; a 429 keeps it
queued until the first batch has registered (the request's other batches are stored meanwhile)."""
OTHER_VERIFIER = f"resource attribute {VERIFIER!r}: is not the verifier this installation registered"
UNPROVEN = f"resource attribute {PROOF!r}: does not prove this batch (made without this installation's key)"


def identity_problem(registered: str | None, batch: ValidatedBatch) -> str | None:
    """Why ``batch`` does not prove it comes from its installation (``registered``: its stored key), or None."""
    sent = batch.installation.verifier
    if registered is not None and sent and not hmac.compare_digest(registered, sent):
        return OTHER_VERIFIER
    key = registered or sent
    if not key:
        return UNREGISTERED
    if not proves(key, batch.batch_id, batch.installation.proof):
        return UNPROVEN
    return None


def verifiers_query(engine: Engine, table: sa.Table) -> InQuery:
    """The verifiers of some installation ids (``registered_verifiers``), compiled once per count of ids."""
    return InQuery(engine, lambda ids: sa.select(table.c.installation_id, table.c.verifier).where(
        table.c.installation_id.in_(ids)))


def registered_verifiers(connection: Connection, query: InQuery, installation_ids: Iterable[str]) -> dict[str, str]:
    """Installation id -> its registered verifier, for those of ``installation_ids`` that have one
    (``query``: ``verifiers_query`` of the verifiers table), 500 ids a statement."""
    ids = sorted(set(installation_ids))
    found: dict[str, str] = {}
    for chunk in range(0, len(ids), 500):
        found.update(query.rows(connection, ids[chunk:chunk + 500]))
    return found


class Verifiers:
    """The keys known in one transaction: checks batches against them and registers first ones."""

    def __init__(self, connection: Connection, table: sa.Table, query: InQuery,
                 installation_ids: Sequence[str]) -> None:
        """``query``: ``verifiers_query`` of ``table``, built once by the owner (compiling is the cost)."""
        self._connection, self._table = connection, table
        self._known = registered_verifiers(connection, query, installation_ids)
        self._new: dict[str, str] = {}

    def check(self, batch: ValidatedBatch) -> str | None:
        """The reason ``batch`` is refused, or None (then a first batch's key is registered on ``flush``)."""
        installation_id = batch.installation.installation_id
        problem = identity_problem(self._known.get(installation_id), batch)
        if problem is not None:
            _log.warning("receiver.batch_unproven", reason=problem.split(": ", 1)[-1][:40])
        elif installation_id not in self._known:
            self._known[installation_id] = self._new[installation_id] = batch.installation.verifier
        return problem

    def flush(self, week: date) -> None:
        if self._new:
            rows = [{"installation_id": key, "verifier": value, "registered_week": week}
                    for key, value in self._new.items()]
            self._connection.execute(self._table.insert(), rows)
            self._new = {}
