"""The shipped otelcol.yaml on the real collector built from collector-config/distribution: it validates, it
holds exactly the components the file uses, it fails closed, its persistent queue survives a SIGKILL while
the receiver is down (and the same scenario loses batches without it), and its batching never splits a
weekly batch. HTTPS with trustme certificates in front, the real receiver with a token behind."""

from __future__ import annotations

import random
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa
import yaml
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.sdk.resources import Resource

from printernizer_stats.maintainers.collector import COLLECTOR_RELEASE, COLLECTOR_STABLE_RELEASE, MASK
from printernizer_stats.maintainers.server import tables
from printernizer_stats.registry import Registry
from printernizer_stats_tools.collectors import OtelcolCollector
from printernizer_stats_tools.demo._receiver_process import ReceiverProcess
from tests.maintainers.collector.otelcol import SHIPPED_CONFIG, Certificates, settings, start_collector
from tests.maintainers.collector.recorder import RecordingEndpoint
from tests.maintainers.server.batches import MONDAY, Installation, gzipped, typical_series, week_request

pytestmark = pytest.mark.collector
TOKEN = "collector-to-receiver-token"
OPTIONS = ("--address-burst", "0", "--installation-burst", "64")
CANARY_HOST, CANARY_IP, CANARY_MAIL, CANARY_URL = ("canary-host.example.lan", "203.0.113.77",
                                                  "canary.person@example.org", "https://canary.example/p")


def _environment(certificates: Certificates, queue: Path) -> dict[str, str]:
    return {"TLS_CERT_FILE": str(certificates.cert), "TLS_KEY_FILE": str(certificates.key),
            "RECEIVER_ENDPOINT": "http://127.0.0.1:9", "RECEIVER_TOKEN": TOKEN, "QUEUE_DIR": str(queue),
            "PATH": "/usr/bin:/bin"}


