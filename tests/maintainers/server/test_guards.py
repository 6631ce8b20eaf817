"""The ASGI guards, each around a tiny app that echoes the body it was given."""

from __future__ import annotations

import asyncio
import gzip
import time
import tracemalloc

import pytest
from google.rpc import status_pb2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from printernizer_stats.maintainers.server import (
    AddressRateLimitMiddleware,
    BearerTokenMiddleware,
    ContentTypeMiddleware,
    ReceiverConfig,
    RequestBodyMiddleware,
    Storage,
    TokenBuckets,
    create_app,
)
from tests.maintainers.server.asgi import AsgiDriver


async def _echo(request: Request) -> Response:
    return Response(await request.body(), headers={"x-encoding": request.headers.get("content-encoding", "")})


def _app() -> Starlette:
    return Starlette(routes=[Route("/v1/metrics", _echo, methods=["POST"]), Route("/other", _echo, methods=["POST"])])


def _reason(body: bytes) -> str:
    return status_pb2.Status.FromString(body).message


class TestRequestBodyMiddleware:
    def driver(self, max_bytes: int = 1000, max_inflated: int = 5000) -> AsgiDriver:
        return AsgiDriver(RequestBodyMiddleware(_app(), max_bytes=max_bytes, max_inflated_bytes=max_inflated))

    def test_gzip_is_inflated_for_the_app(self) -> None:
        """The app receives the inflated bytes, without the Content-Encoding header."""
        answer = self.driver().post(gzip.compress(b"x" * 3000), gzip=True)
        assert answer.status == 200 and answer.body == b"x" * 3000 and answer.headers["x-encoding"] == ""

    def test_declared_length_over_the_limit_is_refused_unread(self) -> None:
        """A Content-Length over the limit is a 413 before any byte is read."""
        answer = self.driver().request("POST", "/v1/metrics", b"", {"content-length": "10000000",
                                                                     "content-type": "application/x-protobuf"})
        assert answer.status == 413 and "larger than 1000 bytes" in _reason(answer.body)

    def test_streamed_body_over_the_limit_is_refused(self) -> None:
        """A chunked body is counted while it arrives; past the limit it is a 413."""
        answer = self.driver().request("POST", "/v1/metrics", b"y" * 5000, {"content-type": "application/json"},
                                       chunk=512)
        assert answer.status == 413 and answer.headers["content-type"] == "application/json"

    def test_gzip_bomb_is_refused_without_inflating_it(self) -> None:
        """10 MB of zeros in 10 KB of gzip is refused with 413, using far less memory than 10 MB."""
        bomb = gzip.compress(bytes(10_000_000))
        driver = self.driver(max_bytes=len(bomb) + 1, max_inflated=100_000)
        tracemalloc.start()
        answer = driver.post(bomb, gzip=True)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert answer.status == 413 and "inflates to more than 100000 bytes" in _reason(answer.body)
        assert peak < 2_000_000

    @pytest.mark.parametrize(("body", "reason"), [
        (b"not gzip at all", "not valid gzip"),
        (gzip.compress(b"x" * 100)[:-10], "truncated"),
        (gzip.compress(b"x") + b"trailing", "after the end"),
    ])
    def test_broken_gzip_is_a_400(self, body: bytes, reason: str) -> None:
        """Corrupt, truncated or trailing-data gzip bodies are malformed."""
        answer = self.driver().post(body, gzip=True)
        assert answer.status == 400 and reason in _reason(answer.body)

    @pytest.mark.parametrize("encoding", ["br", "deflate", "gzip, gzip"])
    def test_other_encodings_are_415(self, encoding: str) -> None:
        """Only gzip or no encoding is accepted."""
        answer = self.driver().post(b"abc", **{"content_encoding": encoding})
        assert answer.status == 415 and "Content-Encoding" in _reason(answer.body)

    @pytest.mark.parametrize("length", ["12a", "-1", "²"])
    def test_non_numeric_length_is_a_400(self, length: str) -> None:
        """A Content-Length that is not a decimal number is malformed."""
        answer = self.driver().request("POST", "/v1/metrics", b"abc", {"content-length": length})
        assert answer.status == 400

    def test_other_paths_are_not_guarded(self) -> None:
        """Only the metrics path is limited."""
        assert self.driver().request("POST", "/other", b"z" * 5000).status == 200


class TestContentTypeMiddleware:
    @pytest.mark.parametrize(("content_type", "status"), [
        ("application/x-protobuf", 200), ("application/json; charset=utf-8", 200), ("APPLICATION/JSON", 200),
        ("text/plain", 415), ("application/protobuf", 415), ("", 415),
    ])
    def test_only_otlp_media_types_pass(self, content_type: str, status: int) -> None:
        """OTLP protobuf and OTLP JSON pass; anything else is a 415."""
        driver = AsgiDriver(ContentTypeMiddleware(_app(), paths=("/v1/metrics",)))
        assert driver.post(b"{}", content_type=content_type).status == status


