"""Remembered verdicts: the same result as running steps 1-3 on every reading, only computed once."""

from __future__ import annotations

import pytest

from printernizer_stats.host.exporter import DropReading, Reading, stateless_filters
from printernizer_stats.host.exporter._verdicts import RememberedVerdicts
from printernizer_stats.registry import OTHER, Kind, Registry

JOBS = "printernizer.jobs.events"
HTTP = "http.server.request.duration"
BUCKETS = (0.01, 0.05, 0.25, 1.0, 5.0)
ROUTE = "/api/v1/printers/{printer_id}"


def http(route: object, status: object = 200, method: object = "GET") -> Reading:
    attributes = {"http.route": route, "http.response.status_code": status, "http.request.method": method}
    return Reading(HTTP, Kind.HISTOGRAM, attributes, 0.1, 1, (0, 1, 0, 0, 0, 0), BUCKETS)


def run_steps(registry: Registry, runtime: dict[str, frozenset[str]], reading: Reading) -> Reading:
    for step in stateless_filters(registry, runtime)[:3]:
        reading = step(reading)
    return reading


@pytest.mark.parametrize("reading", [
    http(ROUTE), http(ROUTE, 404), http("/api/v1/printers/my-x1c"), http(ROUTE, "503", "BREW"),
    http(ROUTE, True), http(ROUTE, 1.0), http(ROUTE, (200,)),
    Reading(JOBS, Kind.COUNTER, {"event": "completed", "file_name": "benchy.3mf"}, 2),
])
def test_same_result_as_the_steps_first_and_second_time(registry: Registry, reading: Reading) -> None:
    runtime = {"route_templates": frozenset({ROUTE})}
    verdicts = RememberedVerdicts(stateless_filters(registry, runtime)[:3], runtime)
    verdicts.refresh()
    expected = run_steps(registry, runtime, reading)
    for _ in range(2):
        out = verdicts(reading)
        assert (out.attributes, out.series, out.value) == (expected.attributes, expected.series, expected.value)


def test_equal_keys_of_other_types_are_not_confused(registry: Registry) -> None:
    """1 and True, 200 and 200.0 are equal keys; their texts (other, 2xx, other) must not be shared."""
    verdicts = RememberedVerdicts(stateless_filters(registry, {})[:3], {})
    codes = [verdicts(http("unmatched", status)).attributes["http.response.status_code"] for status in (1, True)]
    assert codes == [OTHER, OTHER]
    assert verdicts(http("unmatched", 200)).attributes["http.response.status_code"] == "2xx"
    assert verdicts(http("unmatched", 200.0)).attributes["http.response.status_code"] == run_steps(
        registry, {}, http("unmatched", 200.0)).attributes["http.response.status_code"]


def test_drop_is_remembered_and_still_raised(registry: Registry) -> None:
    verdicts = RememberedVerdicts(stateless_filters(registry, {})[:3], {})
    for _ in range(2):
        with pytest.raises(DropReading):
            verdicts(Reading("printernizer.user.email", Kind.COUNTER, {}, 1))


def test_a_changed_runtime_set_forgets_every_verdict(registry: Registry) -> None:
    """A route template the host adds later is kept from the next export on, not folded forever."""
    runtime: dict[str, frozenset[str]] = {"route_templates": frozenset()}
    verdicts = RememberedVerdicts(stateless_filters(registry, runtime)[:3], runtime)
    verdicts.refresh()
    assert verdicts(http(ROUTE)).attributes["http.route"] == OTHER
    runtime["route_templates"] = frozenset({ROUTE})
    verdicts.refresh()
    assert verdicts(http(ROUTE)).attributes["http.route"] != OTHER


def test_past_the_limit_verdicts_are_computed_not_remembered(registry: Registry) -> None:
    verdicts = RememberedVerdicts(stateless_filters(registry, {})[:3], {}, limit=1)
    outs = [verdicts(http(f"/raw/{n}")).attributes["http.route"] for n in range(3)]
    assert outs == [OTHER] * 3
    assert len(verdicts._verdicts) == 1
