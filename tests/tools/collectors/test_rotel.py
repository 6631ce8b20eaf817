"""The local collector: rotel's command line, the registry processor (on stand-ins and inside rotel), and
what rotel does with a batch on its way: forwarded intact, filtered, flushed on SIGTERM, lost on SIGKILL."""

from __future__ import annotations

import ast
import gzip
import itertools
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from printernizer_stats.maintainers.collector import MASK
from printernizer_stats.registry import Registry
from printernizer_stats_tools.collectors import LocalCollector, RotelSettings, render_rotel_processor, rotel_command
from tests.maintainers.collector.recorder import RecordingEndpoint
from tests.maintainers.collector.rotel import rotel_agent  # noqa: F401 - the fixture
from tests.maintainers.server.batches import Installation, typical_series, week_request

needs_rotel = pytest.mark.usefixtures("rotel_agent")
CANARY_IP, CANARY_MAIL = "203.0.113.77", "canary.person@example.org"


def test_command_mirrors_the_settings(tmp_path: Path) -> None:
    """Loopback receivers, metrics only, OTLP/HTTP gzip to the receiver, batching and retry as configured."""
    settings = RotelSettings("http://127.0.0.1:9/", token="s3cret-token", batching=True, batch_timeout_ms=50,
                             batch_max_points=99)
    argv, env = rotel_command(Path("/bin/rotel-agent"), settings, 4318, 4317, tmp_path, tmp_path / "p.py")
    options = dict(itertools.pairwise(argv))
    assert argv[:2] == ["/bin/rotel-agent", "start"]
    assert options["--otlp-http-endpoint"] == "127.0.0.1:4318" and options["--otlp-grpc-endpoint"] == "127.0.0.1:4317"
    assert options["--otlp-exporter-endpoint"] == "http://127.0.0.1:9"
    assert options["--otlp-exporter-protocol"] == "http" and options["--otlp-exporter-compression"] == "gzip"
    assert options["--metrics-batch-timeout"] == "50ms" and options["--metrics-batch-max-size"] == "99"
    assert options["--otlp-with-metrics-processor"] == str(tmp_path / "p.py")
    assert "--otlp-receiver-traces-disabled" in argv and "--otlp-receiver-logs-disabled" in argv
    assert "s3cret-token" not in " ".join(argv)  # the token travels in the environment, not in `ps`
    assert env == {"ROTEL_OTLP_EXPORTER_CUSTOM_HEADERS": "Authorization=Bearer s3cret-token"}
    unbatched, no_token = rotel_command(Path("r"), RotelSettings("http://x"), 1, 2, tmp_path, None)
    assert no_token == {} and "--disable-batching" in unbatched and "--metrics-batch-max-size" not in unbatched


@pytest.mark.parametrize("token", ["a,b", "a b", "key=value=", ""])
def test_tokens_that_would_break_the_header_list_are_refused(token: str) -> None:
    """A token rotel's ``key=value,...`` list could not carry is refused when the settings are built."""
    with pytest.raises(ValueError, match="token"):
        RotelSettings("http://127.0.0.1:1", token=token)


# -- the processor on stand-ins for rotel's SDK objects -----------------------------------------------------
@dataclass
class _Value:
    value: object


@dataclass
class _KeyValue:
    key: str
    value: _Value | None

    @staticmethod
    def new_string_value(key: str, value: str) -> _KeyValue:
        return _KeyValue(key, _Value(value))


def _pairs(**values: object) -> list[_KeyValue]:
    return [_KeyValue(key.replace("__", "."), _Value(value)) for key, value in values.items()]


@dataclass
class _Holder:
    attributes: list[_KeyValue] = field(default_factory=list)
    data_points: list[_Holder] = field(default_factory=list)


@dataclass
class _Scope:
    name: str = ""
    version: str = ""
    attributes: list[_KeyValue] = field(default_factory=list)


@dataclass
class _Metric:
    name: str
    data: list[_Holder] | None


