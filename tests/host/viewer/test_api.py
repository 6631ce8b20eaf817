"""The privacy API over a real StatsClient and SQLite file: consent, export, preview, history, deletion, errors."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from printernizer_stats.host.client import StatsClient
from printernizer_stats.host.sender import SenderConfig
from printernizer_stats.host.viewer import CROSS_SITE, MOUNT_PREFIX
from tests.host.sender.receiver import FaultyReceiver
from tests.host.viewer.conftest import DAY, call_api, make_client, privacy_app

P = MOUNT_PREFIX


def _rows(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def test_status_reports_the_stored_consent(client: StatsClient) -> None:
    """The simulated installation opted in: status says so, with its id and the registry's consent version."""
    [response] = call_api(privacy_app(client), [("GET", f"{P}/status")])
    body = response.json()
    assert response.status_code == 200
    assert body["opted_in"] and body["collecting"] and not body["do_not_track"]
    assert body["installation_id"] == client.consent().installation_id
    assert body["registry_consent_version"] == client.registry.consent_version
    assert body["sending"]["endpoint_configured"] is False


def test_opt_out_then_opt_in_goes_through_the_api(client: StatsClient, db: Path) -> None:
    """Opt-out deletes the readings at once; opting in again gives a new id; both answer the new status."""
    old_id = client.consent().installation_id
    out, again = call_api(privacy_app(client), [("POST", f"{P}/opt-out"), ("POST", f"{P}/opt-in")])
    assert out.status_code == 200 and out.json()["status"]["opted_in"] is False
    assert "deleted" in out.json()["message"]
    assert _rows(db, "daily_readings") == 0
    assert again.status_code == 200 and again.json()["status"]["collecting"] is True
    assert again.json()["status"]["installation_id"] not in {None, old_id}
    client.stop()


def test_opt_out_can_queue_a_server_deletion(client: StatsClient) -> None:
    """``{"request_server_deletion": true}`` queues one deletion request and says so."""
    [response] = call_api(privacy_app(client), [("POST", f"{P}/opt-out", {"json": {"request_server_deletion": True}})])
    assert response.status_code == 200
    assert response.json()["status"]["deletion_request"] == "queued"
    assert "delete what the server holds" in response.json()["message"]
    assert [q["kind"] for q in client.history()["queued"]] == ["deletion"]


def test_server_deletion_can_be_asked_for_after_opting_out(client: StatsClient) -> None:
    """Opted out without it, the user can still ask later: one deletion request is queued, once."""
    out, first, again = call_api(privacy_app(client), [
        ("POST", f"{P}/opt-out"), ("POST", f"{P}/request-server-deletion"), ("POST", f"{P}/request-server-deletion"),
    ])
    assert out.json()["status"]["can_request_server_deletion"] is True
    assert first.status_code == again.status_code == 200
    assert first.json()["state"] == "queued" and first.json()["batch_id"] == again.json()["batch_id"]
    assert [q["kind"] for q in client.history()["queued"]] == ["deletion"]


def test_do_not_track_refuses_opt_in_with_the_reason(db: Path) -> None:
    """DO_NOT_TRACK=1: opt-in answers 403 naming the variable, and the consent stays as it was."""
    client = make_client(db, environ={"DO_NOT_TRACK": "1"})
    client.opt_out()
    [response] = call_api(privacy_app(client), [("POST", f"{P}/opt-in")])
    assert response.status_code == 403
    assert "DO_NOT_TRACK" in response.json()["detail"]
    assert client.consent().opted_in is False


def test_export_is_the_local_document_as_a_download(client: StatsClient) -> None:
    """``/export`` carries exactly ``/local``'s JSON, as an attachment named after the day."""
    local, export = call_api(privacy_app(client), [("GET", f"{P}/local"), ("GET", f"{P}/export")])
    assert local.status_code == export.status_code == 200
    assert json.loads(export.content) == local.json()
    assert export.headers["content-disposition"] == f'attachment; filename="printernizer-usage-stats-{DAY}.json"'
    body = local.json()
    assert len(body["weeks"]) == 4 and body["days"] and body["as_of_day"] == DAY.isoformat()
    assert body["consent"]["installation_id"] == client.consent().installation_id


def test_preview_is_the_exact_next_batch(client: StatsClient) -> None:
    """The API's preview is the client's: same batch, same hash, OTLP JSON included."""
    [response] = call_api(privacy_app(client), [("GET", f"{P}/preview")])
    expected = client.preview()
    body = response.json()
    assert response.status_code == 200 and body["state"] == "queued"
    assert body["sha256"] == expected["sha256"] and body["week"] == expected["week"]
    assert body["otlp_json"]["resourceMetrics"] and body["queued"] == 3


