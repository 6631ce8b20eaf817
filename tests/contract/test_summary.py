"""The community summary's one shape: the type, the lists, and the validation the client applies."""

from __future__ import annotations

import typing
from typing import Any

import pytest

from printernizer_stats.contract import (
    GROUP_LISTS,
    MAX_GROUPS,
    SUMMARY_SCHEMA,
    InvalidSummary,
    SummaryDocument,
    SummaryGroup,
    SummaryList,
    validate_summary,
)

SUMMARY: dict[str, Any] = {
    "schema": SUMMARY_SCHEMA, "week": "2026-06-29", "k": 5, "installations": 200,
    "deployment_modes": [{"value": "docker", "installations": 86, "share": 0.43, "low": 0.3636, "high": 0.4988}],
    "versions": [{"value": "2.44.0", "installations": 180, "share": 0.9, "low": 0.851, "high": 0.9342}],
    "platforms": [], "printer_types": [], "fleet_sizes": [], "uptime_days": [],
    "features": [{"value": "library", "installations": 190, "share": 0.85, "low": 0.79, "high": 0.89}],
    "errors_per_1000_jobs": {"value": 207.34, "low": 182.66, "high": 232.02, "installations": 200},
}


def test_the_lists_are_the_documents_group_lists() -> None:
    """SummaryList names exactly the document's list-of-groups keys (publisher and validator loop over it)."""
    hints = typing.get_type_hints(SummaryDocument)
    assert set(GROUP_LISTS) == {key for key, hint in hints.items() if hint == list[SummaryGroup]}
    assert tuple(SummaryList) == GROUP_LISTS and len(GROUP_LISTS) == 7


def test_a_valid_summary_comes_back_whole() -> None:
    """Every key of the type, and the values as sent."""
    summary = validate_summary(SUMMARY)
    assert summary == SUMMARY and set(summary) == set(typing.get_type_hints(SummaryDocument))


def test_validate_summary_keeps_known_fields_only() -> None:
    extra = {**SUMMARY, "countries": [{"value": "DE"}], "note": "<script>",
             "versions": [{**SUMMARY["versions"][0], "hostname": "nas.local"}]}
    kept = validate_summary(extra)
    assert set(kept) == set(SUMMARY) and set(kept["versions"][0]) == set(SUMMARY["versions"][0])


@pytest.mark.parametrize("broken", [
    [], {**SUMMARY, "schema": "printernizer-stats/summary/2"}, {**SUMMARY, "week": "2026-W27"},
    {**SUMMARY, "week": "2026-02-30"}, {**SUMMARY, "k": 0}, {**SUMMARY, "installations": -1},
    {**SUMMARY, "installations": True}, {**SUMMARY, "features": "library"}, {**SUMMARY, "errors_per_1000_jobs": 3},
    {**SUMMARY, "versions": [{"value": "", "installations": 1, "share": 0, "low": 0, "high": 0}]},
    {**SUMMARY, "versions": [{"value": "a", "installations": 1, "share": 0.5, "low": 0.6, "high": 1}]},
    {**SUMMARY, "versions": [{"value": "a\n", "installations": 1, "share": 0.5, "low": 0.4, "high": 0.6}]},
    {**SUMMARY, "platforms": [SUMMARY["versions"][0]] * (MAX_GROUPS + 1)},
    {key: value for key, value in SUMMARY.items() if key != "uptime_days"},
])
def test_anything_else_is_refused_whole(broken: Any) -> None:
    with pytest.raises(InvalidSummary):
        validate_summary(broken)
