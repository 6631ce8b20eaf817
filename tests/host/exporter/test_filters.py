"""The privacy filter: one group per step, each with a case that must be dropped or changed."""

from __future__ import annotations

import math

import pytest

from printernizer_stats.host.exporter import (
    CapCardinality,
    DropReading,
    DropUnlistedAttributes,
    DropUnregistered,
    FoldUnknownValues,
    Reading,
    RoundValue,
    run_filters,
    stateless_filters,
)
from printernizer_stats.registry import OTHER, Kind, Registry

JOBS = "printernizer.jobs.events"
HTTP = "http.server.request.duration"
BUCKETS = (0.01, 0.05, 0.25, 1.0, 5.0)


def job(event: object = "completed", value: float = 1, **extra: object) -> Reading:
    return Reading(JOBS, Kind.COUNTER, {"event": event, **extra}, value)


class TestDropUnregistered:
    def test_keeps_declared_metrics(self, registry: Registry) -> None:
        assert DropUnregistered(registry)(job()) == job()

    def test_drops_undeclared_metric(self, registry: Registry) -> None:
        """A metric the registry does not know never goes further."""
        with pytest.raises(DropReading):
            DropUnregistered(registry)(Reading("printernizer.user.email", Kind.COUNTER, {}, 1))

    def test_drops_declared_name_of_another_kind(self, registry: Registry) -> None:
        with pytest.raises(DropReading):
            DropUnregistered(registry)(Reading(JOBS, Kind.GAUGE, {}, 1))


class TestDropUnlistedAttributes:
    def test_removes_undeclared_keys(self, registry: Registry) -> None:
        """A file name smuggled in as an attribute is removed, not masked."""
        out = DropUnlistedAttributes(registry)(job(filename="benchy.3mf", printer_name="Workshop"))
        assert out.attributes == {"event": "completed"}

    def test_keeps_declared_keys(self, registry: Registry) -> None:
        assert DropUnlistedAttributes(registry)(job()).attributes == {"event": "completed"}


class TestFoldUnknownValues:
    def test_value_outside_enum_becomes_other(self, registry: Registry) -> None:
        out = FoldUnknownValues(registry, {})(job(event="192.168.1.10"))
        assert out.attributes == {"event": OTHER}

    def test_allowed_value_kept(self, registry: Registry) -> None:
        assert FoldUnknownValues(registry, {})(job()).attributes == {"event": "completed"}

    def test_raw_path_is_not_a_route_template(self, registry: Registry) -> None:
        runtime = {"route_templates": frozenset({"/api/v1/printers/{printer_id}"})}
        reading = Reading(HTTP, Kind.HISTOGRAM, {"http.route": "/api/v1/printers/my-x1c",
                                                 "http.response.status_code": 503}, 0.1, 1, (0,) * 6, BUCKETS)
        out = FoldUnknownValues(registry, runtime)(reading)
        assert out.attributes == {"http.route": OTHER, "http.response.status_code": "5xx"}


class TestRoundValue:
    def test_rounds_counters_to_integers(self, registry: Registry) -> None:
        assert RoundValue(registry)(job(value=2.6)).value == 3

    @pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
    def test_drops_non_finite(self, registry: Registry, value: float) -> None:
        with pytest.raises(DropReading):
            RoundValue(registry)(job(value=value))

    def test_drops_negative_counts(self, registry: Registry) -> None:
        with pytest.raises(DropReading, match="negative"):
            RoundValue(registry)(job(value=-1))

    def test_histogram_needs_registry_buckets(self, registry: Registry) -> None:
        ok = Reading(HTTP, Kind.HISTOGRAM, {}, 0.1, 1, (1,) + (0,) * 5, BUCKETS)
        assert RoundValue(registry)(ok) == ok
        with pytest.raises(DropReading, match="buckets"):
            RoundValue(registry)(Reading(HTTP, Kind.HISTOGRAM, {}, 0.1, 1, (1, 0), (0.5,)))


class TestCapCardinality:
    def test_series_past_the_cap_fold_into_other(self, minimal_registry: Registry) -> None:
        """test.printers has a cap of 3: the fourth distinct series becomes all-`other`."""
        cap = CapCardinality(minimal_registry)
        kept = [cap(Reading("test.printers", Kind.GAUGE, {"printer_type": f"t{i}"}, 1)) for i in range(5)]
        assert [r.attributes["printer_type"] for r in kept] == ["t0", "t1", "t2", OTHER, OTHER]

    def test_known_series_pass_after_the_cap(self, minimal_registry: Registry) -> None:
        cap = CapCardinality(minimal_registry)
        cap.reset({"test.printers": [(("printer_type", "a"),), (("printer_type", "b"),), (("printer_type", "c"),)]})
        assert cap(Reading("test.printers", Kind.GAUGE, {"printer_type": "b"}, 1)).attributes == {"printer_type": "b"}
        assert cap(Reading("test.printers", Kind.GAUGE, {"printer_type": "d"}, 1)).attributes == {"printer_type": OTHER}


class TestRunFilters:
    def test_counts_dropped_and_keeps_order(self, registry: Registry) -> None:
        readings = [job(), Reading("nope.metric", Kind.COUNTER, {}, 1), job(event="failed", value=-3), job("failed")]
        kept, dropped = run_filters(readings, stateless_filters(registry, {}))
        assert dropped == 2
        assert [r.attributes["event"] for r in kept] == ["completed", "failed"]


def test_a_drop_is_not_an_error_that_a_guard_could_swallow(registry: Registry) -> None:
    """``DropReading`` is a ``BaseException`` (like structlog's ``DropEvent``): a step guarding its own
    failures with ``except Exception`` cannot keep a reading that the filter it wraps dropped."""
    drop_unregistered = DropUnregistered(registry)

    def guarded(reading: Reading) -> Reading:
        try:
            return drop_unregistered(reading)
        except Exception:  # a bug-guard of its own: a bug keeps the reading unchanged
            return reading

    undeclared = Reading("printernizer.user.email", Kind.COUNTER, {}, 1)
    assert run_filters([undeclared, job()], [guarded]) == ([job()], 1)
