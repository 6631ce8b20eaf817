"""The production collector configuration stays in sync with the registry and keeps its safeguards; the
distribution's manifest builds exactly the components it uses, at one release."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from printernizer_stats.maintainers.collector import (
    BLOCKED_VALUE_PATTERNS,
    COLLECTOR_RELEASE,
    COLLECTOR_STABLE_RELEASE,
    render_otelcol_config,
)
from printernizer_stats.registry import Registry

CONFIG_DIR = Path(__file__).parents[3] / "collector-config"


@pytest.fixture
def config(registry: Registry) -> dict[str, Any]:
    return yaml.safe_load(render_otelcol_config(registry))


def test_shipped_file_is_current(registry: Registry) -> None:
    """collector-config/otelcol.yaml equals what the registry generates (regenerate with collector-config)."""
    assert (CONFIG_DIR / "otelcol.yaml").read_text() == render_otelcol_config(registry)


def test_shipped_file_means_what_the_registry_generates(registry: Registry) -> None:
    """Beyond the text: the shipped file and the rendering load to the same YAML data (what the collector reads),
    so a change of the renderer that only reformats is told apart from one that changes the configuration."""
    assert yaml.safe_load((CONFIG_DIR / "otelcol.yaml").read_text()) == yaml.safe_load(render_otelcol_config(registry))


def test_pipeline_order(config: dict[str, Any]) -> None:
    """memory_limiter first, then the registry filters; the receiver exporter (with its queue) last."""
    pipeline = config["service"]["pipelines"]["metrics"]
    assert pipeline["processors"] == ["memory_limiter", "filter/registry_metrics", "transform/registry_keys",
                                      "redaction/values"]
    assert pipeline["exporters"] == ["otlp_http/receiver"]
    assert set(pipeline["processors"]) == set(config["processors"])


def test_batches_are_merged_after_the_persistent_queue_and_never_split(config: dict[str, Any]) -> None:
    """No batch processor (it would hold answered requests in memory, lost in a crash): the exporter's queue
    merges requests it has on disk, and never splits one (a split weekly batch would be a conflict)."""
    assert not any(name.split("/")[0] == "batch" for name in config["processors"])
    queue = config["exporters"]["otlp_http/receiver"]["sending_queue"]
    assert queue["batch"]["max_size"] == 0 and queue["batch"]["sizer"] == "items"
    assert 0 < queue["batch"]["min_size"] <= 1024


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
    exporter = config["exporters"]["otlp_http/receiver"]
    assert exporter["sending_queue"]["storage"] == "file_storage/queue"
    assert config["extensions"]["file_storage/queue"]["fsync"] is True
    assert exporter["retry_on_failure"]["enabled"] is True
    assert exporter["headers"]["Authorization"] == "Bearer ${env:RECEIVER_TOKEN}"
    assert exporter["retry_on_failure"]["max_elapsed_time"] == 0
    assert "file_storage/queue" in config["service"]["extensions"]
    http = config["receivers"]["otlp"]["protocols"]["http"]
    assert http["include_metadata"] is False and "tls" in http


def test_compose_stack_wires_collector_receiver_db() -> None:
    """Compose publishes only the proxy in front of the collector (tests/maintainers/collector/test_deploy_limits.py);
    the receiver (secrets in its environment) and the database stay on the compose network."""
    compose = yaml.safe_load((CONFIG_DIR / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"proxy", "collector", "receiver", "db"}
    assert "ports" not in services["receiver"] and "ports" not in services["db"]
    assert "./otelcol.yaml:/etc/otelcol/otelcol.yaml:ro" in services["collector"]["volumes"]
    receiver = services["receiver"]
    assert "TOKEN" not in receiver["command"]
    assert set(receiver["environment"]) == {"PRINTERNIZER_STATS_DB_URL", "PRINTERNIZER_STATS_TOKEN"}


def test_systemd_units_keep_secrets_off_the_command_line() -> None:
    """The receiver's unit takes its database URL and token from its environment file, not from ExecStart."""
    unit = (CONFIG_DIR / "systemd" / "printernizer-stats-receiver.service").read_text()
    exec_start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    assert "TOKEN" not in exec_start and "DB_URL" not in exec_start


# -- the distribution: builder manifest and the Go sources generated from it ------------------------------
DISTRIBUTION = CONFIG_DIR / "distribution"


def _manifest_modules() -> dict[str, list[str]]:
    manifest = yaml.safe_load((DISTRIBUTION / "builder-config.yaml").read_text())
    return {kind: [entry["gomod"] for entry in manifest[kind]]
            for kind in ("receivers", "processors", "exporters", "extensions", "providers")}


def test_manifest_names_one_release_for_every_module() -> None:
    """Every component at the release the code names; the stable config providers at its partner version."""
    manifest = (DISTRIBUTION / "builder-config.yaml").read_text()
    assert f"OpenTelemetry Collector {COLLECTOR_RELEASE}" in manifest
    for kind, modules in _manifest_modules().items():
        release = COLLECTOR_STABLE_RELEASE if kind == "providers" else COLLECTOR_RELEASE
        assert modules and all(module.endswith(f" {release}") for module in modules), kind


def test_generated_sources_match_the_manifest() -> None:
    """components.go and main.go register exactly the manifest's modules, go.mod requires each at its version
    (regenerate with the command in builder-config.yaml after changing it)."""
    generated = (DISTRIBUTION / "components.go").read_text() + (DISTRIBUTION / "main.go").read_text()
    quoted = set(re.findall(r'"([\w./-]+ v[\d.]+)"', generated))
    expected = {module for modules in _manifest_modules().values() for module in modules}
    assert quoted == expected
    go_mod = (DISTRIBUTION / "go.mod").read_text()
    for module in expected:
        path, version = module.split()
        assert re.search(rf"^\s+{re.escape(path)} {re.escape(version)}$", go_mod, re.MULTILINE), module
    assert (DISTRIBUTION / "go.sum").stat().st_size > 0


def test_deploy_files_name_the_release() -> None:
    """The deploy guide and the compose file run the distribution of the release the manifest names."""
    compose = yaml.safe_load((CONFIG_DIR / "compose.yaml").read_text())
    assert COLLECTOR_RELEASE.removeprefix("v") in compose["services"]["collector"]["image"]
    assert compose["services"]["collector"]["build"]["context"] == "./distribution"
    assert COLLECTOR_RELEASE in (CONFIG_DIR / "README.md").read_text()
    assert f"OpenTelemetry Collector {COLLECTOR_RELEASE}" in (CONFIG_DIR / "otelcol.yaml").read_text()
