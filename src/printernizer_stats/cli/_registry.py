"""``registry show|lint|docs|names``: the metric registry for humans (and the generated names module)."""

from __future__ import annotations

import argparse
import json
import sys

import yaml

from printernizer_stats.registry import (
    LANGUAGES,
    CheckType,
    Registry,
    RegistryError,
    check_registry_file,
    event_map_problems,
    event_map_text,
    lint_registry,
    load_registry,
    registry_texts,
    render_markdown,
    render_names,
    translation_problems,
)


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["show", "lint", "docs", "names"], help="what to do")
    parser.add_argument("--file", default=None, help="a registry YAML (default: the shipped one)")


def _lint(file: str | None) -> int:
    """The schema (metrics.schema.json, with jsonschema), the loader's checks, the lints, every translation
    and the event-bus map, each problem on its own line; 1 when any is an error."""
    try:
        registry = check_registry_file(file)
    except ImportError:
        print("error: the schema check needs jsonschema (pip install 'printernizer-stats[test]')")
        return 1
    except RegistryError as exc:
        for problem in str(exc).split("; "):
            print(f"error: {problem}")
        return 1
    findings = lint_registry(registry)
    for name, kind, message in findings:
        print(f"{kind.value}: {name}: {message}")
    problems = [f"translation: {problem}" for language in LANGUAGES if (texts := registry_texts(language))
                for problem in translation_problems(registry, texts)]
    problems += [f"event map: {problem}"
                 for problem in event_map_problems(yaml.safe_load(event_map_text()), registry)[1]]
    for problem in problems:
        print(f"error: {problem}")
    return 1 if problems or any(kind is CheckType.ERROR for _, kind, _ in findings) else 0


def _show(registry: Registry) -> str:
    return json.dumps({
        "version": registry.version,
        "consent_version": registry.consent_version,
        "metrics": {name: {"kind": m.kind.value, "unit": m.unit, "attributes": sorted(m.attributes)}
                    for name, m in registry.metrics.items()},
        "resource": sorted(registry.resource),
    }, indent=2) + "\n"


def run(args: argparse.Namespace) -> int:
    if args.action == "lint":
        return _lint(args.file)
    registry = load_registry(args.file)
    render = {"docs": render_markdown, "names": render_names, "show": _show}[args.action]
    sys.stdout.write(render(registry))
    return 0
