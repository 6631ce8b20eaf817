"""The privacy API defends itself (issue 13, item 5): DNS rebinding, another page's Origin, forms and simple requests.

Each attack is sent to the stand-in Printernizer, which answers CORS for any origin with credentials as
Printernizer does, so the host helps no one; the state on disk must be unchanged afterwards. The page's own
requests (same host, its custom header or a JSON body) and a link from another site still work.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from printernizer_stats.host.client import StatsClient
from printernizer_stats.host.viewer import CROSS_SITE, CUSTOM_HEADER, MOUNT_PREFIX, RequestPolicy
from printernizer_stats.host.viewer._guard import host_allowed, same_origin, split_host
from printernizer_stats_tools.standin.app import create_standin_app
from tests._asgi import call_app
from tests.host.viewer.conftest import DAY, SCRIPT, make_client

P = MOUNT_PREFIX
REBINDING = {"Host": "evil.example", "Sec-Fetch-Site": "same-origin", "Origin": "http://evil.example"}
"""A page on evil.example whose name now resolves to the user's machine: same-origin as far as the browser knows."""
CHANGES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", f"{P}/opt-in", {}), ("POST", f"{P}/rotate-id", {}),
    ("PUT", f"{P}/settings", {"json": {"retention_weeks": 1}}), ("POST", f"{P}/opt-out", {"json": {}}),
    ("DELETE", f"{P}/delete-all", {}), ("POST", f"{P}/submit", {}),
]


def _app(db: Path, **options: Any) -> Any:
    return create_standin_app(stats_db=db, stats_options={"environ": {}, "today": lambda: DAY, **options})


def _state(db: Path) -> tuple[Any, ...]:
    client = make_client(db)
    consent, settings = client.consent(), client.usage_settings()
    return consent.opted_in, consent.installation_id, settings["retention_weeks"], len(client.services.store.readings())


def test_a_rebinding_page_reads_nothing_and_changes_nothing(db: Path) -> None:
    """``Host: evil.example`` with ``Sec-Fetch-Site: same-origin``: status, export, the page and every change
    are refused with the reason, even with the custom header and a JSON body; nothing on disk changes."""
    before = _state(db)
    reads = call_app(_app(db), [("GET", f"{P}/status"), ("GET", f"{P}/export"), ("GET", f"{P}/local"),
                                ("GET", f"{P}/"), ("GET", f"{P}/history")], headers={**REBINDING, **SCRIPT})
    changes = call_app(_app(db), CHANGES, headers={**REBINDING, **SCRIPT})
    for response in reads + changes:
        assert response.status_code == 403, (response.request.url, response.text)
        assert "host name Printernizer does not know (evil.example)" in response.json()["message"]
        assert "installation_id" not in response.text and "weeks" not in response.text
    assert _state(db) == before


def test_another_pages_origin_is_refused_without_sec_fetch_site(db: Path) -> None:
    """Older browsers send no ``Sec-Fetch-Site`` but do send ``Origin``: another page's Origin is refused for
    changes (also form-encoded, also with the custom header a permissive CORS preflight lets through) and for
    reads (the host's CORS would let that page read the answer)."""
    before = _state(db)
    evil = {"Origin": "https://evil.example"}
    responses = call_app(_app(db), [
        ("POST", f"{P}/opt-out", {"headers": evil, "data": {"request_server_deletion": "true"}}),
        ("POST", f"{P}/opt-in", {"headers": {**evil, **SCRIPT}}),
        ("PUT", f"{P}/settings", {"headers": evil, "json": {"retention_weeks": 1}}),
        ("GET", f"{P}/status", {"headers": evil}), ("GET", f"{P}/export", {"headers": evil}),
    ])
    assert [r.status_code for r in responses] == [403] * 5
    assert all("another web page (https://evil.example)" in r.json()["message"] for r in responses)
    assert _state(db) == before


def test_a_form_or_simple_request_cannot_change_anything(db: Path) -> None:
    """Without Origin or Sec-Fetch-Site (a privacy extension, an old browser): a form post (form-encoded or
    text/plain carrying JSON) or a bare POST is a simple request and changes nothing."""
    before = _state(db)
    responses = call_app(_app(db), [
        ("POST", f"{P}/opt-out", {"data": {"request_server_deletion": "true"}}),
        ("PUT", f"{P}/settings", {"content": b'{"retention_weeks": 1}', "headers": {"Content-Type": "text/plain"}}),
        ("POST", f"{P}/rotate-id"), ("DELETE", f"{P}/delete-all"),
        ("POST", f"{P}/opt-in", {"headers": {"Referer": "https://evil.example/page", CUSTOM_HEADER: "x"}}),
    ])
    assert [r.status_code for r in responses] == [403] * 5
    assert "no form or other web page can send" in responses[0].json()["message"]
    assert responses[-1].json()["message"] == CROSS_SITE
    assert _state(db) == before


