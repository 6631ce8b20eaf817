"""The analytics routes: token and session handling, parameters, exports, the public summary."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator

import pytest

from printernizer_stats.contract import validate_summary
from printernizer_stats.maintainers.analytics import SUMMARY_SCHEMA, AnalyticsConfig, create_maintainers_app
from printernizer_stats.maintainers.analytics._auth import SESSION_COOKIE, DashboardAuth
from printernizer_stats.maintainers.server import ReceiverConfig
from tests.maintainers.analytics.conftest import STANDARD, K, TestClient, now_after

TOKEN = "a-long-random-token-for-tests"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def client(standard_url: str) -> Iterator[TestClient]:
    app = create_maintainers_app(ReceiverConfig(db_url=standard_url, token=TOKEN), AnalyticsConfig(k=K),
                                 now=lambda: now_after(STANDARD))
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client


def test_api_needs_the_token(client: TestClient) -> None:
    """Without the bearer token (or a wrong one) the API answers 401 and shows nothing."""
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        answer = client.get("/v1/analytics", headers=headers)
        assert answer.status_code == 401 and answer.headers["www-authenticate"] == "Bearer"
        assert "figures" not in answer.text
    answer = client.get("/v1/analytics", headers=BEARER)
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    document = answer.json()
    assert document["k"] == K and document["window"] == {"first": "2026-01-05", "last": "2026-06-29"}
    assert set(document["figures"]) >= {"active_installations", "versions", "features", "error_types_by_version"}


def test_every_figure_row_carries_its_sample_size_and_intervals(client: TestClient) -> None:
    """Each published row has its installations (at least k); every share a Wilson interval around it."""
    document = client.get("/v1/analytics", headers=BEARER).json()
    shares = 0
    for figure in document["figures"].values():
        for row in figure["rows"]:
            assert row["installations"] >= K
            if row["share"] is not None:
                share = row["share"]
                assert share["low"] <= share["value"] <= share["high"] and share["trials"] >= K
                shares += 1
    assert shares > 1000


def test_k_can_be_raised_never_lowered(client: TestClient) -> None:
    """?k=20 drops more groups; ?k=3 is refused with 400; junk is refused too."""
    assert client.get("/v1/analytics?k=3", headers=BEARER).status_code == 400
    assert client.get("/v1/analytics?k=-1", headers=BEARER).status_code == 400
    for weeks in ("0", "105", "9999", "x"):
        assert client.get(f"/v1/analytics?weeks={weeks}", headers=BEARER).status_code == 400
    raised = client.get("/v1/analytics?k=20&weeks=4", headers=BEARER).json()
    assert raised["k"] == 20 and raised["window"]["first"] == "2026-06-08"
    assert all(row["installations"] >= 20 for f in raised["figures"].values() for row in f["rows"])


def test_figure_export_as_csv_and_json(client: TestClient) -> None:
    """One figure as JSON or as CSV with week, groups, sample size and interval columns; unknown names 404."""
    answer = client.get("/v1/analytics/figures/deployment_modes.csv", headers=BEARER)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert rows and set(rows[0]) >= {"week", "deployment_mode", "installations", "share", "share_low", "share_high"}
    assert all(int(row["installations"]) >= K for row in rows)
    assert client.get("/v1/analytics/figures/features", headers=BEARER).json()["name"] == "features"
    assert client.get("/v1/analytics/figures/nope", headers=BEARER).status_code == 404
    assert client.get("/v1/analytics/figures/features.csv").status_code == 401


def test_insights_as_json_and_text(client: TestClient) -> None:
    """The anomalies as JSON with a sentence each, or the same report the CLI prints."""
    found = client.get("/v1/analytics/insights", headers=BEARER).json()
    kinds = {a["kind"] for a in found["anomalies"]}
    assert {"installations_drop", "version_error_rate", "new_error_type", "error_type_surge"} <= kinds
    assert all(a["message"].endswith(").") or a["message"].endswith(".") for a in found["anomalies"])
    text = client.get("/v1/analytics/insights?format=text", headers=BEARER)
    assert text.headers["content-type"].startswith("text/plain") and "Anomalies (" in text.text


def test_browser_session_from_the_sign_in_form(client: TestClient) -> None:
    """Without a session the dashboard is the sign-in form (401); the right token sets an HttpOnly, Secure,
    SameSite=Strict cookie and redirects; the cookie then opens the page and the API; sign-out ends it."""
    page = client.get("/dashboard")
    assert page.status_code == 401 and 'name="token"' in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    wrong = client.post("/dashboard/login", data={"token": "nope"}, follow_redirects=False)
    assert wrong.status_code == 401 and "not right" in wrong.text and SESSION_COOKIE not in wrong.cookies
    signed = client.post("/dashboard/login", data={"token": TOKEN}, follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == "/dashboard"
    cookie = signed.headers["set-cookie"].lower()
    assert all(flag in cookie for flag in ("httponly", "secure", "samesite=strict", "path=/"))
    assert TOKEN not in signed.headers["set-cookie"]
    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 200 and "Anomalies" in dashboard.text and "<script" not in dashboard.text
    assert client.get("/v1/analytics/insights").status_code == 200
    client.post("/dashboard/logout", follow_redirects=False)
    assert client.get("/dashboard").status_code == 401


def test_wrong_guesses_are_slowed_but_never_lock_out_the_right_token(standard_url: str) -> None:
    """Issue 13, item 8: forty wrong tokens from one address (the form and the bearer header): past the
    burst each is answered after the penalty, with 429 on the form; the right token from the same address
    is still admitted at once."""
    app = create_maintainers_app(ReceiverConfig(db_url=standard_url, token=TOKEN, wrong_token_penalty_s=0.2),
                                 AnalyticsConfig(k=K), now=lambda: now_after(STANDARD))
    with TestClient(app, base_url="https://testserver") as client:
        for _ in range(10):
            assert client.post("/dashboard/login", data={"token": "guess"}, follow_redirects=False).status_code == 401
        start = time.monotonic()
        for _ in range(5):
            assert client.get("/v1/analytics", headers={"Authorization": "Bearer guess"}).status_code == 401
        slowed = client.post("/dashboard/login", data={"token": "guess"}, follow_redirects=False)
        assert time.monotonic() - start >= 6 * 0.2
        assert slowed.status_code == 429 and "answered slowly" in slowed.text
        start = time.monotonic()
        assert client.post("/dashboard/login", data={"token": TOKEN}, follow_redirects=False).status_code == 303
        assert client.get("/v1/analytics", headers=BEARER).status_code == 200
        assert time.monotonic() - start < 0.2 * 2 + 5  # no penalty (the figures themselves take a moment)


def test_sign_out_revokes_the_session(client: TestClient) -> None:
    """The cookie of a signed-out session no longer opens anything, even sent again by hand."""
    signed = client.post("/dashboard/login", data={"token": TOKEN}, follow_redirects=False)
    session = signed.cookies[SESSION_COOKIE]
    assert client.get("/v1/analytics/insights").status_code == 200
    client.post("/dashboard/logout", follow_redirects=False)
    client.cookies.set(SESSION_COOKIE, session)
    assert client.get("/v1/analytics/insights").status_code == 401
    assert client.get("/dashboard").status_code == 401


def test_the_ingest_token_does_not_open_the_analytics(standard_url: str) -> None:
    """With an analytics token, the clients' token opens only POST /v1/metrics, and the analytics token
    only the analytics."""
    analytics_token = "another-long-random-token-for-the-maintainers"
    app = create_maintainers_app(ReceiverConfig(db_url=standard_url, token=TOKEN, analytics_token=analytics_token,
                                                wrong_token_penalty_s=0),
                                 AnalyticsConfig(k=K), now=lambda: now_after(STANDARD))
    with TestClient(app, base_url="https://testserver") as client:
        assert client.get("/v1/analytics", headers=BEARER).status_code == 401
        assert client.post("/dashboard/login", data={"token": TOKEN}, follow_redirects=False).status_code == 401
        other = {"Authorization": f"Bearer {analytics_token}"}
        assert client.get("/v1/analytics", headers=other).status_code == 200
        ingest = client.post("/v1/metrics", content=b"", headers={**other, "Content-Type": "application/x-protobuf"})
        assert ingest.status_code == 401
        assert client.post("/v1/metrics", content=b"", headers={**BEARER, "Content-Type": "application/x-protobuf"}
                           ).status_code == 400  # past the token: an empty body


def test_sessions_expire_and_cannot_be_forged() -> None:
    """A session is valid until its expiry, only with the HMAC of the token that made it."""
    clock = [1_000_000.0]
    auth = DashboardAuth(TOKEN, session_seconds=60, clock=lambda: clock[0])
    session = auth.new_session()
    assert auth.session_valid(session)
    assert not DashboardAuth("another-token", clock=lambda: clock[0]).session_valid(session)
    expiry, session_id, signature = session.split(".")
    assert not auth.session_valid(f"{int(expiry) + 3600}.{session_id}.{signature}")
    assert not auth.session_valid("garbage") and not auth.session_valid("1.2.3")
    clock[0] += 61
    assert not auth.session_valid(session)


def test_summary_is_public_small_and_cacheable(client: TestClient) -> None:
    """GET /v1/summary needs no token, is a few KB of JSON with an ETag; If-None-Match gives 304."""
    answer = client.get("/v1/summary")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    assert answer.headers["cache-control"] == "public, max-age=3600"
    assert len(answer.content) < 8192
    summary = answer.json()
    assert summary["schema"] == SUMMARY_SCHEMA and summary["week"] == "2026-06-29" and summary["k"] == K
    assert summary["installations"] >= K
    assert {item["value"] for item in summary["deployment_modes"]} >= {"docker", "homeassistant"}
    for key in ("deployment_modes", "versions", "printer_types", "fleet_sizes", "features", "uptime_days"):
        assert all(item["installations"] >= K and item["low"] <= item["share"] <= item["high"]
                   for item in summary[key])
    assert "countries" not in summary and "error_types" not in json.dumps(summary)
    assert validate_summary(summary) == summary  # what the client keeps is all that was published
    again = client.get("/v1/summary", headers={"If-None-Match": answer.headers["etag"]})
    assert again.status_code == 304 and not again.content


def test_open_receiver_serves_analytics_without_a_token(standard_url: str) -> None:
    """With no token configured (tests, demos) the analytics are open like the receiver."""
    app = create_maintainers_app(ReceiverConfig(db_url=standard_url), AnalyticsConfig(k=K),
                                 now=lambda: now_after(STANDARD))
    with TestClient(app) as test_client:
        assert test_client.get("/v1/analytics/insights").status_code == 200
        assert test_client.get("/dashboard").status_code == 200
        assert "Sign out" not in test_client.get("/dashboard").text


def test_receiver_still_receives(client: TestClient) -> None:
    """The composed app keeps the receiver's routes and guards (health, token on /v1/metrics)."""
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.post("/v1/metrics", content=b"x", headers={"Content-Type": "application/x-protobuf"}
                       ).status_code == 401
