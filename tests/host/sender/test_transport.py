"""One attempt over real sockets: headers, gzip, HTTPS via trustme, classification, nothing from the env."""

from __future__ import annotations

import gzip
import socket
from pathlib import Path

import pytest

from printernizer_stats.host.sender import Outcome, SenderConfig, Transport
from tests.host.sender.receiver import FaultyReceiver

PAYLOAD = b"\x0a\x00" + b"not really a request, the receiver does not mind" * 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_posts_gzipped_protobuf_with_bearer_token(receiver: FaultyReceiver) -> None:
    """OTLP/HTTP: POST /v1/metrics, protobuf, deterministic gzip, Authorization: Bearer; nothing else odd."""
    result = Transport(SenderConfig(endpoint=receiver.url, token="t0k")).post(PAYLOAD)
    assert result.outcome is Outcome.ACCEPTED and result.status == 200
    [request] = receiver.received
    assert request.path == "/v1/metrics"
    assert request.headers["Content-Type"] == "application/x-protobuf"
    assert request.headers["Content-Encoding"] == "gzip"
    assert request.headers["Authorization"] == "Bearer t0k"
    assert request.headers["User-Agent"] == "printernizer-stats"
    assert gzip.decompress(request.body) == PAYLOAD


def test_no_token_no_authorization_header(receiver: FaultyReceiver) -> None:
    """Without a token there is no Authorization header at all."""
    Transport(SenderConfig(endpoint=receiver.url)).post(PAYLOAD)
    assert "Authorization" not in receiver.received[0].headers


def test_success_records_the_receipt_headers(receiver: FaultyReceiver) -> None:
    """X-Printernizer-Receipt and X-Printernizer-Batch-Id come back in the result."""
    result = Transport(SenderConfig(endpoint=receiver.url)).post(PAYLOAD)
    assert result.receipt is not None and len(result.receipt) == 64


@pytest.mark.parametrize(("answer", "outcome", "retry_after"), [
    ("500", Outcome.RETRY, None),
    ("502", Outcome.RETRY, None),
    (("503", "42"), Outcome.RETRY, 42.0),
    (("429", "7"), Outcome.RETRY, 7.0),
    ("429", Outcome.RETRY, None),
    ("400", Outcome.REJECTED, None),
    ("401", Outcome.REJECTED, None),
    ("413", Outcome.REJECTED, None),
    ("307", Outcome.REJECTED, None),
])
def test_answers_are_classified(
    receiver: FaultyReceiver, answer: str | tuple[str, str], outcome: Outcome, retry_after: float | None,
) -> None:
    """Transient answers retry (with the server's Retry-After); other answers are final."""
    receiver.answer(answer)
    result = Transport(SenderConfig(endpoint=receiver.url)).post(PAYLOAD)
    assert (result.outcome, result.retry_after_s) == (outcome, retry_after)
    assert result.status == int(answer if isinstance(answer, str) else answer[0])


def test_a_rejection_keeps_the_receivers_reason(receiver: FaultyReceiver) -> None:
    """The 400's JSON reason is recorded, so the user sees why."""
    receiver.answer(("400", "unknown metric printernizer.secret"))
    result = Transport(SenderConfig(endpoint=receiver.url)).post(PAYLOAD)
    assert result.reason == "HTTP 400: unknown metric printernizer.secret"


def test_a_hanging_receiver_times_out_and_is_retried(receiver: FaultyReceiver) -> None:
    """No answer within the timeout: retry later, reason is the exception class only."""
    receiver.answer(("hang", "1.5"))
    result = Transport(SenderConfig(endpoint=receiver.url, timeout_s=0.3)).post(PAYLOAD)
    assert (result.outcome, result.reason) == (Outcome.RETRY, "ReadTimeout")


def test_connection_refused_is_retried() -> None:
    """Nobody listening: retry later, and the reason names no host or port."""
    result = Transport(SenderConfig(endpoint=f"http://127.0.0.1:{_free_port()}")).post(PAYLOAD)
    assert (result.outcome, result.reason) == (Outcome.RETRY, "ConnectionError")


def test_https_with_the_configured_ca(tls_receiver: FaultyReceiver) -> None:
    """TLS to a certificate issued by the configured CA works, and the bytes arrive intact."""
    assert tls_receiver.ca_file is not None
    result = Transport(SenderConfig(endpoint=tls_receiver.url, ca_file=tls_receiver.ca_file)).post(PAYLOAD)
    assert result.outcome is Outcome.ACCEPTED
    assert gzip.decompress(tls_receiver.received[0].body) == PAYLOAD


def test_an_untrusted_certificate_is_not_accepted(tls_receiver: FaultyReceiver) -> None:
    """Without the CA the handshake fails: nothing is sent in the clear or to an unverified peer."""
    result = Transport(SenderConfig(endpoint=tls_receiver.url)).post(PAYLOAD)
    assert (result.outcome, result.reason) == (Outcome.RETRY, "SSLError")
    assert tls_receiver.received == []


def test_environment_proxy_and_ca_settings_are_ignored(
    tls_receiver: FaultyReceiver, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    """HTTPS_PROXY and REQUESTS_CA_BUNDLE in the environment change nothing: only the config counts."""
    dead_proxy = f"http://127.0.0.1:{_free_port()}"
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, dead_proxy)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls_receiver.ca_file))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(tls_receiver.ca_file))
    # The env CA would make this work if it were read; it is not.
    untrusted = Transport(SenderConfig(endpoint=tls_receiver.url)).post(PAYLOAD)
    assert untrusted.reason == "SSLError"
    # The env proxy is dead; a direct connection with the configured CA still works.
    direct = Transport(SenderConfig(endpoint=tls_receiver.url, ca_file=tls_receiver.ca_file)).post(PAYLOAD)
    assert direct.outcome is Outcome.ACCEPTED


def test_a_configured_proxy_is_used(receiver: FaultyReceiver) -> None:
    """An explicit proxy is where the connection goes (a dead one fails without touching the receiver)."""
    config = SenderConfig(endpoint=receiver.url, proxy=f"http://127.0.0.1:{_free_port()}")
    result = Transport(config).post(PAYLOAD)
    assert (result.outcome, result.reason) == (Outcome.RETRY, "ProxyError")
    assert receiver.connections == 0


def test_plain_http_is_refused_before_any_connection() -> None:
    """A non-loopback http:// endpoint never gets as far as a transport."""
    with pytest.raises(ValueError, match="HTTPS"):
        Transport(SenderConfig(endpoint="http://stats.example.org"))
