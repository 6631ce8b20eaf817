"""The production otelcol-contrib configuration stays in sync with the registry and keeps its safeguards."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from printernizer_stats.collector import BLOCKED_VALUES, render_otelcol_config
from printernizer_stats.registry import Registry

CONFIG_DIR = Path(__file__).parents[2] / "collector-config"


@pytest.fixture
def config(registry: Registry) -> dict[str, Any]:
    return yaml.safe_load(render_otelcol_config(registry))


def test_shipped_file_is_current(registry: Registry) -> None:
    """collector-config/otelcol.yaml equals what the registry generates (regenerate with collector-config)."""
    assert (CONFIG_DIR / "otelcol.yaml").read_text() == render_otelcol_config(registry)


def test_pipeline_order(config: dict[str, Any]) -> None:
    """memory_limiter first, registry filters before batching, the receiver exporter last."""
    pipeline = config["service"]["pipelines"]["metrics"]
    assert pipeline["processors"][0] == "memory_limiter"
    assert pipeline["processors"][-1] == "batch"
    assert pipeline["exporters"] == ["otlphttp/receiver"]
    assert set(pipeline["processors"]) <= set(config["processors"])


def test_metric_filter_admits_exactly_the_registry(config: dict[str, Any], registry: Registry) -> None:
    (condition,) = config["processors"]["filter/registry_metrics"]["metrics"]["metric"]
    pattern = re.search(r'IsMatch\(name, "(.*)"\)', condition)
    assert pattern is not None
    regex = re.compile(pattern.group(1).replace("\\\\", "\\"))
    for name in registry.metrics:
        assert regex.match(name), name
    for name in ("printernizer.jobs", "host.name", "printernizer.jobs.eventsX", "xprinternizer.uptime"):
        assert not regex.match(name), name


def test_keys_kept_per_metric_are_the_registry_attributes(config: dict[str, Any], registry: Registry) -> None:
    statements = config["processors"]["transform/registry_keys"]["metric_statements"]
    resource = next(s for s in statements if s["context"] == "resource")["statements"][0]
    assert all(f'"{key}"' in resource for key in registry.resource)
    datapoint = next(s for s in statements if s["context"] == "datapoint")["statements"]
    by_metric = {re.search(r'metric.name == "(.*)"', s).group(1): s for s in datapoint}  # type: ignore[union-attr]
    assert set(by_metric) == set(registry.metrics)
    for name, spec in registry.metrics.items():
        kept = re.findall(r'"([^"]+)"', by_metric[name].split("]")[0])
        assert sorted(kept) == sorted(spec.attributes), name


def test_blocked_values_catch_addresses_and_emails() -> None:
    patterns = [re.compile(p.replace("\\\\", "\\")) for p in BLOCKED_VALUES]
    for value in ("192.168.178.42", "fe80::1ff:fe23:4567:890a", "jane@example.com", "https://x.example/p"):
        assert any(p.search(value) for p in patterns), value
    for value in ("2.42.0", "bambu_lab", "/api/v1/printers/{printer_id}", "3f1c2b9e-8d7a-4c1b-9a2e-1f2d3c4b5a69"):
        assert not any(p.search(value) for p in patterns), value


def test_durable_queue_and_token(config: dict[str, Any]) -> None:
    exporter = config["exporters"]["otlphttp/receiver"]
    assert exporter["sending_queue"]["storage"] == "file_storage/queue"
    assert exporter["retry_on_failure"]["enabled"] is True
    assert exporter["headers"]["Authorization"] == "Bearer ${env:RECEIVER_TOKEN}"
    assert "file_storage/queue" in config["service"]["extensions"]
    http = config["receivers"]["otlp"]["protocols"]["http"]
    assert http["include_metadata"] is False and "tls" in http


def test_compose_stack_wires_collector_receiver_db() -> None:
    compose = yaml.safe_load((CONFIG_DIR / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"collector", "receiver", "db"}
    assert "ports" not in services["receiver"] and "ports" not in services["db"]
    assert "./otelcol.yaml:/etc/otelcol/otelcol.yaml:ro" in services["collector"]["volumes"]
