"""No name the registry declares is retyped as a string literal in src/: code uses registry/names.py.

The registry's data (metrics.yaml, event_bus.yaml) and the module generated from it are where names are
written; everywhere else a metric, resource field, attribute, summary column or distinctive value is a
constant of ``printernizer_stats.registry.names``. The scan reads the ast, so only whole string constants
count (not words inside docstrings or messages).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from printernizer_stats.registry import Registry

SRC = Path(__file__).parents[2] / "src" / "printernizer_stats"
TOOLS = SRC.parent / "printernizer_stats_tools"
GENERATED = SRC / "registry" / "names.py"
ALLOWED: dict[tuple[str, str], str] = {
    # (path below src/printernizer_stats, literal): why it stays a literal.
    **{("maintainers/server/migrations/versions/0001_initial_schema.py", column): "a migration is frozen history: "
       "it must create the columns of its day, not of today's registry"
       for column in ("jobs_created", "jobs_completed", "jobs_failed", "files_downloaded", "files_uploaded",
                      "error_count", "printer_count", "uptime_days")},
    ("contract/_summary.py", "uptime_days"): "the community summary's list of days running (SummaryList), a "
    "summary key spelled like the daily_stats column it is computed from",
    **{(where, "uptime_days"): "the field of this installation's set-up beside the summary, named like its list"
       for where in ("host/client/_yours.py", "host/viewer/_community.py")},
}
TOOLS_ALLOWED: dict[tuple[str, str], str] = {
    # (path below src/printernizer_stats_tools, literal): why it stays a literal.
    ("standin/_services.py", "printer_type"): "the field of Printernizer's printer API the stand-in "
    "answers with, not our attribute",
    **{("standin/app.py", value): "README's integration snippet, as an integrator pastes it into "
       "Printernizer's src/main.py" for value in ("bambu_lab", "prusa_core")},
}
EMITTERS = frozenset({"emit", "emit_event", "_emit"})
"""Calls whose string arguments are Printernizer's event names (``printer_disconnected``, ``file_deleted``): the
stand-in Printernizer emits them, and some are spelled like a registry value without being one."""


def registry_names(registry: Registry) -> dict[str, str]:
    """Every name of ``registry`` a literal must not retype -> what it is.

    Allowed values count when they are distinctive (``auto_created``, ``bambu_lab``, ``2xx``): a one-word
    value (``completed``, ``GET``, ``docker``) is an ordinary word that means other things in src/ too
    (Printernizer's job statuses, HTTP methods, probes), so it cannot be told apart by its spelling."""
    names: dict[str, str] = {}
    for spec in registry.metrics.values():
        names[spec.name] = "metric"
        names.update(dict.fromkeys(spec.attributes, "attribute"))
        names.update(dict.fromkeys(spec.daily_stats, "daily_stats column"))
        for attr in spec.attributes.values():
            names.update({v: f"value of {attr.name}" for v in attr.ordered_values if _distinctive(v)})
            if attr.runtime_source:
                names[attr.runtime_source] = "runtime value set"
    for field in registry.resource.values():
        names[field.name] = "resource field"
        names.update({v: f"value of {field.name}" for v in field.ordered_values if _distinctive(v)})
    return names


def _distinctive(value: str) -> bool:
    return "_" in value or any(c.isdigit() for c in value)


def literals(path: Path) -> Iterator[tuple[int, str]]:
    """Every string constant of ``path`` (line, value), except the event names passed to an emitter."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    event_names = {id(node) for call in ast.walk(tree) if isinstance(call, ast.Call) and _name(call.func) in EMITTERS
                   for arg in call.args for node in (arg, *_branches(arg))}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in event_names:
            yield node.lineno, node.value


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _branches(arg: ast.expr) -> tuple[ast.expr, ...]:
    return (arg.body, arg.orelse) if isinstance(arg, ast.IfExp) else ()


def offenders(registry: Registry, root: Path = SRC,
              allowed: dict[tuple[str, str], str] = ALLOWED) -> list[str]:
    names = registry_names(registry)
    found = []
    for path in sorted(root.rglob("*.py")):
        where = path.relative_to(root).as_posix()
        if path == GENERATED:
            continue
        found += [f"{where}:{line}: {value!r} ({names[value]})" for line, value in literals(path)
                  if value in names and (where, value) not in allowed]
    return found


def test_no_registry_name_is_a_literal_in_src(registry: Registry) -> None:
    """Use ``printernizer_stats.registry.names`` (``Metric.JOBS_EVENTS``, ``JobsEvent.PAUSED``) instead."""
    assert offenders(registry) == []


def test_no_registry_name_is_a_literal_in_the_tools(registry: Registry) -> None:
    """The simulator, stand-in and demo are out of the wheel, not out of the rule."""
    assert offenders(registry, TOOLS, TOOLS_ALLOWED) == []


def test_the_scan_finds_a_retyped_name(registry: Registry, tmp_path: Path) -> None:
    (tmp_path / "module.py").write_text(
        '"""Counts printernizer.jobs.events."""\n'
        'METRIC = "printernizer.jobs.events"\n'
        'ATTRIBUTES = {"event": "auto_created", "status": "completed"}\n'
        'LABEL = f"{METRIC} bambu_lab"\n'
        'bus.emit("material_deleted", {})\n'
        '_emit(request, "file_added" if ok else "printer_busy")\n'
        'emit_later("printer_busy")\n'
    )
    assert offenders(registry, tmp_path) == [
        "module.py:2: 'printernizer.jobs.events' (metric)",
        "module.py:3: 'event' (attribute)",
        "module.py:3: 'auto_created' (value of event)",
        "module.py:7: 'printer_busy' (value of error_type)",
    ]


def test_every_allowed_literal_is_still_there(registry: Registry) -> None:
    """An allow-list entry whose literal is gone must go too."""
    names = registry_names(registry)
    for root, allowed in ((SRC, ALLOWED), (TOOLS, TOOLS_ALLOWED)):
        for where, value in allowed:
            assert value in names and value in {v for _, v in literals(root / where)}, (where, value)
