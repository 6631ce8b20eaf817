"""The client proves who it is (issue 13, item 2), end to end against the real receiver over HTTP (SQLite).

An installation's first batches carry its verifier key and register it; once one is accepted, batches carry
only their proof. A copy of the installation's id with another secret (what knowing the id gives) is refused
with the reason, which the client records as a final refusal, never as accepted. The deletion request proves
with the old id's secret after opting out. The secret appears nowhere the user can export or preview.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from printernizer_stats.host.sender import SenderConfig
from printernizer_stats.maintainers.server import ReceiverConfig, Storage, create_app, create_engine, migrate
from printernizer_stats.registry import PROOF, VERIFIER, default_registry, verifier_for
from tests.host.viewer.conftest import DAY, build_simulated_db, make_client
from tests.maintainers.server.live import serve_in_thread

NEXT_WEEK = DAY + timedelta(weeks=1)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Three simulated complete weeks since opting in (the viewer tests' installation)."""
    path = tmp_path / "stats.db"
    build_simulated_db(path)
    return path


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[tuple[str, Storage]]:
    engine = create_engine(f"sqlite:///{tmp_path / 'receiver.db'}")
    migrate(engine)
    storage = Storage(engine, default_registry())
    now = datetime.combine(NEXT_WEEK, datetime.min.time(), UTC)
    with serve_in_thread(create_app(ReceiverConfig(), storage=storage, now=lambda: now)) as url:
        yield url, storage
    storage.close()


def _credentials(payload: bytes) -> dict[str, str]:
    request = ExportMetricsServiceRequest.FromString(payload)
    return {kv.key: kv.value.string_value for kv in request.resource_metrics[0].resource.attributes
            if kv.key in (PROOF, VERIFIER)}


def _secret(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return str(conn.execute("SELECT value FROM settings WHERE key = 'installation_secret'").fetchone()[0])


def test_register_then_prove_and_a_copied_id_is_refused(db: Path, tmp_path: Path,
                                                       receiver: tuple[str, Storage]) -> None:
    url, storage = receiver
    sender = SenderConfig(endpoint=url)
    client = make_client(db, sender=sender)
    client.services.sending.collect()
    queued = {q.batch_id: q.payload for q in client.services.sending.outbox.queued()}
    secret = _secret(db)
    assert all(_credentials(p)[VERIFIER] == verifier_for(secret) for p in queued.values())
    assert [a["outcome"] for a in client.submit_now()["attempts"]] == ["accepted"] * 3
    # Someone who learnt the id (a pasted export) copies it with a secret of their own.
    forged_db = tmp_path / "forged.db"
    # Through SQLite's backup API: the file alone misses what still sits in its WAL (the sent batches, at times).
    with sqlite3.connect(db) as source, sqlite3.connect(forged_db) as copy:
        source.backup(copy)
    with sqlite3.connect(forged_db) as conn:
        conn.execute("UPDATE settings SET value = ? WHERE key = 'installation_secret'", ("ab" * 32,))
    forged = make_client(forged_db, sender=sender, today=NEXT_WEEK)
    forged_result = forged.submit_now()
    outcomes = [a["outcome"] for a in forged_result["attempts"]]
    assert outcomes and set(outcomes) == {"rejected"}  # final: recorded, not retried, never "accepted"
    assert all("does not prove this batch" in a["reason"] for a in forged_result["attempts"])
    assert forged.history()["queued"] == [] and forged.history()["entries"][-1]["outcome"] == "rejected"
    # The honest client's next week: the receiver has its verifier, the batch carries only the proof.
    later = make_client(db, sender=sender, today=NEXT_WEEK)
    later.services.sending.collect()
    [next_batch] = later.services.sending.outbox.queued()
    assert _credentials(next_batch.payload)[VERIFIER] == ""
    assert [a["outcome"] for a in later.submit_now()["attempts"]] == ["accepted"]
    with storage.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(storage.tables["daily_stats"])).scalar() == 4
    # Opting out with deletion: proved with the old id's secret, kept for it.
    later.opt_out(request_server_deletion=True)
    assert [a["outcome"] for a in later.submit_now()["attempts"]] == ["accepted"]
    with storage.engine.connect() as connection:
        for name in ("daily_stats", "installations", "verifiers"):
            assert connection.execute(sa.select(sa.func.count()).select_from(storage.tables[name])).scalar() == 0


def test_the_secret_is_never_exported_previewed_or_shown(db: Path) -> None:
    client = make_client(db)
    secret = _secret(db)
    shown = json.dumps([client.status(), client.local_summary(), client.preview(), client.history(),
                        client.usage_settings()], default=str)
    assert secret not in shown and verifier_for(secret) not in shown
    assert secret not in repr(client.consent())