@dataclass
class _ScopeMetrics:
    scope: _Scope
    metrics: list[_Metric]


@dataclass
class _ResourceMetrics:
    resource: _Holder
    scope_metrics: list[_ScopeMetrics]


def _processor(registry: Registry) -> Callable[[Any], None]:
    namespace: dict[str, Any] = {}
    exec(compile(render_rotel_processor(registry), "printernizer_stats_processor.py", "exec"), namespace)
    return namespace["process_metrics"]  # type: ignore[no-any-return]


def _keys(pairs: list[_KeyValue]) -> dict[str, object]:
    return {pair.key: pair.value.value if pair.value else None for pair in pairs}


def test_processor_keeps_only_what_the_registry_declares(registry: Registry) -> None:
    """Unknown metrics, resource keys, scope and point attributes go; values that look like addresses are masked."""
    jobs = _Metric("printernizer.jobs.events", [_Holder(data_points=[
        _Holder(_pairs(event="completed", host__name="workshop-pc", result="ok")),
        _Holder(_pairs(event=f"seen at {CANARY_IP}")),
        _Holder(_pairs(event=7)),
    ])])
    batch = _ResourceMetrics(
        _Holder(_pairs(printernizer__installation_id="3f1c2b9e-8d7a-4c1b-9a2e-1f2d3c4b5a69",
                       printernizer__platform=CANARY_MAIL, service__name="printernizer")),
        [_ScopeMetrics(_Scope("printernizer-stats", "1", _pairs(library="x")),
                       [jobs, _Metric("process.cpu.time", [_Holder()])])],
    )
    _processor(registry)(batch)
    assert _keys(batch.resource.attributes) == {
        "printernizer.installation_id": "3f1c2b9e-8d7a-4c1b-9a2e-1f2d3c4b5a69", "printernizer.platform": MASK}
    (scope,) = batch.scope_metrics
    assert scope.scope == _Scope("printernizer-stats", "1", [])
    assert [m.name for m in scope.metrics] == ["printernizer.jobs.events"]
    points = scope.metrics[0].data[0].data_points  # type: ignore[index]
    assert [_keys(p.attributes) for p in points] == [{"event": "completed"}, {"event": f"seen at {MASK}"}, {}]


def test_processor_drops_the_batch_instead_of_raising(registry: Registry) -> None:
    """An object it cannot read drops the whole batch; nothing raises (a raising processor crashes rotel)."""
    broken = _ResourceMetrics(_Holder(_pairs(printernizer__platform="linux")),
                              [_ScopeMetrics(_Scope(), [_Metric("printernizer.uptime", "not a list")])])  # type: ignore[arg-type]
    _processor(registry)(broken)
    assert broken.scope_metrics == [] and broken.resource.attributes == []


def test_the_generated_processor_is_standalone_and_carries_the_registrys_policy(registry: Registry) -> None:
    """rotel's interpreter has only the standard library: the written module imports nothing else, and its
    policy is the registry's literals (the placeholders of ``_rotel_filter.py`` are gone)."""
    source = render_rotel_processor(registry)
    tree = ast.parse(source)
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}
    namespace: dict[str, Any] = {}
    exec(compile(source, "printernizer_stats_processor.py", "exec"), namespace)
    assert set(namespace["METRICS"]) == set(registry.metrics)
    assert namespace["RESOURCE_KEYS"] == frozenset(registry.resource) and namespace["MASK"] == MASK
    assert source.startswith('"""AUTOGENERATED') and "# >>> policy" not in source


# -- rotel itself -------------------------------------------------------------------------------------------
@pytest.fixture
def recorder() -> Iterator[RecordingEndpoint]:
    with RecordingEndpoint() as endpoint:
        yield endpoint


def _collector(recorder: RecordingEndpoint, tmp_path: Path, **settings: Any) -> LocalCollector:
    return LocalCollector(RotelSettings(recorder.url, token="t0ken", **settings), workdir=tmp_path / "rotel").start()


