"""The production otelcol-contrib configuration stays in sync with the registry and keeps its safeguards."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from printernizer_stats.collector import BLOCKED_VALUE_PATTERNS, render_otelcol_config
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


def test_batches_are_merged_but_never_split(config: dict[str, Any]) -> None:
    """The batch processor never splits a request (a split weekly batch would reach the receiver as a conflict)."""
    batch = config["processors"]["batch"]
    assert batch["send_batch_max_size"] == 0
    assert 0 < batch["send_batch_size"] <= 1024


def test_filters_fail_closed(config: dict[str, Any]) -> None:
    """A failing filter or transform statement refuses the data instead of passing it unfiltered."""
    assert config["processors"]["filter/registry_metrics"]["error_mode"] == "propagate"
    assert config["processors"]["transform/registry_keys"]["error_mode"] == "propagate"


def test_metric_filter_admits_exactly_the_registry(config: dict[str, Any], registry: Registry) -> None:
    """The filter's regex matches every registry metric name and nothing else (no prefix, suffix or lookalike)."""
    (condition,) = config["processors"]["filter/registry_metrics"]["metrics"]["metric"]
    pattern = re.search(r'IsMatch\(name, "(.*)"\)', condition)
    assert pattern is not None and "\\" not in pattern.group(1)  # nothing for OTTL or YAML to unescape
    regex = re.compile(pattern.group(1))
    for name in registry.metrics:
        assert regex.match(name), name
    for name in ("printernizer.jobs", "host.name", "printernizer.jobs.eventsX", "xprinternizer.uptime"):
        assert not regex.match(name), name


def test_keys_kept_per_metric_are_the_registry_attributes(config: dict[str, Any], registry: Registry) -> None:
    """keep_keys keeps the registry's resource fields, and per metric exactly its declared attributes."""
    statements = config["processors"]["transform/registry_keys"]["metric_statements"]
    resource = next(s for s in statements if s["context"] == "resource")["statements"][0]
    assert all(f'"{key}"' in resource for key in registry.resource)
    datapoint = next(s for s in statements if s["context"] == "datapoint")["statements"]
    by_metric = {re.search(r'metric.name == "(.*)"', s).group(1): s for s in datapoint}  # type: ignore[union-attr]
    assert set(by_metric) == set(registry.metrics)
    for name, spec in registry.metrics.items():
        kept = re.findall(r'"([^"]+)"', by_metric[name].split("]")[0])
        assert sorted(kept) == sorted(spec.attributes), name


def test_blocked_values_are_the_policys_patterns_verbatim(config: dict[str, Any]) -> None:
    """The YAML carries the patterns exactly (single-quoted: no escape processing)."""
    assert tuple(config["processors"]["redaction/values"]["blocked_values"]) == BLOCKED_VALUE_PATTERNS


def test_blocked_values_catch_addresses_and_emails() -> None:
    """The patterns catch addresses, e-mails and URLs, and none of the values the registry allows."""
    patterns = [re.compile(p) for p in BLOCKED_VALUE_PATTERNS]
    for value in ("192.168.178.42", "fe80::1ff:fe23:4567:890a", "jane@example.com", "https://x.example/p"):
        assert any(p.search(value) for p in patterns), value
    for value in ("2.42.0", "bambu_lab", "/api/v1/printers/{printer_id}", "3f1c2b9e-8d7a-4c1b-9a2e-1f2d3c4b5a69"):
        assert not any(p.search(value) for p in patterns), value


def test_durable_queue_and_token(config: dict[str, Any]) -> None:
    """The exporter queues on disk, retries without a deadline and sends the token; no request metadata."""
    exporter = config["exporters"]["otlphttp/receiver"]
    assert exporter["sending_queue"]["storage"] == "file_storage/queue"
    assert exporter["retry_on_failure"]["enabled"] is True
    assert exporter["headers"]["Authorization"] == "Bearer ${env:RECEIVER_TOKEN}"
    assert exporter["retry_on_failure"]["max_elapsed_time"] == 0
    assert "file_storage/queue" in config["service"]["extensions"]
    http = config["receivers"]["otlp"]["protocols"]["http"]
    assert http["include_metadata"] is False and "tls" in http


def test_compose_stack_wires_collector_receiver_db() -> None:
    """Compose publishes only the collector; the receiver (secrets in its environment, no per-address limit
    behind the collector) and the database stay on the compose network."""
    compose = yaml.safe_load((CONFIG_DIR / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"collector", "receiver", "db"}
    assert "ports" not in services["receiver"] and "ports" not in services["db"]
    assert "./otelcol.yaml:/etc/otelcol/otelcol.yaml:ro" in services["collector"]["volumes"]
    receiver = services["receiver"]
    assert "--address-burst 0" in receiver["command"] and "TOKEN" not in receiver["command"]
    assert set(receiver["environment"]) == {"PRINTERNIZER_STATS_DB_URL", "PRINTERNIZER_STATS_TOKEN"}


def test_systemd_units_keep_secrets_off_the_command_line() -> None:
    """The receiver's unit takes its database URL and token from its environment file, not from ExecStart."""
    unit = (CONFIG_DIR / "systemd" / "printernizer-stats-receiver.service").read_text()
    exec_start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    assert "--address-burst 0" in exec_start and "TOKEN" not in exec_start and "DB_URL" not in exec_start
