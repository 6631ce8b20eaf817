"""Loading the registry: the shipped file, the plan's fields, and every way a broken file fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from printernizer_stats.registry import (
    OTHER,
    Kind,
    Registry,
    RegistryError,
    Weekly,
    check_registry,
    default_registry,
    lint_registry,
    parse_registry,
)

DATA = Path(__file__).parent.parent / "data"
PLAN_METRICS = {
    "printer_types/printer_count": "printernizer.printers",
    "job_count_weekly": "printernizer.jobs.events",
    "feature_usage": "printernizer.features.enabled",
    "uptime_days": "printernizer.uptime",
    "error_types": "printernizer.errors",
}
PLAN_RESOURCE = [
    "printernizer.installation_id", "printernizer.app_version", "printernizer.deployment_mode",
    "printernizer.country_code", "printernizer.python_version", "printernizer.platform",
]


def _broken(replace: str, by: str) -> str:
    text = (DATA / "minimal.yaml").read_text()
    assert replace in text
    return text.replace(replace, by, 1)


class TestShippedRegistry:
    def test_covers_the_twelve_plan_fields(self, registry: Registry) -> None:
        """All 12 fields of the master plan are declared, as resource fields or metrics."""
        for name in PLAN_RESOURCE:
            assert name in registry.resource
        for metric in PLAN_METRICS.values():
            assert metric in registry.metrics

    def test_is_lint_clean(self, registry: Registry) -> None:
        """The shipped registry has no lint findings, not even warnings."""
        assert lint_registry(registry) == []

    def test_deployment_modes_and_error_types_are_closed(self, registry: Registry) -> None:
        """Deployment modes are the plan's enum; error types are closed and do not list `other` themselves."""
        modes = registry.resource["printernizer.deployment_mode"].allowed_values
        assert modes == {"homeassistant", "docker", "pi", "standalone"}
        error_type = registry.metrics["printernizer.errors"].attributes["error_type"]
        assert error_type.allowed_values is not None and OTHER not in error_type.allowed_values
        assert "printer_connection" in error_type.allowed_values

    def test_kinds_and_weekly_rules(self, registry: Registry) -> None:
        assert registry.metrics["printernizer.jobs.events"].kind is Kind.COUNTER
        assert registry.metrics["printernizer.printers"].weekly is Weekly.MAX
        assert registry.metrics["http.server.request.duration"].rounding.buckets == (0.01, 0.05, 0.25, 1.0, 5.0)

    def test_max_weekly_bounds_what_cannot_be_more(self, registry: Registry) -> None:
        """Uptime cannot exceed seven days a week, a feature flag one; other metrics have no own bound."""
        assert registry.metrics["printernizer.uptime"].max_weekly == 7
        assert registry.metrics["printernizer.features.enabled"].max_weekly == 1
        assert registry.metrics["printernizer.jobs.events"].max_weekly is None

    def test_runtime_sources_are_listed(self, registry: Registry) -> None:
        assert registry.runtime_sources() == {"route_templates"}

    def test_default_registry_is_loaded_once(self) -> None:
        assert default_registry() is default_registry()

    def test_registry_is_read_only(self, registry: Registry) -> None:
        with pytest.raises(TypeError):
            registry.metrics["x"] = registry.metrics["printernizer.errors"]  # type: ignore[index]


