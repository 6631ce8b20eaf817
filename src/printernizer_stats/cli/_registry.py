"""``registry show|lint|docs``: the metric registry for humans."""

from __future__ import annotations

import argparse
import json
import sys

from printernizer_stats.registry import (
    LANGUAGES,
    CheckType,
    lint_registry,
    load_registry,
    registry_texts,
    translation_problems,
)


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["show", "lint", "docs"], help="what to do")
    parser.add_argument("--file", default=None, help="a registry YAML (default: the shipped one)")


def run(args: argparse.Namespace) -> int:
    registry = load_registry(args.file)
    if args.action == "lint":
        findings = lint_registry(registry)
        for name, kind, message in findings:
            print(f"{kind.value}: {name}: {message}")
        # Every description in every language of the page (metrics.<lang>.yaml beside the registry).
        untranslated = [problem for language in LANGUAGES if (texts := registry_texts(language)) is not None
                        for problem in translation_problems(registry, texts)]
        for problem in untranslated:
            print(f"error: translation: {problem}")
        return 1 if untranslated or any(kind is CheckType.ERROR for _, kind, _ in findings) else 0
    if args.action == "docs":
        from printernizer_stats.registry import render_markdown  # noqa: PLC0415

        sys.stdout.write(render_markdown(registry))
        return 0
    print(json.dumps({
        "version": registry.version,
        "consent_version": registry.consent_version,
        "metrics": {name: {"kind": m.kind.value, "unit": m.unit, "attributes": sorted(m.attributes)}
                    for name, m in registry.metrics.items()},
        "resource": sorted(registry.resource),
    }, indent=2))
    return 0
