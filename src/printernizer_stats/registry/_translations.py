"""The registry's texts in other languages (``metrics.<lang>.yaml`` beside ``metrics.yaml``), and their lint.

A translation file mirrors the registry's descriptions under the same names; :func:`translation_problems`
names every description without a text (and every text without a description), so a new metric or attribute
cannot ship without its German description.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from printernizer_stats.registry._model import Registry

LANGUAGES = ("en", "de")
"""The registry's languages: English in metrics.yaml, the others in metrics.<lang>.yaml."""


@dataclass(frozen=True, slots=True)
class RegistryTexts:
    """The registry's descriptions in one language, by name (``metric`` or ``metric attribute``)."""

    language: str
    never_collected: tuple[str, ...] = ()
    resource: Mapping[str, str] = field(default_factory=dict)
    metrics: Mapping[str, str] = field(default_factory=dict)
    attributes: Mapping[tuple[str, str], str] = field(default_factory=dict)


def parse_texts(data: Mapping[str, Any]) -> RegistryTexts:
    """A translation file's content (as loaded from YAML) as :class:`RegistryTexts`."""
    metrics = data.get("metrics") or {}
    return RegistryTexts(
        language=str(data.get("language", "")),
        never_collected=tuple(str(item) for item in data.get("never_collected") or ()),
        resource={str(k): " ".join(str(v).split()) for k, v in (data.get("resource") or {}).items()},
        metrics={str(name): " ".join(str(spec.get("description", "")).split()) for name, spec in metrics.items()
                 if spec.get("description")},
        attributes={(str(name), str(attr)): " ".join(str(text).split())
                    for name, spec in metrics.items() for attr, text in (spec.get("attributes") or {}).items()},
    )


@cache
def registry_texts(language: str) -> RegistryTexts | None:
    """The shipped translation of the registry into ``language``; None for English or an unknown language."""
    if language == "en" or language not in LANGUAGES:
        return None
    text = resources.files("printernizer_stats.registry").joinpath(f"metrics.{language}.yaml").read_text("utf-8")
    return parse_texts(yaml.safe_load(text))


def translation_problems(registry: Registry, texts: RegistryTexts) -> list[str]:
    """Every description of ``registry`` without a text in ``texts``, and every text without a description."""
    problems: list[str] = []

    def compare(kind: str, wanted: set[Any], present: set[Any]) -> None:
        problems.extend(f"{texts.language}: {kind} {name}: no translation" for name in sorted(wanted - present))
        problems.extend(f"{texts.language}: {kind} {name}: not in the registry" for name in sorted(present - wanted))

    compare("resource", set(registry.resource), set(texts.resource))
    compare("metric", set(registry.metrics), set(texts.metrics))
    compare("attribute", {(m.name, a) for m in registry.metrics.values() for a in m.attributes},
            set(texts.attributes))
    if len(texts.never_collected) != len(registry.never_collected):
        problems.append(f"{texts.language}: never_collected has {len(texts.never_collected)} items, the registry "
                        f"{len(registry.never_collected)} (same items, same order)")
    return problems