def test_validate_accepts_the_shipped_file_and_refuses_a_broken_statement(
        otelcol_binary: Path, certificates: Certificates, tmp_path: Path) -> None:
    """`validate` parses every OTTL statement and regex of the shipped file; a broken one is refused."""
    env = _environment(certificates, tmp_path / "queue")
    shipped = subprocess.run([otelcol_binary, "validate", f"--config={SHIPPED_CONFIG}"], env=env,
                             capture_output=True, text=True, timeout=60)
    assert shipped.returncode == 0, shipped.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text(SHIPPED_CONFIG.read_text().replace("keep_keys(attributes, [])", "keep_keys(attributes, [)", 1))
    refused = subprocess.run([otelcol_binary, "validate", f"--config={broken}"], env=env,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "transform/registry_keys: statement has invalid syntax" in refused.stderr


def test_the_binary_holds_exactly_the_components_of_the_shipped_file_at_one_release(otelcol_binary: Path) -> None:
    """`components` lists the receivers, processors, exporters and extensions otelcol.yaml uses, nothing else,
    each from a module of the one release."""
    listed = yaml.safe_load(subprocess.run([otelcol_binary, "components"], capture_output=True, text=True,
                                           timeout=60, check=True).stdout)
    config = yaml.safe_load(SHIPPED_CONFIG.read_text())
    for kind in ("receivers", "processors", "exporters", "extensions"):
        used = {name.split("/")[0] for name in config[kind]}
        assert {component["name"] for component in listed[kind]} == used, kind
        for component in listed[kind]:
            assert component["module"].endswith((f" {COLLECTOR_RELEASE}", f" {COLLECTOR_STABLE_RELEASE}")), component
    assert listed["connectors"] == []


# -- the real path: HTTPS -> collector -> recording proxy -> receiver (token) -> SQLite -----------------
@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[ReceiverProcess]:
    with ReceiverProcess(f"sqlite:///{tmp_path / 'receiver.db'}", tmp_path / "receiver.log", TOKEN, OPTIONS) as r:
        yield r


def _post(collector: OtelcolCollector, request: ExportMetricsServiceRequest, ca: Path, timeout_s: float = 10) -> int:
    try:
        return requests.post(f"{collector.url}/v1/metrics", data=gzipped(request), timeout=timeout_s, verify=str(ca),
                             headers={"Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"}
                             ).status_code
    except requests.RequestException:
        return 0  # no answer: the client keeps the batch and sends it again later


def _stored_batches(db: Path, registry: Registry) -> list[dict[str, Any]]:
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as connection:
            return [dict(row) for row in connection.execute(sa.select(tables(registry)["batches"])).mappings()]
    finally:
        engine.dispose()


def _wait(condition: Callable[[], bool], timeout_s: float = 30) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _week(registry: Registry, seed: int, installation: Installation | None = None, **extra: str
          ) -> ExportMetricsServiceRequest:
    return week_request(registry, installation or Installation(), MONDAY,
                        typical_series(registry, random.Random(seed)), **extra)


def _batch_id(request: ExportMetricsServiceRequest) -> str:
    return next(a.value.string_value for a in request.resource_metrics[0].resource.attributes
                if a.key == "printernizer.stats.batch_id")


def test_fail_closed_on_the_real_binary(registry: Registry, otelcol_binary: Path, certificates: Certificates,
                                        collector_factory: list[OtelcolCollector], receiver: ReceiverProcess,
                                        tmp_path: Path) -> None:
    """A metric outside the registry, attributes outside it (resource, scope, point), a host name, IP, e-mail
    and URL in allowed keys, and a stock SDK's service.* / telemetry.sdk.*: none reaches the receiver's wire or
    its DB; the honest points of the same request are stored."""
    stock_sdk = {k: str(v) for k, v in Resource.create({}).attributes.items()}
    assert any(k.startswith("service.") for k in stock_sdk) and any(k.startswith("telemetry.sdk.") for k in stock_sdk)
    hostile = _week(registry, 1)
    resource = hostile.resource_metrics[0].resource
    for key, value in {**stock_sdk, "host.name": CANARY_HOST, "client.address": CANARY_IP}.items():
        resource.attributes.add(key=key).value.string_value = value
    scope = hostile.resource_metrics[0].scope_metrics[0]
    scope.scope.attributes.add(key="scope.canary").value.string_value = CANARY_HOST
    jobs = next(m for m in scope.metrics if m.name == "printernizer.jobs.events")
    planted = {CANARY_IP: jobs.sum.data_points[0], CANARY_MAIL: jobs.sum.data_points[1],
               CANARY_URL: jobs.sum.data_points[2], CANARY_HOST: jobs.sum.data_points[3]}
    for value, point in planted.items():
        point.attributes[0].value.string_value = value  # the allowed key "event"
    jobs.sum.data_points[4].attributes.add(key="file.name").value.string_value = "canary_file.3mf"
    scope.metrics.add(name="canary.metric").gauge.data_points.add(as_int=1)
    # A second installation's batch in the same request: its platform (a resource key) holds an e-mail.
    other = _week(registry, 2, Installation(platform=CANARY_MAIL))
    hostile.resource_metrics.extend(other.resource_metrics)

    with RecordingEndpoint(upstream=receiver.url) as proxy:
        collector = start_collector(collector_factory, otelcol_binary,
                                    settings(proxy.url, TOKEN, certificates, tmp_path / "queue"), tmp_path / "otelcol")
        assert _post(collector, hostile, certificates.ca) == 200
        assert _wait(lambda: bool(proxy.records))
        collector.stop()
    wire = b"".join(record.inflated for record in proxy.records)
    assert all(record.headers["authorization"] == f"Bearer {TOKEN}" for record in proxy.records)
    db = Path(receiver.db_url.removeprefix("sqlite:///"))
    receiver.stop()
    stored = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    # The collector removes what is outside the registry and masks what looks like an address; a bare host
    # name in an allowed key looks like any word to it: the receiver refuses that point (no allowed value).
    removed = (CANARY_IP, CANARY_MAIL, CANARY_URL, "canary_file", "canary.metric", "host.name", "file.name",
               "client.address", "scope.canary", *stock_sdk)
    for canary in removed:
        assert canary.encode() not in wire, canary
    for canary in (*removed, CANARY_HOST):
        assert canary.encode() not in stored, canary
    assert MASK.encode() in wire  # masked on the way, then refused by the receiver
    (batch,) = _stored_batches(db, registry)  # the honest installation's batch; the masked one is refused
    assert batch["batch_id"] == _batch_id(hostile)
    # The four planted points are refused (masked, or a host name in no allowed set); the rest is stored.
    assert batch["rejected_points"] == len(planted) and batch["stored_points"] > 20


# -- SIGKILL while the receiver is down ---------------------------------------------------------------
def _queue_variant(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    config = yaml.safe_load(SHIPPED_CONFIG.read_text())
    change(config["exporters"]["otlp_http/receiver"]["sending_queue"])
    path = tmp_path / "variant.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def _crash_while_receiver_down(registry: Registry, binary: Path, certificates: Certificates,
                               collectors: list[OtelcolCollector], receiver: ReceiverProcess, tmp_path: Path,
                               config: Path, settle_s: float, count: int = 8) -> tuple[set[str], set[str]]:
    """The receiver goes down; ``count`` installations send; the collector is SIGKILLed, restarted; the
    receiver comes back. The batch ids the collector answered 200 for, and those stored in the end."""
    collector = start_collector(collectors, binary, settings(receiver.url, TOKEN, certificates, tmp_path / "queue",
                                                             config), tmp_path / "otelcol")
    receiver.stop()
    weeks = [_week(registry, seed) for seed in range(count)]
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda week: _post(collector, week, certificates.ca, timeout_s=3), weeks))
    answered = {_batch_id(week) for week, status in zip(weeks, answers, strict=True) if status == 200}
    time.sleep(1.5)  # past the queue's batch timeout: the exporter is retrying against the dead receiver
    collector.kill()
    collector.start()
    receiver.start()
    db = Path(receiver.db_url.removeprefix("sqlite:///"))
    # The exporter's next retry (5 s after the first, ±50 %) finds the receiver back.
    _wait(lambda: len(_stored_batches(db, registry)) >= len(answered), timeout_s=settle_s)
    time.sleep(1)  # anything sent twice would be counted now
    collector.stop()
    stored = [row["batch_id"] for row in _stored_batches(db, registry)]
    assert len(stored) == len(set(stored))
    return answered, set(stored)


