"""Heavy bodies through the whole app (issue 13, item 4): the issue's 7.7 KB gzip body inflating to 2 MiB of
JSON is refused at inflation; the costliest JSON the budget admits is decoded in a worker process, while
another address's batch and ``/healthz`` are answered at once."""

from __future__ import annotations

import gzip
import http.client
import json
import random
import threading
import time

from google.rpc import status_pb2

from printernizer_stats.maintainers.server import ReceiverConfig, Storage, create_app, max_points
from printernizer_stats.registry import Registry
from tests.maintainers.server.asgi import AsgiDriver
from tests.maintainers.server.batches import (
    MONDAY,
    Installation,
    gzipped,
    repeated_point_json,
    typical_series,
    week_request,
)
from tests.maintainers.server.conftest import NOW, table_counts
from tests.maintainers.server.live import serve_in_thread


def _json_body(registry: Registry, points: int) -> bytes:
    return gzip.compress(json.dumps(repeated_point_json(registry, points), separators=(",", ":")).encode(), 9,
                         mtime=0)


def test_the_issues_body_is_refused_while_inflating(driver: AsgiDriver, storage: Storage,
                                                    registry: Registry) -> None:
    body = _json_body(registry, 5000)
    assert len(body) < 16 * 1024 and len(gzip.decompress(body)) > 1.5 * 2**20
    answer = driver.post(body, content_type="application/json", gzip=True)
    assert answer.status == 413
    assert "inflates to more than 1048576 bytes" in json.loads(answer.body)["message"]
    assert table_counts(storage)["batches"] == 0


def _post(base: str, source: str, body: bytes, media: str, finished: dict[str, float], name: str) -> None:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60, source_address=(source, 0))
    connection.request("POST", "/v1/metrics", body, {"Content-Type": media, "Content-Encoding": "gzip"})
    assert connection.getresponse().status in {200, 429}
    finished[name] = time.monotonic()
    connection.close()


def test_other_addresses_are_answered_while_heavy_json_decodes(storage: Storage, registry: Registry) -> None:
    heavy = _json_body(registry, max_points(registry))  # as costly as the budget admits
    honest = gzipped(week_request(registry, Installation(), MONDAY, typical_series(registry, random.Random(1))))
    app = create_app(ReceiverConfig(), storage=storage, now=lambda: NOW)
    finished: dict[str, float] = {}
    with serve_in_thread(app) as base:
        _post(base, "127.0.0.9", heavy, "application/json", {}, "warm-up")  # the worker process starts
        threads = [threading.Thread(target=_post, args=(base, "127.0.0.2", heavy, "application/json",
                                                         finished, f"heavy{i}")) for i in range(8)]
        for thread in threads:
            thread.start()
        time.sleep(0.05)
        sent = time.monotonic()
        _post(base, "127.0.0.3", honest, "application/x-protobuf", finished, "honest")
        for thread in threads:
            thread.join(60)
    heavy_done = sorted(t for name, t in finished.items() if name.startswith("heavy"))
    assert len(heavy_done) == 8
    # Not queued behind the heavy bodies (as on the event loop it was, answered after the last of them).
    assert finished["honest"] - sent < (heavy_done[-1] - sent) / 2


def test_json_over_budget_from_a_worker_process_is_a_413(driver: AsgiDriver, registry: Registry) -> None:
    body = _json_body(registry, max_points(registry) + 5)
    answer = driver.post(body, content_type="application/json", gzip=True)
    assert answer.status == 413, answer.body[:200]
    assert "more than" in json.loads(answer.body)["message"]
    answer = driver.post(gzip.compress(b"[1,2]"), content_type="application/x-protobuf", gzip=True)
    assert answer.status == 400
    assert status_pb2.Status.FromString(answer.body).message
