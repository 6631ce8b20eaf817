"""Each dashboard chart in words and as a table, from the lines and bars it is drawn from."""

from __future__ import annotations

from datetime import date, timedelta

from printernizer_stats.maintainers.analytics._chart_text import bar_summary, bar_table, line_summary, line_table
from printernizer_stats.maintainers.analytics._charts import Bar, Line, Point

WEEKS = [date(2026, 1, 5) + timedelta(weeks=i) for i in range(4)]


def test_one_line_summary_names_the_last_and_the_highest_week() -> None:
    active = Line("installations", [Point(WEEKS[0], 300), Point(WEEKS[1], 402, flagged=True), Point(WEEKS[3], 319)])
    assert line_summary([active], WEEKS) == (
        "4 weeks; last, week of 2026-01-26: 319; highest 402 in the week of 2026-01-12; "
        "1 week flagged as anomalies")


def test_several_lines_are_summarised_by_their_largest_in_the_latest_week() -> None:
    lines = [Line(label, [Point(WEEKS[3], share)]) for label, share in
             (("2.43.0", 0.12), ("2.44.0", 0.41), ("2.43.1", 0.30), ("2.42.0", 0.05))]
    assert line_summary(lines, WEEKS, percent=True) == (
        "4 lines over 4 weeks; week of 2026-01-26: 2.44.0 41 %, 2.43.1 30 %, 2.43.0 12 %, and 1 more")
    assert line_summary([Line("a", [])], WEEKS) == "nothing published in these 4 weeks"


def test_the_line_table_has_every_week_and_marks_the_unpublished_ones() -> None:
    line = Line("all", [Point(WEEKS[0], 0.5, 0.4, 0.6), Point(WEEKS[2], 0.25, flagged=True)])
    table = line_table([line], WEEKS, percent=True)
    assert table.header == ("Week of", "all")
    assert table.rows == (("2026-01-05", "50 % [40 %–60 %]"), ("2026-01-12", "–"),
                          ("2026-01-19", "25 % (flagged)"), ("2026-01-26", "–"))


def test_bars_in_words_and_as_a_table() -> None:
    bars = [Bar("bambu_lab", 0.61, 0.56, 0.66, 244), Bar("prusa_core", 0.3, n=120), Bar("octoprint", 0.09, n=36),
            Bar("other", 0.02, n=8, flagged=True)]
    assert bar_summary(bars) == "4 groups: bambu_lab 61 %, prusa_core 30 %, octoprint 9.0 %, and 1 more; 1 flagged"
    assert bar_summary([]) == "nothing published at this k"
    table = bar_table(bars)
    assert table.header == ("Group", "Share [95 % interval]", "n")
    assert table.rows[0] == ("bambu_lab", "61 % [56 %–66 %]", "244")
    assert table.rows[3] == ("other", "2.0 % (flagged)", "8")
