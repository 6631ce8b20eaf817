"""Attribute and resource rules shared by the client filter and the receiver's validation."""

from __future__ import annotations

import pytest

from printernizer_stats.registry import (
    OTHER,
    Registry,
    check_attribute,
    check_resource,
    normalise_attribute,
    normalise_resource,
    route_group,
    status_class,
)

ROUTES = {"route_templates": frozenset({"/api/v1/printers/{printer_id}", "unmatched"})}


class TestStatusClass:
    @pytest.mark.parametrize(("code", "expected"), [(200, "2xx"), ("404", "4xx"), (599, "5xx"), (99, OTHER),
                                                    (600, OTHER), ("abc", OTHER)])
    def test_folds_codes(self, code: object, expected: str) -> None:
        assert status_class(code) == expected


class TestNormaliseAttribute:
    def test_keeps_allowed_values(self, registry: Registry) -> None:
        spec = registry.metrics["printernizer.jobs.events"].attributes["event"]
        assert normalise_attribute(spec, "completed", {}) == "completed"

    def test_folds_unknown_values_to_other(self, registry: Registry) -> None:
        spec = registry.metrics["printernizer.jobs.events"].attributes["event"]
        assert normalise_attribute(spec, "jane@example.com", {}) == OTHER

    def test_runtime_set_accepts_only_host_templates(self, registry: Registry) -> None:
        spec = registry.metrics["http.server.request.duration"].attributes["http.route"]
        assert normalise_attribute(spec, "/api/v1/printers/{printer_id}", ROUTES) == "/api/v1/printers"
        assert normalise_attribute(spec, "/api/v1/printers/my-printer", ROUTES) == OTHER
        assert normalise_attribute(spec, "/api/v1/printers", ROUTES) == OTHER  # a group is no template
        assert normalise_attribute(spec, "/api/v1/printers/{printer_id}", {}) == OTHER

    def test_route_groups_are_the_templates_first_three_literal_segments(self) -> None:
        assert [route_group(t) for t in ("/api/v1/printers/{printer_id}/status", "/api/v1/health", "/",
                                         "/{path}", "/metrics", "/api/v1/ideas/url/preview", "unmatched", OTHER,
                                         "/api/v1/printers")] == [
            "/api/v1/printers", "/api/v1/health", "/", "/", "/metrics", "/api/v1/ideas", "unmatched", OTHER,
            "/api/v1/printers"]

    def test_transform_applies_before_the_set(self, registry: Registry) -> None:
        spec = registry.metrics["http.server.request.duration"].attributes["http.response.status_code"]
        assert normalise_attribute(spec, 404, {}) == "4xx"


class TestCheckAttribute:
    def test_accepts_allowed_and_other(self, registry: Registry) -> None:
        spec = registry.metrics["printernizer.jobs.events"].attributes["event"]
        assert check_attribute(spec, "completed") is None
        assert check_attribute(spec, OTHER) is None

    def test_rejects_unknown_and_non_strings(self, registry: Registry) -> None:
        spec = registry.metrics["printernizer.jobs.events"].attributes["event"]
        assert "not in the allowed set" in (check_attribute(spec, "exploded") or "")
        assert check_attribute(spec, 3) == "must be a string"

    def test_runtime_set_checked_by_pattern_and_length(self, registry: Registry) -> None:
        spec = registry.metrics["http.server.request.duration"].attributes["http.route"]
        assert check_attribute(spec, "/api/v1/jobs/{job_id}/status") is None
        assert check_attribute(spec, "/api/v1/search?q=secret") is not None
        assert "longer than" in (check_attribute(spec, "/" + "a" * 200) or "")


class TestResource:
    @pytest.mark.parametrize(("field", "raw", "expected"), [
        ("printernizer.app_version", "2.41.7-6-gbe0da09-dirty", "2.41.7"),
        ("printernizer.app_version", "v2.42", "2.42.0"),
        ("printernizer.app_version", "be0da09", "0.0.0"),
        ("printernizer.python_version", "3.11.7", "3.11"),
        ("printernizer.country_code", "de", "DE"),
        ("printernizer.country_code", "Germany", "XX"),
        ("printernizer.deployment_mode", "Docker", "docker"),
        ("printernizer.deployment_mode", "kubernetes", OTHER),
    ])
    def test_normalise(self, registry: Registry, field: str, raw: str, expected: str) -> None:
        assert normalise_resource(registry.resource[field], raw) == expected

    @pytest.mark.parametrize(("field", "value", "ok"), [
        ("printernizer.installation_id", "3f1c2b9e-8d7a-4c1b-9a2e-1f2d3c4b5a69", True),
        ("printernizer.installation_id", "3F1C2B9E-8D7A-4C1B-9A2E-1F2D3C4B5A69", False),
        ("printernizer.installation_id", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", False),
        ("printernizer.installation_id", "not-a-uuid", False),
        ("printernizer.app_version", "2.41.7", True),
        ("printernizer.app_version", "2.41.7-dirty", False),
        ("printernizer.country_code", "DE", True),
        ("printernizer.country_code", "DEU", False),
        ("printernizer.stats.registry_version", "1", True),
        ("printernizer.stats.registry_version", "-1", False),
        ("printernizer.platform", "linux", True),
        ("printernizer.platform", "plan9", False),
    ])
    def test_check(self, registry: Registry, field: str, value: str, ok: bool) -> None:
        assert (check_resource(registry.resource[field], value) is None) is ok
