"""SenderConfig: safe defaults, HTTPS only, precedence argument -> env -> default, OTLP path convention."""

from __future__ import annotations

from pathlib import Path

import pytest

from printernizer_stats.contract import CA_FILE_ENV, ENDPOINT_ENV, INGEST_TOKEN_ENV, PROXY_ENV
from printernizer_stats.host.sender import (
    InsecureEndpointError,
    SenderConfig,
    metrics_url,
    sender_config,
)


def test_default_sends_nothing() -> None:
    """No endpoint unless one is given: fail closed."""
    assert not SenderConfig().enabled
    assert not sender_config(environ={}).enabled


@pytest.mark.parametrize("endpoint", ["http://stats.example.org", "http://192.168.1.5:4318", "ftp://x.org",
                                      "http://10.0.0.1/v1/metrics"])
def test_plain_http_is_refused_with_a_clear_error(endpoint: str) -> None:
    """Only HTTPS leaves the machine."""
    with pytest.raises(InsecureEndpointError, match=r"(?i)https"):
        SenderConfig(endpoint=endpoint)


@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:4318", "http://localhost:9", "http://[::1]:80"])
def test_plain_http_to_loopback_is_allowed(endpoint: str) -> None:
    """Loopback stays on this machine: tests and the demo may use plain HTTP."""
    assert SenderConfig(endpoint=endpoint).enabled


def test_otlp_path_convention_and_no_credentials_in_url() -> None:
    """No path gets /v1/metrics; an explicit path is kept; user:password in the URL is refused."""
    assert metrics_url("https://stats.example.org") == "https://stats.example.org/v1/metrics"
    assert metrics_url("https://stats.example.org/") == "https://stats.example.org/v1/metrics"
    assert metrics_url("https://stats.example.org/otlp/v1/metrics") == "https://stats.example.org/otlp/v1/metrics"
    with pytest.raises(ValueError, match="token"):
        metrics_url("https://me:secret@stats.example.org")


def test_precedence_argument_then_env_then_default(tmp_path: Path) -> None:
    """Arguments win over our environment variables; those win over the defaults."""
    ca = tmp_path / "ca.pem"
    ca.write_text("not checked until a connection is made")
    env = {ENDPOINT_ENV: "https://env.example.org", INGEST_TOKEN_ENV: "env-token", CA_FILE_ENV: str(ca),
           PROXY_ENV: "http://proxy.lan:3128"}
    from_env = sender_config(environ=env)
    assert (from_env.endpoint, from_env.token, from_env.ca_file, from_env.proxy) == (
        "https://env.example.org", "env-token", str(ca), "http://proxy.lan:3128")
    explicit = sender_config("https://arg.example.org", token="arg-token", environ=env, timeout_s=3)
    assert (explicit.endpoint, explicit.token, explicit.ca_file, explicit.timeout_s) == (
        "https://arg.example.org", "arg-token", str(ca), 3)


def test_a_bad_env_value_warns_and_falls_back(captured_logs: list[dict[str, object]]) -> None:
    """A plain-HTTP endpoint in the environment is ignored with a warning (nothing is sent)."""
    config = sender_config(environ={ENDPOINT_ENV: "http://stats.example.org"})
    assert not config.enabled
    assert any(log["event"] == "usage_stats.sender_config_ignored" for log in captured_logs)


def test_bad_arguments_raise_naming_the_field() -> None:
    """Invalid numbers and proxies fail early, naming what is wrong."""
    with pytest.raises(ValueError, match="max_outbox_weeks"):
        SenderConfig(max_outbox_weeks=0)
    with pytest.raises(ValueError, match="timeout_s"):
        SenderConfig(timeout_s=0)
    with pytest.raises(ValueError, match="proxy"):
        SenderConfig(proxy="proxy.lan")
    with pytest.raises(ValueError, match="ca_file"):
        SenderConfig(ca_file="/nonexistent/ca.pem")


def test_the_token_never_shows_in_repr() -> None:
    """A config in a log line or traceback does not leak the token."""
    assert "s3cret" not in repr(SenderConfig(endpoint="https://x.org", token="s3cret"))