class TestBearerTokenMiddleware:
    @pytest.mark.parametrize(("header", "status"), [
        ("Bearer s3cret-token", 200), ("Bearer s3cret-tokeN", 401), ("s3cret-token", 401), ("", 401),
        ("Bearer s3cret-token ", 401), ("Bearer \u00e9", 401), ("bearer s3cret-token", 200),
        ("BEARER s3cret-token", 200), ("Basic s3cret-token", 401), ("Bearers3cret-token", 401),
    ])
    def test_token_must_match_exactly(self, header: str, status: int) -> None:
        """Only the exact bearer token passes (the scheme name in any case); a 401 says how to authenticate."""
        driver = AsgiDriver(BearerTokenMiddleware(_app(), token="s3cret-token"))
        headers = {"authorization": header} if header else {}
        answer = driver.post(b"{}", **headers)
        assert answer.status == status
        if status == 401:
            assert answer.headers["www-authenticate"] == "Bearer"

    def test_no_token_configured_means_open(self) -> None:
        """Without a configured token every request passes."""
        assert AsgiDriver(BearerTokenMiddleware(_app(), token=None)).post(b"{}").status == 200

    def test_empty_token_is_a_configuration_error(self) -> None:
        """An empty token would admit 'Bearer ' and is refused at start-up."""
        with pytest.raises(ValueError, match="empty"):
            BearerTokenMiddleware(_app(), token=" ")


class TestAddressRateLimitMiddleware:
    def test_each_address_has_its_own_bucket(self) -> None:
        """Past the burst an address gets 429 with Retry-After; another address still passes."""
        clock = [0.0]
        buckets = TokenBuckets(3, 1.0, clock=lambda: clock[0])
        driver = AsgiDriver(AddressRateLimitMiddleware(_app(), buckets))
        statuses = [driver.request("POST", "/v1/metrics", b"", client=("203.0.113.5", 1)).status for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = driver.request("POST", "/v1/metrics", b"", client=("203.0.113.5", 1))
        assert refused.headers["retry-after"] == "1"
        assert driver.request("POST", "/v1/metrics", b"", client=("203.0.113.6", 1)).status == 200
        clock[0] = 1.0
        assert driver.request("POST", "/v1/metrics", b"", client=("203.0.113.5", 1)).status == 200

    def test_addresses_are_only_held_as_keyed_hashes(self) -> None:
        """The limiter's memory holds no address in the clear."""
        buckets = TokenBuckets(3, 1.0)
        driver = AsgiDriver(AddressRateLimitMiddleware(_app(), buckets))
        driver.request("POST", "/v1/metrics", b"", client=("203.0.113.77", 1))
        assert len(buckets) == 1 and "203.0.113.77" not in repr(buckets._buckets)


def test_wrong_bearer_tokens_are_slowed_and_the_right_one_never(storage: Storage) -> None:
    """Issue 13, item 8: past ten wrong tokens from an address each waits the penalty for its 401; the right
    token from the same address is answered at once (no lockout)."""
    token = "a-long-random-token-for-the-guard-test"
    driver = AsgiDriver(create_app(ReceiverConfig(token=token, wrong_token_penalty_s=1.0), storage=storage))
    for _ in range(10):
        assert driver.post(b"", authorization="Bearer guess").status == 401
    start = time.monotonic()
    assert driver.post(b"", authorization="Bearer guess").status == 401
    assert time.monotonic() - start >= 1.0
    start = time.monotonic()
    assert driver.post(b"", authorization=f"Bearer {token}").status == 400  # past the token: an empty body
    assert time.monotonic() - start < 1.0
    driver.close()


def test_wrong_tokens_past_the_burst_are_answered_one_at_a_time_per_address(storage: Storage) -> None:
    """A fixed guessing rate per address, however many connections: eight concurrent wrong tokens past the
    burst take eight penalties in all; the right token sent among them is answered at once, and another
    address is not held up."""
    token = "a-long-random-token-for-the-guard-test"
    app = create_app(ReceiverConfig(token=token, wrong_token_penalty_s=0.25), storage=storage)
    driver = AsgiDriver(app)
    for _ in range(10):
        assert driver.post(b"", authorization="Bearer guess").status == 401
    guess = {"content-type": "application/x-protobuf", "authorization": "Bearer guess"}
    right = {"content-type": "application/x-protobuf", "authorization": f"Bearer {token}"}

    async def timed(headers: dict[str, str], client: tuple[str, int] | None = None) -> tuple[int, float]:
        start = time.monotonic()
        answer = await driver._request("POST", "/v1/metrics", b"", headers, None, client)
        return answer.status, time.monotonic() - start

    async def flood() -> list[tuple[int, float]]:
        return await asyncio.gather(*(timed(guess) for _ in range(8)), timed(right),
                                    timed(guess, ("192.0.2.200", 1)))

    start = time.monotonic()
    *wrong, (right_status, right_s), (other_status, other_s) = driver.loop.run_until_complete(flood())
    assert time.monotonic() - start >= 8 * 0.25
    assert [status for status, _ in wrong] == [401] * 8
    assert max(seconds for _, seconds in wrong) >= 8 * 0.25
    assert right_status == 400 and right_s < 0.25  # past the token: an empty body
    assert other_status == 401 and other_s < 0.25  # another address has a burst of its own
    assert len(app.state.guesses) == 0
    driver.close()

