"""The shipped deploy files limit per client address where client addresses are seen (issue 13): nginx in
front of the collector (requests, connections, body size, read timeouts), and the receiver behind the
collector with its own limits on (sized for the community, as the collector's address is everyone's)."""

from __future__ import annotations

import argparse
import http.server
import os
import re
import shlex
import shutil
import socket
import ssl
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
import trustme
import yaml

from printernizer_stats.cli._serve import add_arguments, limit_settings
from printernizer_stats.maintainers.server import ReceiverConfig

CONFIG_DIR = Path(__file__).parents[3] / "collector-config"
TEMPLATE = CONFIG_DIR / "nginx" / "otlp.conf.template"


def _need_nginx() -> None:
    """Skip without Debian's nginx, or fail when CI asks for it (``.ci/services`` installs nginx-light)."""
    if shutil.which("nginx") is None:
        if os.environ.get("PRINTERNIZER_STATS_REQUIRE_NGINX") == "1":
            pytest.fail("nginx is not installed, and PRINTERNIZER_STATS_REQUIRE_NGINX=1")
        pytest.skip("nginx is not installed")


def _directives(text: str) -> list[list[str]]:
    """nginx directives as word lists (comments dropped); blocks open with their directive's words."""
    code = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    return [statement.split() for statement in re.split(r"[;{}]", code) if statement.strip()]


def _seconds(value: str) -> float:
    return float(value.removesuffix("s"))


def _bytes(value: str) -> int:
    return int(value[:-1]) * {"k": 1024, "m": 1024 * 1024}[value[-1].lower()] if value[-1].isalpha() else int(value)


def test_nginx_limits_every_client_address() -> None:
    directives = _directives(TEMPLATE.read_text())
    by_name = {words[0]: words[1:] for words in directives}
    zone = by_name["limit_req_zone"]
    assert zone[0] == "$binary_remote_addr" and zone[1] == "zone=otlp_requests:10m"
    assert re.fullmatch(r"rate=\d+r/m", zone[2])
    assert by_name["limit_conn_zone"][0] == "$binary_remote_addr"
    assert by_name["limit_req"][0] == "zone=otlp_requests" and by_name["limit_req"][1].startswith("burst=")
    assert by_name["limit_conn"][0] == "otlp_connections" and int(by_name["limit_conn"][1]) <= 64
    assert by_name["limit_req_status"] == ["429"] and by_name["limit_conn_status"] == ["429"]
    assert _bytes(by_name["client_max_body_size"][0]) <= 256 * 1024  # the collector's own limit
    for timeout in ("client_body_timeout", "client_header_timeout", "keepalive_timeout", "send_timeout"):
        assert _seconds(by_name[timeout][0]) <= 30, timeout
    # The limits apply to the one public path, which goes to the collector and nowhere else.
    location = TEMPLATE.read_text().split("location = /v1/metrics {", 1)[1].split("\n    }", 1)[0]
    assert "limit_req zone=otlp_requests" in location and "proxy_pass https://${COLLECTOR};" in location
    # No client address is logged or passed on.
    assert by_name["access_log"] == ["off"] and by_name["error_log"][-1] == "crit"
    assert ["proxy_set_header", "X-Forwarded-For", '""'] in directives


def test_compose_publishes_only_the_proxy() -> None:
    services = yaml.safe_load((CONFIG_DIR / "compose.yaml").read_text())["services"]
    assert set(services) == {"proxy", "collector", "receiver", "db"}
    assert [name for name, service in services.items() if "ports" in service] == ["proxy"]
    proxy = services["proxy"]
    assert "./nginx/otlp.conf.template:/etc/nginx/templates/default.conf.template:ro" in proxy["volumes"]
    assert proxy["environment"]["COLLECTOR"] == "collector:4318" and proxy["ports"] == ["443:443"]


def _serve_arguments(command: list[str]) -> ReceiverConfig:
    parser = argparse.ArgumentParser()
    add_arguments("serve", parser)
    serve = command.index("serve")
    args = parser.parse_args(command[serve + 1:])
    return ReceiverConfig(**limit_settings(args)).validate()


