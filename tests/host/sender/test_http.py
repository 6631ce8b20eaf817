"""The host side's one HTTP helper: every request to the stats endpoint goes through it, over real sockets."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from printernizer_stats.host.sender import SenderConfig
from printernizer_stats.host.sender._http import hardened_session, request_capped

SRC = Path(__file__).parents[3] / "src" / "printernizer_stats"
BODY = b"x" * 10_000


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/body")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_the_answer_is_capped_and_redirects_are_not_followed(server: str) -> None:
    """At most ``limit`` bytes are read; a 302 is returned as it came, its target never requested."""
    with hardened_session(SenderConfig(endpoint=server)) as session:
        capped = request_capped(session, "GET", f"{server}/body", timeout_s=2, limit=100)
        redirect = request_capped(session, "GET", f"{server}/redirect", timeout_s=2, limit=100)
    assert (capped.status_code, capped.body) == (200, BODY[:100])
    assert (redirect.status_code, redirect.headers["Location"]) == (302, "/body")


def test_the_session_ignores_the_environment_and_takes_the_configs_proxy_and_ca(tmp_path: Path) -> None:
    """trust_env off; verify and proxies are the config's (the CA file replaces the default store)."""
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    session = hardened_session(SenderConfig(ca_file=str(ca), proxy="http://proxy.lan:3128"))
    assert (session.trust_env, session.verify) == (False, str(ca))
    assert session.proxies == {"https": "http://proxy.lan:3128", "http": "http://proxy.lan:3128"}
    plain = hardened_session(SenderConfig())
    assert (plain.verify, plain.proxies) == (True, {})


def test_no_other_module_sets_up_http_on_its_own() -> None:
    """Sessions, ``trust_env`` and redirect handling appear only in ``sender/_http.py``: one place to harden."""
    pattern = re.compile(r"requests\.(Session\(|get\(|post\(|request\()|trust_env|allow_redirects")
    offenders = [str(path.relative_to(SRC)) for path in SRC.rglob("*.py")
                 if path.name != "_http.py" and pattern.search(path.read_text())]
    assert offenders == []