class TestBrokenRegistries:
    @pytest.mark.parametrize(("replace", "by", "message"), [
        ("kind: counter", "kind: sparkline",
         "metrics.test.jobs.kind: 'sparkline' is not one of ['counter', 'gauge', 'histogram']"),
        ("    weekly: max", "    weekly: avg", "metrics.test.printers.weekly: 'avg' is not one of ['sum', 'max']"),
        ("max_cardinality: 2", "max_cardinality: 0", "max_cardinality: 0 is less than the minimum of 1"),
        ("max_cardinality: 2", "max_cardinality: 2\n    max_weekly: 0",
         "max_weekly: 0 is less than or equal to the minimum of 0"),
        ("max_cardinality: 2", "max_cardinality: 2\n    max_weekly: many",
         "max_weekly: 'many' is not of type 'number'"),
        ("allowed_values: [created, completed]", "allowed_values: [created, other]", "`other` is implicit"),
        ("allowed_values: [created, completed]", "allowed_values: [created, created]", "has non-unique elements"),
        ("allowed_values: [created, completed]", "allowed_values: []", "should be non-empty"),
        ("allowed_values: [created, completed]", "allowed_values: ['has space']", "'has space' does not match"),
        ("  test.jobs:", "  TestJobs:", "dotted snake_case"),
        ("    expires: never\n  test.printers", "    colour: red\n    expires: never\n  test.printers",
         "metrics.test.jobs: Additional properties are not allowed ('colour' was unexpected)"),
        ("    rounding: integer\n    weekly: sum\n    daily", "    rounding: none\n    weekly: sum\n    daily",
         "COUNTER_NOT_INTEGER"),
        ("jobs_done: {event: [completed]}", "jobs_done: {event: [finished]}", "values ['finished'] not allowed"),
        ("format: uuid4", "format: guid", "format: 'guid' is not one of ['uuid4'"),
        ("$schema: printernizer-stats/metrics/1-0-0", "$schema: glean/2-0-0", "$schema"),
        ("  printernizer.stats.batch_id: {description: Batch id., format: uuid}\n", "", "PLAN_FIELD_MISSING"),
        ("description: Jobs counted for the tests, nothing else at all.", "description: Jobs.",
         "DESCRIPTION_TOO_SHORT"),
    ])
    def test_fails_naming_the_entry(self, replace: str, by: str, message: str) -> None:
        """Each broken entry fails at load with a message naming it."""
        with pytest.raises(RegistryError) as excinfo:
            check_registry(_broken(replace, by), "broken.yaml")
        assert message in str(excinfo.value)
        assert "broken.yaml" in str(excinfo.value)

    def test_error_names_the_line(self) -> None:
        """Schema errors point at the line of the broken key, the loader's at the line of the metric."""
        text = _broken("kind: gauge", "kind: sparkline")
        line = text.splitlines().index("    kind: sparkline") + 1
        with pytest.raises(RegistryError, match=rf"broken.yaml:{line}: metrics.test.printers.kind: 'sparkline'"):
            check_registry(text, "broken.yaml")
        text = _broken("jobs_done: {event: [completed]}", "jobs_done: {event: [finished]}")
        line = text.splitlines().index("  test.jobs:") + 1
        with pytest.raises(RegistryError, match=rf"broken.yaml:{line}: metrics.test.jobs: daily_stats jobs_done"):
            parse_registry(text, "broken.yaml")

    def test_the_loader_alone_points_a_misshapen_file_to_the_lint(self) -> None:
        """Without jsonschema (the host's runtime) a file of the wrong shape still fails as a RegistryError."""
        with pytest.raises(RegistryError, match=r"does not match metrics\.schema\.json .*registry lint --file b\.yaml"):
            parse_registry(_broken("kind: gauge", "kind: sparkline"), "b.yaml")
        with pytest.raises(RegistryError, match=r"does not match metrics\.schema\.json"):
            parse_registry(_broken("    weekly: max\n", ""), "b.yaml")

    @pytest.mark.parametrize(("replace", "by", "message"), [
        ("    rounding: integer\n    weekly: sum\n    daily",
         "    rounding: {buckets: [1, 5]}\n    weekly: sum\n    daily",
         "rounding must be 'integer' or 'none' for a counter"),
        ("format: uuid4", "format: guid", "unknown format 'guid'"),
        ("allowed_values: [created, completed]}",
         "allowed_values: [created, completed], transform: shout}", "unknown transform 'shout'"),
    ])
    def test_the_loader_keeps_what_the_schema_cannot_check(self, replace: str, by: str, message: str) -> None:
        """Cross-references into Python tables (formats, transforms) and across keys hold without the schema."""
        with pytest.raises(RegistryError, match=message):
            parse_registry(_broken(replace, by), "broken.yaml")

    def test_invalid_yaml(self) -> None:
        with pytest.raises(RegistryError, match="not valid YAML"):
            parse_registry("metrics: [unclosed", "broken.yaml")

    def test_runtime_set_needs_pattern(self) -> None:
        text = _broken("allowed_values: [created, completed]", "allowed_values: runtime:route_templates")
        with pytest.raises(RegistryError, match="needs a `pattern`"):
            parse_registry(text, "broken.yaml")
        with pytest.raises(RegistryError, match="'pattern' is a required property"):
            check_registry(text, "broken.yaml")

    def test_histogram_buckets_ascend(self) -> None:
        text = (DATA / "minimal.yaml").read_text().replace("kind: gauge", "kind: histogram").replace(
            "    rounding: integer\n    weekly: max", "    rounding: {buckets: [5, 1]}\n    weekly: sum")
        with pytest.raises(RegistryError, match="strictly ascending"):
            check_registry(text, "broken.yaml")

    def test_minimal_registry_loads(self, minimal_registry: Registry) -> None:
        assert minimal_registry.version == 3
        assert minimal_registry.metrics["test.jobs"].daily_stats == {"jobs_done": {"event": frozenset({"completed"})}}