def _compose_receiver_command() -> list[str]:
    """The receiver's command as its shell runs it (the folded YAML, then ``sh -c``)."""
    command = yaml.safe_load((CONFIG_DIR / "compose.yaml").read_text())["services"]["receiver"]["command"]
    script = shlex.split(command)[2].replace("\\\n", " ")
    return shlex.split(script.split("&&", 1)[1])


def _systemd_receiver_command() -> list[str]:
    unit = (CONFIG_DIR / "systemd" / "printernizer-stats-receiver.service").read_text()
    return shlex.split(next(line for line in unit.splitlines() if line.startswith("ExecStart=")))


@pytest.mark.parametrize("command", [_compose_receiver_command, _systemd_receiver_command],
                         ids=["compose", "systemd"])
def test_the_receiver_behind_the_collector_keeps_its_own_limits(command: object) -> None:
    config = _serve_arguments(command())  # type: ignore[operator]
    assert config.address_limit_enabled
    assert config.batch_burst > 0 and config.batch_refill_per_hour > 0
    assert 0 < config.new_installation_burst < config.batch_burst
    assert config.new_installation_refill_per_hour > 0
    assert config.deletion_burst > 0 and config.installation_burst > 0


def test_the_systemd_collector_listens_behind_nginx() -> None:
    unit = (CONFIG_DIR / "systemd" / "otelcol-printernizer-stats.service").read_text()
    assert "OTLP_ENDPOINT=127.0.0.1:4318" in unit and "otlp.conf.template" in unit


def test_nginx_accepts_the_rendered_template(tmp_path: Path) -> None:
    """``nginx -t`` on the template as the nginx image renders it (envsubst of COLLECTOR and TLS_DIR)."""
    _need_nginx()
    ca = trustme.CA()
    certificate = ca.issue_cert("stats.example.org")
    certificate.private_key_pem.write_to_path(tmp_path / "privkey.pem")
    certificate.cert_chain_pems[0].write_to_path(tmp_path / "fullchain.pem")
    site = TEMPLATE.read_text().replace("${COLLECTOR}", "127.0.0.1:4318").replace("${TLS_DIR}", str(tmp_path))
    assert "${" not in site
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  client_body_temp_path {tmp_path}/body;\n  include {tmp_path}/site.conf;\n}}\n")
    checked = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                             capture_output=True, text=True, timeout=30, check=False)
    assert checked.returncode == 0, checked.stderr


class _Upstream(http.server.BaseHTTPRequestHandler):
    """Stands in for the collector behind nginx: every POST is accepted."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


def test_nginx_answers_429_past_the_burst_and_413_past_the_body_limit(tmp_path: Path) -> None:
    """The rendered template run for real: one address gets its burst, then 429s; a large body is 413."""
    _need_nginx()
    ca = trustme.CA()
    certificate = ca.issue_cert("127.0.0.1", "localhost")
    certificate.private_key_pem.write_to_path(tmp_path / "privkey.pem")
    certificate.cert_chain_pems[0].write_to_path(tmp_path / "fullchain.pem")
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    upstream.socket = context.wrap_socket(upstream.socket, server_side=True)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    site = (TEMPLATE.read_text().replace("${COLLECTOR}", f"127.0.0.1:{upstream.server_address[1]}")
            .replace("${TLS_DIR}", str(tmp_path)).replace("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;")
            .replace("listen [::]:443 ssl;", ""))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"daemon off;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  client_body_temp_path {tmp_path}/body;\n  proxy_temp_path {tmp_path}/proxy;\n"
        f"  include {tmp_path}/site.conf;\n}}\n")
    nginx = subprocess.Popen(["nginx", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        url = f"https://127.0.0.1:{port}/v1/metrics"
        with ca.cert_pem.tempfile() as ca_file, requests.Session() as session:
            for _ in range(100):
                try:
                    session.get(f"https://127.0.0.1:{port}/", verify=ca_file, timeout=2)
                    break
                except requests.ConnectionError:
                    time.sleep(0.05)
            too_large = session.post(url, data=b"x" * (65 * 1024), verify=ca_file, timeout=10).status_code
            answers = [session.post(url, data=b"x" * 100, verify=ca_file, timeout=10).status_code
                       for _ in range(30)]
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        upstream.shutdown()
    # burst=20 nodelay: the first request plus 20 in the burst pass; the rest of the 30 are refused.
    assert answers[:21] == [200] * 21
    assert set(answers[21:]) == {429}
    assert too_large == 413
