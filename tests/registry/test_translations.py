"""The registry's German texts: every description has one (the lint), and the privacy items use them."""

from __future__ import annotations

from dataclasses import replace

from printernizer_stats.cli._main import main
from printernizer_stats.registry import default_registry, privacy_items, registry_texts, translation_problems

REGISTRY = default_registry()


def test_every_description_has_its_german_text() -> None:
    texts = registry_texts("de")
    assert texts is not None and translation_problems(REGISTRY, texts) == []


def test_the_lint_names_a_missing_and_a_stale_translation() -> None:
    texts = registry_texts("de")
    assert texts is not None
    metrics = {k: v for k, v in texts.metrics.items() if k != "printernizer.errors"}
    attributes = {**texts.attributes, ("printernizer.errors", "severity"): "Schwere"}
    problems = translation_problems(REGISTRY, replace(texts, metrics=metrics, attributes=attributes,
                                                      never_collected=texts.never_collected[:-1]))
    assert problems == [
        "de: metric printernizer.errors: no translation",
        "de: attribute ('printernizer.errors', 'severity'): not in the registry",
        "de: never_collected has 7 items, the registry 8 (same items, same order)",
    ]


def test_registry_lint_runs_the_translation_lint() -> None:
    """``printernizer-stats registry lint`` runs the translation lint too (and passes on the shipped files)."""
    assert main(["registry", "lint"]) == 0


def test_the_privacy_items_in_german() -> None:
    items = privacy_items(REGISTRY, registry_texts("de"))
    english = privacy_items(REGISTRY)
    jobs = next(m for m in items["metrics"] if m["name"] == "printernizer.jobs.events")
    assert jobs["description"].startswith("Wie viele Druckaufträge")
    assert jobs["attributes"][0]["description"] == "Was mit dem Auftrag geschah."
    assert items["never_collected"][0].startswith("IP-Adressen")
    assert [m["name"] for m in items["metrics"]] == [m["name"] for m in english["metrics"]]
