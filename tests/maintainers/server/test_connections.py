"""Server limits (issue 13, item 6) on a real socket, uvicorn run as ``serve`` runs it: a deadline for the
request head and for the body, connections capped overall and per address, keep-alive bounded, and
``X-Forwarded-For`` believed only from configured proxies."""

from __future__ import annotations

import http.client
import random
import shutil
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from printernizer_stats.maintainers.server import ConnectionLimits, ReceiverConfig, Storage, create_app, create_engine
from printernizer_stats.registry import Registry
from tests.maintainers.server.batches import MONDAY, Installation, gzipped, typical_series, week_request
from tests.maintainers.server.conftest import NOW
from tests.maintainers.server.live import serve_in_thread


@pytest.fixture
def storage(tmp_path: Path, sqlite_template: Path, registry: Registry) -> Iterator[Storage]:
    """SQLite only: these limits are the server's, whatever the database."""
    shutil.copy(sqlite_template, tmp_path / "receiver.db")
    store = Storage(create_engine(f"sqlite:///{tmp_path / 'receiver.db'}"), registry)
    yield store
    store.close()


@contextmanager
def _serving(storage: Storage, limits: ConnectionLimits, **config: object) -> Iterator[int]:
    app = create_app(ReceiverConfig(**config), storage=storage, now=lambda: NOW)  # type: ignore[arg-type]
    with serve_in_thread(app, **limits.uvicorn_options()) as base:
        yield int(base.rsplit(":", 1)[1])


def _connect(port: int, source: str = "127.0.0.1") -> socket.socket:
    client = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
    return client


def _closed_within(client: socket.socket, seconds: float) -> bool:
    """Whether the server closes ``client`` within ``seconds`` (reads until EOF, ignoring an answer)."""
    client.settimeout(seconds)
    try:
        while client.recv(4096):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return True


def test_a_trickled_request_head_is_cut_off(storage: Storage) -> None:
    """A byte of header every 50 ms (each would reset uvicorn's keep-alive timer) and a silent connection:
    both closed once the head's deadline passes."""
    with _serving(storage, ConnectionLimits(header_timeout_s=0.5)) as port:
        silent, trickling = _connect(port), _connect(port)
        start = time.monotonic()
        head = b"POST /v1/metrics HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100
        try:
            for byte in head:
                trickling.send(bytes([byte]))
                time.sleep(0.05)
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert time.monotonic() - start < 2.5  # cut off long before the 6 s the head would take
        assert _closed_within(trickling, 1) and _closed_within(silent, 0.5)


def test_a_body_that_does_not_arrive_in_time_is_a_408(storage: Storage) -> None:
    with _serving(storage, ConnectionLimits(), body_timeout_s=0.5) as port:
        client = _connect(port)
        client.sendall(b"POST /v1/metrics HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
                       b"Content-Length: 10000\r\n\r\n" + b"\x0a" * 100)
        client.settimeout(5)
        answer = client.recv(4096)
        assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
        assert b"did not arrive within 0.5 s" in answer
        assert _closed_within(client, 2)


def test_connections_are_capped_per_address_and_overall(storage: Storage) -> None:
    with _serving(storage, ConnectionLimits(max_connections=7, max_connections_per_address=4)) as port:
        held = [_connect(port, "127.0.0.4") for _ in range(4)]
        time.sleep(0.2)
        extra = _connect(port, "127.0.0.4")
        assert _closed_within(extra, 2)
        assert not any(_closed_within(c, 0.05) for c in held)
        others = [_connect(port, "127.0.0.5") for _ in range(3)]
        time.sleep(0.2)
        assert _closed_within(_connect(port, "127.0.0.6"), 2)  # 7 open: the cap overall
        for client in [*held, *others]:
            client.close()
        time.sleep(0.2)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5, source_address=("127.0.0.6", 0))
        connection.request("GET", "/healthz")
        assert connection.getresponse().status == 200


def test_keep_alive_ends_after_its_requests(storage: Storage) -> None:
    with _serving(storage, ConnectionLimits(max_requests_per_connection=3)) as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        for _ in range(3):
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            response.read()
            assert response.status == 200
        assert connection.sock is None or _closed_within(connection.sock, 2)


def _statuses(port: int, registry: Registry, forwarded: list[str]) -> list[int]:
    statuses = []
    for index, address in enumerate(forwarded):
        body = gzipped(week_request(registry, Installation(), MONDAY, typical_series(registry, random.Random(index))))
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("POST", "/v1/metrics", body, {"Content-Type": "application/x-protobuf",
                                                         "Content-Encoding": "gzip", "X-Forwarded-For": address})
        statuses.append(connection.getresponse().status)
        connection.close()
    return statuses


def test_forwarded_addresses_are_believed_only_from_trusted_proxies(storage: Storage, registry: Registry) -> None:
    """By default not even from loopback: a same-host process forging X-Forwarded-For would otherwise be
    any number of addresses, each with its own burst."""
    forged = [f"203.0.113.{i}" for i in range(4)]
    with _serving(storage, ConnectionLimits(), address_burst=2, address_refill_per_minute=0.01) as port:
        assert _statuses(port, registry, forged) == [200, 200, 429, 429]
    with _serving(storage, ConnectionLimits(trusted_proxies=("127.0.0.1",)), address_burst=2,
                  address_refill_per_minute=0.01) as port:
        assert _statuses(port, registry, forged) == [200] * 4