def test_sigkill_with_the_receiver_down_loses_nothing_answered(
        registry: Registry, otelcol_binary: Path, certificates: Certificates,
        collector_factory: list[OtelcolCollector], receiver: ReceiverProcess, tmp_path: Path) -> None:
    """Every batch the collector answered 200 for, with the receiver down and the collector then killed, is
    stored exactly once after both are back: the file_storage queue."""
    answered, stored = _crash_while_receiver_down(registry, otelcol_binary, certificates, collector_factory,
                                                  receiver, tmp_path, SHIPPED_CONFIG, settle_s=45)
    assert len(answered) == 8
    assert stored == answered


@pytest.mark.parametrize("variant", ["queue in memory", "queue off"])
def test_without_the_persistent_queue_the_same_crash_loses_or_refuses(
        variant: str, registry: Registry, otelcol_binary: Path, certificates: Certificates,
        collector_factory: list[OtelcolCollector], receiver: ReceiverProcess, tmp_path: Path) -> None:
    """The scenario above is a real test of the queue: with the queue in memory the collector answers 200 and
    the crash loses those batches; with no queue it cannot answer while the receiver is down."""
    if variant == "queue in memory":
        config = _queue_variant(tmp_path, lambda queue: queue.pop("storage"))
    else:
        config = _queue_variant(tmp_path, lambda queue: queue.update(enabled=False))
    answered, stored = _crash_while_receiver_down(registry, otelcol_binary, certificates, collector_factory,
                                                  receiver, tmp_path, config, settle_s=12)
    if variant == "queue in memory":
        assert len(answered) == 8 and stored < answered  # answered 200, never stored: lost
    else:
        assert answered == set() and stored == set()  # no 200: the clients keep their batches