def test_submit_and_history_show_receipts_and_a_valid_chain(db: Path) -> None:
    """Sent through the API to a real receiver: history lists each batch with its receipt; the chain verifies."""
    with FaultyReceiver() as receiver:
        client = make_client(db, sender=SenderConfig(endpoint=receiver.url))
        submit, history = call_api(privacy_app(client), [("POST", f"{P}/submit"), ("GET", f"{P}/history")])
    assert submit.status_code == 200
    assert [a["outcome"] for a in submit.json()["attempts"]] == ["accepted"] * 3
    body = history.json()
    assert body["chain"]["valid"] is True and body["chain"]["entries"] == 3
    assert all(e["receipt"] == e["sha256"] for e in body["entries"])
    assert receiver.connections >= 1


def test_delete_all_on_both_paths_empties_the_db(db: Path) -> None:
    """``DELETE /delete-all`` and ``DELETE`` on the prefix (Printernizer's path) delete everything local."""
    for path in (f"{P}/delete-all", P):
        client = make_client(db)
        client.opt_in(start=False)
        client.preview()  # queue batches, so there is something in the outbox too
        [response] = call_api(privacy_app(client), [("DELETE", path)])
        assert response.status_code == 200, path
        assert response.json()["status"]["opted_in"] is False
        assert _rows(db, "daily_readings") == _rows(db, "weekly_readings") == 0
        assert client.history()["queued"] == [] and client.history()["entries"] == []


def test_bad_input_gets_422_with_reasons(client: StatsClient) -> None:
    """Non-boolean flags, unknown fields, out-of-range retention and empty settings are refused, nothing changes."""
    app = privacy_app(client)
    responses = call_api(app, [
        ("POST", f"{P}/opt-out", {"json": {"request_server_deletion": "yes"}}),
        ("POST", f"{P}/opt-out", {"json": {"request_server_delete": True}}),
        ("PUT", f"{P}/settings", {"json": {"retention_weeks": 0}}),
        ("PUT", f"{P}/settings", {"json": {"retention_weeks": "ten"}}),
        ("PUT", f"{P}/settings", {"json": {}}),
        ("DELETE", f"{P}/delete-all?request_server_deletion=maybe"),
    ])
    assert [r.status_code for r in responses] == [422] * 6
    assert "between 1 and 104" in responses[2].json()["detail"]
    assert "nothing to change" in json.dumps(responses[4].json()["detail"])
    assert client.consent().opted_in is True


def test_requests_that_do_not_fit_the_state_get_409(client: StatsClient) -> None:
    """No earlier id to delete, no receiver to send to: 409 with the reason."""
    deletion, submit = call_api(privacy_app(client), [
        ("POST", f"{P}/request-server-deletion"), ("POST", f"{P}/submit"),
    ])
    assert deletion.status_code == 409 and "opt out first" in deletion.json()["detail"]
    assert submit.status_code == 409 and "no endpoint" in submit.json()["detail"]


def test_settings_change_retention_and_rotation(client: StatsClient, db: Path) -> None:
    """A shorter retention deletes older days at once; rotation and a new id work through the API."""
    before, old_id = len(client.services.store.readings()), client.consent().installation_id
    put, rotate = call_api(privacy_app(client), [
        ("PUT", f"{P}/settings", {"json": {"retention_weeks": 1, "rotate_yearly": True}}),
        ("POST", f"{P}/rotate-id"),
    ])
    assert put.status_code == 200 and put.json()["retention_weeks"] == 1 and put.json()["rotate_yearly"] is True
    assert put.json()["next_rotation_day"] is not None
    kept = client.services.store.readings()
    assert 0 < len(kept) < before and min(r.day for r in kept).isocalendar().week >= DAY.isocalendar().week - 1
    assert rotate.status_code == 200 and rotate.json()["status"]["installation_id"] not in {None, old_id}
    assert make_client(db).usage_settings()["retention_weeks"] == 1


def test_cross_site_browser_requests_cannot_change_consent(db: Path) -> None:
    """A form on another site (Sec-Fetch-Site: cross-site) cannot opt the user in."""
    client = make_client(db)
    client.opt_out()
    [response] = call_api(privacy_app(client), [("POST", f"{P}/opt-in", {"headers": {"Sec-Fetch-Site": "cross-site"}})])
    assert response.status_code == 403 and response.json()["detail"] == CROSS_SITE
    assert client.consent().opted_in is False


def test_a_broken_db_answers_503_with_the_reason_never_500(tmp_path: Path) -> None:
    """With the DB path a directory, every route answers (503 where the DB is needed), none with 500."""
    broken = tmp_path / "stats.db"
    broken.mkdir()
    client = make_client(broken)
    app = privacy_app(client)
    paths = [(method.upper(), path) for path, operations in app.openapi()["paths"].items() for method in operations]
    paths.append(("GET", f"{P}/"))
    responses = call_api(app, [(method, path) for method, path in paths])
    codes = {f"{m} {p}": r.status_code for (m, p), r in zip(paths, responses, strict=True)}
    assert 500 not in codes.values(), codes
    assert codes[f"GET {P}/local"] == codes[f"GET {P}/preview"] == codes[f"POST {P}/opt-in"] == 503
    local = responses[paths.index(("GET", f"{P}/local"))]
    assert local.json()["detail"].startswith("usage statistics are unavailable: OperationalError")
    assert codes[f"GET {P}/"] == 200  # the page still renders, saying why