def _send(collector: LocalCollector, request: ExportMetricsServiceRequest) -> int:
    response = requests.post(f"{collector.url}/v1/metrics", data=gzip.compress(request.SerializeToString()),
                             headers={"Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"},
                             timeout=10)
    return response.status_code


def _wait_for(recorder: RecordingEndpoint, count: int, timeout_s: float = 10) -> list[ExportMetricsServiceRequest]:
    deadline = time.monotonic() + timeout_s
    while len(recorder.records) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return recorder.requests()


def _week(registry: Registry, installation: Installation | None = None) -> ExportMetricsServiceRequest:
    from tests.maintainers.server.batches import MONDAY

    return week_request(registry, installation or Installation(), MONDAY, typical_series(registry, random.Random(5)))


@pytest.mark.collector
@needs_rotel
def test_rotel_forwards_a_clients_batch_intact(registry: Registry, recorder: RecordingEndpoint,
                                               tmp_path: Path) -> None:
    """Through the registry processor a valid batch arrives unchanged, gzipped, with the bearer token."""
    collector = _collector(recorder, tmp_path)
    try:
        batch = _week(registry)
        assert _send(collector, batch) == 200
        (forwarded,) = _wait_for(recorder, 1)
    finally:
        collector.close()
    record = recorder.records[0]
    assert record.path == "/v1/metrics" and record.headers["authorization"] == "Bearer t0ken"
    assert record.headers["content-encoding"] == "gzip"
    assert forwarded == batch


@pytest.mark.collector
@needs_rotel
def test_rotel_with_the_registry_processor_forwards_nothing_undeclared(registry: Registry,
                                                                      recorder: RecordingEndpoint,
                                                                      tmp_path: Path) -> None:
    """A hostile request's extra keys, unknown metric and address-like values never leave the collector."""
    hostile = _week(registry, Installation(platform=CANARY_MAIL))
    resource = hostile.resource_metrics[0].resource
    resource.attributes.add(key="host.name").value.string_value = "canary-host.example.lan"
    scope = hostile.resource_metrics[0].scope_metrics[0]
    scope.scope.attributes.add(key="library").value.string_value = "canary-scope"
    point = scope.metrics[0].sum.data_points[0]
    point.attributes.add(key="file.name").value.string_value = "canary_file.3mf"
    point.attributes[0].value.string_value = f"failed at {CANARY_IP}"
    unknown = scope.metrics.add(name="canary.metric")
    unknown.gauge.data_points.add(as_int=1)
    collector = _collector(recorder, tmp_path)
    try:
        assert _send(collector, hostile) == 200
        _wait_for(recorder, 1)
    finally:
        collector.close()
    wire = recorder.records[0].inflated
    for canary in ("canary-host", "canary_file", "canary-scope", CANARY_IP, CANARY_MAIL, "canary.metric", "host.name",
                   "file.name"):
        assert canary.encode() not in wire, canary
    assert MASK.encode() in wire


@pytest.mark.collector
@needs_rotel
def test_sigterm_flushes_what_rotel_holds_sigkill_loses_it(registry: Registry, recorder: RecordingEndpoint,
                                                           tmp_path: Path) -> None:
    """With a long batch timeout, a graceful stop exports the held batch; a crash loses it although the
    client was answered 200 (rotel has no persistent queue: docs say so)."""
    collector = _collector(recorder, tmp_path, batching=True, batch_timeout_ms=30_000)
    try:
        assert _send(collector, _week(registry)) == 200
        time.sleep(0.3)
        assert recorder.records == []  # held in rotel's batch
        collector.stop()
        assert len(_wait_for(recorder, 1)) == 1
        collector.start()
        assert _send(collector, _week(registry)) == 200
        time.sleep(0.3)
        collector.kill()
        time.sleep(0.5)
        assert len(recorder.records) == 1  # the second batch is gone
    finally:
        collector.close()