def test_a_burst_is_merged_and_no_weekly_batch_is_split(
        registry: Registry, otelcol_binary: Path, certificates: Certificates,
        collector_factory: list[OtelcolCollector], receiver: ReceiverProcess, tmp_path: Path) -> None:
    """300 installations at once, 8 connections: the queue's batching merges them into requests of several
    batches, each ResourceMetrics whole in one request; all stored, none a conflict."""
    weeks = [_week(registry, seed) for seed in range(300)]
    with RecordingEndpoint(upstream=receiver.url) as proxy:
        collector = start_collector(collector_factory, otelcol_binary,
                                    settings(proxy.url, TOKEN, certificates, tmp_path / "queue"), tmp_path / "otelcol")
        lock, answers = threading.Lock(), []

        def send(week: ExportMetricsServiceRequest) -> None:
            status = _post(collector, week, certificates.ca)
            with lock:
                answers.append(status)

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(send, weeks))
        db = Path(receiver.db_url.removeprefix("sqlite:///"))
        _wait(lambda: len(_stored_batches(db, registry)) >= len(weeks))
        collector.stop()
        forwarded = proxy.requests()
    assert answers.count(200) == len(weeks)
    sizes = [len(request.resource_metrics) for request in forwarded]
    assert max(sizes) > 1  # merged
    by_id = {_batch_id(week): week.resource_metrics[0] for week in weeks}
    forwarded_ids = set()
    for request in forwarded:
        for resource_metrics in request.resource_metrics:
            one = ExportMetricsServiceRequest(resource_metrics=[resource_metrics])
            forwarded_ids.add(_batch_id(one))
            assert resource_metrics == by_id[_batch_id(one)]  # whole: not a part of a split batch
    # Every batch forwarded; on a loaded machine an export that timed out is retried whole (at least once: the
    # receiver's ledger stores it once, checked below), so a request may appear twice, never a part of one.
    assert forwarded_ids == set(by_id) and sum(sizes) >= len(weeks)
    rows = _stored_batches(db, registry)
    assert len(rows) == len(weeks) and all(row["rejected_points"] == 0 for row in rows)


def test_the_page_shows_no_receipt_the_receiver_did_not_give(
        otelcol_binary: Path, certificates: Certificates, collector_factory: list[OtelcolCollector],
        receiver: ReceiverProcess, tmp_path: Path) -> None:
    """Behind the collector the client gets the collector's 200, not the receiver's receipt: the history has
    none, and the page says what the collector's answer means instead of claiming one."""
    from printernizer_stats.host.sender import SenderConfig
    from printernizer_stats.host.viewer import MOUNT_PREFIX
    from tests.host.viewer.conftest import build_simulated_db, call_api, make_client, privacy_app

    collector = start_collector(collector_factory, otelcol_binary,
                                settings(receiver.url, TOKEN, certificates, tmp_path / "queue"), tmp_path / "otelcol")
    db = tmp_path / "stats.db"
    build_simulated_db(db)  # three complete weeks to send
    client = make_client(db, sender=SenderConfig(endpoint=collector.url,
                                                                    ca_file=str(certificates.ca)))
    submit, history, page = call_api(privacy_app(client), [("POST", f"{MOUNT_PREFIX}/submit"),
                                                          ("GET", f"{MOUNT_PREFIX}/history"),
                                                          ("GET", f"{MOUNT_PREFIX}/")])
    assert [a["outcome"] for a in submit.json()["attempts"]] and all(
        a["outcome"] == "accepted" for a in submit.json()["attempts"])
    entries = history.json()["entries"]
    assert entries and all(entry["receipt"] is None for entry in entries)
    assert "none: a collector answered" in page.text and 'id="receipt-note"' in page.text
    note = " ".join(page.text.split("id=\"receipt-note\">", 1)[1].split("</p>", 1)[0].split())
    assert "accepted into the collector's persistent queue" in note.replace("&#39;", "'"), note
    assert "not yet been stored by the maintainers' receiver" in note.replace("&#39;", "'"), note
    assert ">matches<" not in page.text
