"""Chart geometry: readable axes, stacked columns in proportion, bars largest first; a summary from the same rows."""

from __future__ import annotations

import pytest

from printernizer_stats.host.viewer._charts import bar_chart, column_chart, figure


def test_stacked_columns_are_in_proportion() -> None:
    """Segments stack upwards from the base; their heights are proportional to the values."""
    chart = column_chart("c", "t", "week", ("a", "b"), [("W1", [6, 2]), ("W2", [0, 0]), ("W3", [10, 0])])
    first = [r for r in chart.rects if r.title.startswith("W1")]
    assert [r.cls for r in first] == ["bar s0", "bar s1"]
    assert first[0].height == pytest.approx(3 * first[1].height)
    assert first[1].y + first[1].height == pytest.approx(first[0].y)
    assert not [r for r in chart.rects if r.title.startswith("W2")]
    assert chart.rows[2] == ("W3", (10.0, 0.0)) and not chart.empty


def test_a_chart_of_zeros_is_empty() -> None:
    """Nothing but zeros draws no bars and is marked empty (the page says "nothing recorded")."""
    assert column_chart("c", "t", "week", ("a",), [("W1", [0])]).empty
    assert bar_chart("b", "t", "route", "n", []).empty


def test_bars_scale_to_the_largest_and_label_their_values() -> None:
    """The largest bar gets the full width; each row has its name and its figure."""
    chart = bar_chart("b", "t", "route", "requests", [("/api/v1/printers", 300), ("/api/v1/jobs", 150)])
    assert chart.rects[0].width == pytest.approx(2 * chart.rects[1].width)
    assert [label.text for label in chart.labels] == ["/api/v1/printers", "300", "/api/v1/jobs", "150"]


def test_figures_read_like_numbers() -> None:
    """Whole numbers without decimals, thousands separated, others with at most two decimals."""
    assert [figure(3.0), figure(12345), figure(0.5), figure(1.234)] == ["3", "12,345", "0.5", "1.23"]


def test_the_summary_says_what_the_columns_show() -> None:
    """How many columns, from which to which, the last one's figures and the highest one: from the chart's rows."""
    jobs = column_chart("c", "Print jobs per week", "week", ("completed", "failed"),
                        [("W45", [6, 2]), ("W46", [10, 1]), ("now", [3, 0])])
    assert jobs.summary == "3 weeks, W45 to now; now: completed 3, failed 0; most: W46, 11"
    days = column_chart("u", "Days Printernizer ran", "week", ("days",), [("W46", [7]), ("now", [2])], fixed_max=7)
    assert days.summary == "2 weeks, W46 to now; now: 2 days; most: W46, 7 days"


def test_the_summary_names_the_largest_bars() -> None:
    """The count, then the three largest bars with their figures and how many more there are."""
    bars = bar_chart("e", "Errors by type", "error type", "errors",
                     [("printer_connection", 12), ("network", 3), ("file_upload", 2), ("other", 1)])
    assert bars.summary == ("4 error types, largest first: printer_connection 12, network 3, file_upload 2, "
                            "and 1 more")
    assert bar_chart("p", "Printers by type", "printer type", "printers", [("bambu_lab", 1)]).summary == (
        "1 printer type, largest first: bambu_lab 1")
