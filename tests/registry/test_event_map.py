"""The event-bus map is data next to the registry, and checked against it: a typo fails loading."""

from __future__ import annotations

from pathlib import Path

import pytest

from printernizer_stats import registry as registry_module
from printernizer_stats.cli._main import main
from printernizer_stats.registry import (
    EventCount,
    Registry,
    RegistryError,
    default_event_map,
    event_map_text,
    parse_event_map,
)


def test_the_shipped_map_loads_against_the_shipped_registry(registry: Registry) -> None:
    rules = parse_event_map(event_map_text(), registry)
    assert rules == dict(default_event_map())
    assert rules["print_paused"].counts == (EventCount("printernizer.jobs.events", {"event": "paused"}),)
    changed = rules["job_status_changed"]
    assert changed.status_changed and changed.counts[0].by_status["event"]["printing"] == "started"
    assert rules["printer_connection_progress"].status_in == frozenset({"failed", "error"})


@pytest.mark.parametrize(("original", "typo", "named"), [
    ("{event: paused}", "{event: pausd}", "event='pausd' is not allowed"),
    ("printing: started", "printing: strted", "event='strted' is not allowed"),
    ("error_type: file_upload,", "error_type: file_uplod,", "error_type='file_uplod' is not allowed"),
    ("{metric: printernizer.slicing.jobs, attributes: {result: created}}",
     "{metric: printernizer.slicing.job, attributes: {result: created}}",
     "'printernizer.slicing.job' is not a counter"),
    ("{direction: upload, result: completed}", "{direction: upload}", "needs ['result'] too"),
    ("{event: material_low_stock}", "{event: material_low_stock, printer_id: x}", "'printer_id' is not a closed"),
    ("    status_in: [failed, error]", "    status_in: []", "status_in is a non-empty list"),
    ("  print_stopped:\n    counts:", "  print_stopped:\n    payload: [name]\n    counts:", "allowed keys"),
])
def test_a_typo_fails_loading_and_names_the_event(registry: Registry, original: str, typo: str, named: str) -> None:
    text = event_map_text()
    assert original in text
    with pytest.raises(RegistryError, match=r"event_bus\.yaml: ") as info:
        parse_event_map(text.replace(original, typo, 1), registry, "event_bus.yaml")
    assert named in str(info.value)


def test_a_metric_that_is_no_counter_is_refused(registry: Registry) -> None:
    text = event_map_text().replace("{metric: printernizer.jobs.events, attributes: {event: created}}",
                                    "{metric: printernizer.printers, attributes: {printer_type: octoprint}}", 1)
    with pytest.raises(RegistryError, match=r"'printernizer\.printers' is not a counter"):
        parse_event_map(text, registry)


def test_a_wrong_schema_is_refused(registry: Registry) -> None:
    with pytest.raises(RegistryError, match=r"\$schema must be"):
        parse_event_map(event_map_text().replace("event-bus/1", "event-bus/2"), registry)
    with pytest.raises(RegistryError, match="not valid YAML"):
        parse_event_map("events: [", registry)


def test_registry_lint_checks_the_event_map(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A registry that drops a value the map counts fails ``printernizer-stats registry lint``, naming it."""
    shipped = Path(registry_module.__file__).parent / "metrics.yaml"
    changed = tmp_path / "metrics.yaml"
    changed.write_text(shipped.read_text().replace("cancelled, paused, resumed", "cancelled, resumed"))
    assert main(["registry", "lint", "--file", str(changed)]) == 1
    assert "error: event map: print_paused count 1: printernizer.jobs.events event='paused'" in capsys.readouterr().out
    assert main(["registry", "lint"]) == 0
