"""metrics.schema.json: the shipped registries conform, and the schema agrees with the code that reads it."""

from __future__ import annotations

from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from printernizer_stats.cli._main import main
from printernizer_stats.registry import (
    FORMATS,
    Kind,
    Sensitivity,
    Weekly,
    check_registry_file,
    default_registry,
    registry_schema,
    schema_problems,
)
from printernizer_stats.registry._loader import SCHEMA, load_yaml
from printernizer_stats.registry._rules import TRANSFORMS

DATA = Path(__file__).parent.parent / "data"
SHIPPED = Path(__file__).parents[2] / "src" / "printernizer_stats" / "registry" / "metrics.yaml"


def test_the_schema_is_a_valid_json_schema() -> None:
    Draft202012Validator.check_schema(dict(registry_schema()))


@pytest.mark.parametrize("path", [SHIPPED, DATA / "minimal.yaml"])
def test_the_shipped_registries_conform(path: Path) -> None:
    assert schema_problems(load_yaml(path.read_text(), str(path)), str(path)) == []


def test_checked_and_plain_loading_agree() -> None:
    assert check_registry_file() == default_registry()


def test_the_schema_lists_what_the_code_understands() -> None:
    """Enums in the schema are the code's tables: a new format or kind must be added to both."""
    schema = registry_schema()
    defs, metric = schema["$defs"], schema["$defs"]["metric"]["properties"]
    assert schema["properties"]["$schema"]["const"] == SCHEMA
    assert set(defs["resourceField"]["properties"]["format"]["enum"]) == set(FORMATS)
    assert set(defs["attribute"]["properties"]["transform"]["enum"]) == TRANSFORMS
    assert set(metric["kind"]["enum"]) == {kind.value for kind in Kind}
    assert set(metric["weekly"]["enum"]) == {weekly.value for weekly in Weekly}
    assert set(metric["data_sensitivity"]["enum"]) == {s.value for s in Sensitivity}


def test_every_problem_is_named_with_its_line() -> None:
    text = (DATA / "minimal.yaml").read_text().replace("kind: gauge", "kind: gauge\n    colour: red").replace(
        "allowed_values: [docker, standalone]", "allowed_values: [docker, docker]")
    problems = schema_problems(load_yaml(text, "b.yaml"), "b.yaml")
    lines = text.splitlines()
    assert problems == [
        f"b.yaml:{lines.index('  test.printers:') + 1}: metrics.test.printers: Additional properties are not "
        "allowed ('colour' was unexpected)",
        f"b.yaml:{next(i for i, line in enumerate(lines) if 'deployment_mode' in line) + 1}: "
        "resource.printernizer.deployment_mode.allowed_values: ['docker', 'docker'] has non-unique elements "
        "(a closed value set: a non-empty list without duplicates)",
    ]


def test_registry_lint_reports_schema_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "metrics.yaml"
    broken.write_text((DATA / "minimal.yaml").read_text().replace("weekly: sum", "weekly: mean", 1))
    assert main(["registry", "lint", "--file", str(broken)]) == 1
    out = capsys.readouterr().out
    assert f"error: {broken}:" in out and "metrics.test.jobs.weekly: 'mean' is not one of ['sum', 'max']" in out
