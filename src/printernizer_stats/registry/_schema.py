"""Check ``metrics.yaml`` against ``metrics.schema.json`` with jsonschema, naming each entry and its line.

For the registry CLI (``registry lint``, ``show``, ``docs``, ``names`` with ``--file``) and the tests:
jsonschema is a dev and test dependency, never imported by the host's runtime (it is not one of
Printernizer's pins), so it is imported only when a check runs. The loader then adds what a schema
cannot say (``_loader.py``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from printernizer_stats.registry._loader import LINES, RegistryError, build_registry, load_yaml, plain
from printernizer_stats.registry._model import Registry

SCHEMA_FILE = "metrics.schema.json"


@cache
def registry_schema() -> Mapping[str, Any]:
    """The JSON Schema of ``metrics.yaml`` shipped beside it."""
    text = resources.files("printernizer_stats.registry").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _line(data: Any, path: Sequence[str | int]) -> int | None:
    """The line of the deepest mapping key on ``path`` (the loader keeps each mapping's key lines)."""
    line = None
    for step in path:
        if isinstance(data, Mapping) and step in data:
            line = data.get(LINES, {}).get(step, line)
            data = data[step]
        elif isinstance(data, list) and isinstance(step, int) and step < len(data):
            data = data[step]
        else:
            break
    return line


def schema_problems(data: Any, path: str = "<registry>") -> list[str]:
    """Every way loaded registry YAML (see ``load_yaml``) breaks the schema: ``file:line: entry: problem``."""
    from jsonschema import Draft202012Validator  # noqa: PLC0415 - dev/test only, never on the host
    from jsonschema.exceptions import best_match  # noqa: PLC0415

    validator = Draft202012Validator(dict(registry_schema()))
    problems = []
    for error in sorted(validator.iter_errors(plain(data)), key=lambda e: [str(p) for p in e.absolute_path]):
        # Of a oneOf's branches, the one that nearly matched says what is wrong ("'other' should not be valid").
        cause = best_match(error.context) if error.context else error
        cause = cause or error
        steps = list(cause.absolute_path)
        entry = ".".join(str(step) for step in steps) or "top level"
        why = cause.schema.get("description") if isinstance(cause.schema, Mapping) else None
        message = f"{cause.message} ({why})" if why else cause.message
        line = _line(data, steps)
        problems.append(f"{path}:{line}: {entry}: {message}" if line else f"{path}: {entry}: {message}")
    return problems


def check_registry(text: str, path: str = "<registry>") -> Registry:
    """The registry of ``text``, checked against the schema first, then loaded; raises :class:`RegistryError`
    naming every schema problem (or the loader's)."""
    data = load_yaml(text, path)
    if problems := schema_problems(data, path):
        raise RegistryError("; ".join(problems))
    return build_registry(data, path)


def check_registry_file(path: str | Path | None = None) -> Registry:
    """:func:`check_registry` of a file; without a path, of the shipped ``metrics.yaml``."""
    if path is None:
        shipped = resources.files("printernizer_stats.registry").joinpath("metrics.yaml")
        return check_registry(shipped.read_text(encoding="utf-8"), "metrics.yaml")
    return check_registry(Path(path).read_text(encoding="utf-8"), str(path))
