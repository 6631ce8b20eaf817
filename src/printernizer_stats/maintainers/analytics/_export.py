"""CSV export of a published figure: one line per week and group, sample size and intervals included."""

from __future__ import annotations

import csv
import io

from printernizer_stats.maintainers.analytics._model import Figure


def figure_csv(figure: Figure) -> str:
    """The figure as CSV (RFC 4180, header first). Only published rows exist, so only they are written."""
    spec = figure.spec
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["week", *spec.dimensions, "installations", "share", "share_low", "share_high", "successes",
                     "trials", "rate", "rate_low", "rate_high", *spec.public_measures, "k"])
    for row in figure.rows:
        share, rate = row.share, row.rate
        writer.writerow([
            row.period.isoformat(), *row.group, row.installations,
            *((f"{share.value:.6f}", f"{share.low:.6f}", f"{share.high:.6f}", share.successes, share.trials)
              if share else ("", "", "", "", "")),
            *((f"{rate.value:.4f}", "" if rate.low is None else f"{rate.low:.4f}",
               "" if rate.high is None else f"{rate.high:.4f}") if rate else ("", "", "")),
            *(row.measures.get(name, "") for name in spec.public_measures), figure.k,
        ])
    return buffer.getvalue()