def test_the_pages_own_requests_and_a_link_from_elsewhere_still_work(db: Path) -> None:
    """Under an address (Docker on the LAN) with the page's own Origin, or behind a TLS proxy (Origin https,
    Host without port): changes go through; another site may link to the page (a navigation), not fetch it."""
    lan = {"Host": "192.168.1.50:8000", "Origin": "http://192.168.1.50:8000", "Sec-Fetch-Site": "same-origin"}
    tls = {"Host": "printernizer.local", "Origin": "https://printernizer.local"}
    responses = call_app(_app(db), [
        ("PUT", f"{P}/settings", {"headers": lan, "json": {"retention_weeks": 52}}),
        ("POST", f"{P}/rotate-id", {"headers": {**tls, **SCRIPT}}),
        ("GET", f"{P}/", {"headers": {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate",
                                      "Referer": "https://forum.example/"}}),
        ("GET", f"{P}/status", {"headers": {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"}}),
    ])
    assert [r.status_code for r in responses] == [200, 200, 200, 403]
    assert "Your usage statistics" in responses[2].text


def test_configured_names_and_home_assistants_ingress_are_allowed(db: Path) -> None:
    """A public name is refused until configured (``install(allowed_hosts=)``, the environment, or the host's
    ``CORS_ORIGINS``); under ``HA_INGRESS=true`` the supervisor's proxy may forward any Host."""
    own = {"Host": "printernizer.example.org", "Origin": "https://printernizer.example.org"}
    status = [("GET", f"{P}/status", {"headers": own})]
    assert call_app(_app(db), status)[0].status_code == 403
    assert call_app(_app(db, allowed_hosts=["printernizer.example.org"]), status)[0].status_code == 200
    env = {"PRINTERNIZER_STATS_ALLOWED_HOSTS": " *.example.org , other.example"}
    assert call_app(_app(db, environ=env), status)[0].status_code == 200
    ingress = {"HA_INGRESS": "true"}
    forwarded = {"Host": "myhome.duckdns.org", "X-Ingress-Path": "/api/hassio_ingress/x"}
    ha = [("GET", f"{P}/status", {"headers": forwarded})]
    assert call_app(_app(db, environ=ingress), ha, client=("172.30.32.2", 40000))[0].status_code == 200
    assert call_app(_app(db, environ=ingress), ha, client=("192.168.1.20", 40000))[0].status_code == 403


@pytest.mark.parametrize(("host", "allowed"), [
    ("127.0.0.1:8000", True), ("[::1]:8000", True), ("192.168.1.50", True), ("localhost:8000", True),
    ("printernizer", True), ("printernizer.local", True), ("pi.home.arpa", True), ("app.localhost", True),
    ("evil.example", False), ("127.0.0.1.nip.io", False), ("localhost.evil.example", False), ("", False),
    ("printernizer.local.evil.example", False), ("a b", False),
])
def test_host_names_that_public_dns_can_answer_are_not_allowed_by_default(host: str, allowed: bool) -> None:
    assert host_allowed(split_host(host)[0], RequestPolicy()) is allowed


@pytest.mark.parametrize(("origin", "host", "same"), [
    ("http://printernizer.local:8000", "printernizer.local:8000", True),
    ("https://printernizer.local", "printernizer.local", True),
    ("https://printernizer.local", "printernizer.local:443", True),
    ("http://printernizer.local:8001", "printernizer.local:8000", False),
    ("http://printernizer.local", "printernizer.local:8000", False),
    ("null", "printernizer.local", False), ("file://", "printernizer.local", False),
    ("https://evil.example", "printernizer.local", False),
    ("https://printernizer.local.evil.example", "printernizer.local", False),
])
def test_origins_must_name_the_requested_host_exactly(origin: str, host: str, same: bool) -> None:
    assert same_origin(origin, host) is same


def test_the_client_as_a_script_still_works(client: StatsClient) -> None:
    """A script acting for the user (curl, the CLI) sends the custom header; a JSON body alone also does."""
    responses = call_app(_app(client.services.store.path), [
        ("POST", f"{P}/rotate-id", {"headers": SCRIPT}), ("POST", f"{P}/opt-out", {"json": {}}),
    ])
    assert [r.status_code for r in responses] == [200, 200]


def test_the_hosts_own_panel_posts_bare_from_the_same_origin(db: Path) -> None:
    """Printernizer's own settings panel POSTs opt-in/opt-out with no body and no header: a browser marks it
    ``Sec-Fetch-Site: same-origin`` with the page's Origin, which no other page can forge, so it works; the
    same bare POST from a browser that says neither (or says cross-site) changes nothing."""
    own = {"Host": "printernizer.local:8000", "Origin": "http://printernizer.local:8000",
           "Sec-Fetch-Site": "same-origin"}
    responses = call_app(_app(db), [
        ("POST", f"{P}/opt-out", {"headers": {k: v for k, v in own.items() if k != "Sec-Fetch-Site"}}),
        ("POST", f"{P}/opt-out", {"headers": {**own, "Sec-Fetch-Site": "cross-site"}}),
        ("POST", f"{P}/opt-out", {"headers": own}),
        ("DELETE", P, {"headers": own}),
    ])
    assert [r.status_code for r in responses] == [403, 403, 200, 200]
    assert make_client(db).consent().opted_in is False
