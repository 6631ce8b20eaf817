"""Confidence intervals for published figures. Pure.

- Proportions (a share of installations): the Wilson score interval, as
  ``scipy.stats.binomtest(x, n).proportion_ci(method="wilson")`` gives it. That call also computes an exact
  p-value (~0.5 ms each, thousands per dashboard), so the same closed form is evaluated here with scipy's
  normal quantile; a test checks it against scipy's on a grid.
- Rates such as errors per 1,000 jobs: errors are clustered in installations (one broken set-up reports
  hundreds), so a Poisson interval would be far too narrow. The interval treats installations as the
  sampling unit: ratio estimator ``R = sum(e) / sum(j)`` with the delta-method (linearisation) variance
  ``n / (n - 1) * sum((e_i - R j_i)^2) / sum(j)^2``, computed from sums of squares the SQL returns.
"""

from __future__ import annotations

import math
from functools import lru_cache

from scipy.stats import norm

from printernizer_stats.maintainers.analytics._model import Proportion, Rate

CONFIDENCE = 0.95


@lru_cache(maxsize=8)
def z_value(confidence: float = CONFIDENCE) -> float:
    """Two-sided normal quantile (1.96 for 95 %)."""
    return float(norm.ppf(0.5 + confidence / 2))


def wilson(successes: int, trials: int, confidence: float = CONFIDENCE) -> Proportion:
    """``successes / trials`` with its Wilson score interval."""
    if trials <= 0 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials and trials > 0, not {successes}/{trials}")
    z = z_value(confidence)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    # Clamp rounding noise; at 0 and n the exact bounds are 0 and 1 (as scipy returns them).
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return Proportion(successes, trials, p, low, high)


def clustered_rate(numerator: float, denominator: float, numerator_sq: float, denominator_sq: float,
                   cross: float, clusters: int, per: float = 1000.0, confidence: float = CONFIDENCE) -> Rate | None:
    """``numerator / denominator * per`` with a cluster-robust interval (``None`` if the denominator is 0).

    Args:
        numerator, denominator: sums over installations (e.g. errors, jobs).
        numerator_sq, denominator_sq, cross: sums of e_i^2, j_i^2 and e_i * j_i over installations.
        clusters: the number of installations (n).
    """
    if denominator <= 0:
        return None
    ratio = numerator / denominator
    if clusters < 2:
        return Rate(numerator, denominator, per, ratio * per, None, None)
    residual = numerator_sq - 2 * ratio * cross + ratio * ratio * denominator_sq
    variance = max(0.0, residual) * clusters / (clusters - 1) / (denominator * denominator)
    half = z_value(confidence) * math.sqrt(variance)
    return Rate(numerator, denominator, per, ratio * per, max(0.0, ratio - half) * per, (ratio + half) * per)


def plain_rate(numerator: float, denominator: float, per: float = 1000.0) -> Rate | None:
    """A rate without an interval (its inputs carry no per-installation spread)."""
    if denominator <= 0:
        return None
    return Rate(numerator, denominator, per, numerator / denominator * per, None, None)


def rate_standard_error(rate: Rate, confidence: float = CONFIDENCE) -> float | None:
    """The standard error behind a rate's interval (for anomaly scores), in the rate's units."""
    if rate.high is None:
        return None
    return (rate.high - rate.value) / z_value(confidence)  # the upper side: the lower one may be clamped at 0


def proportion_standard_error(proportion: Proportion, confidence: float = CONFIDENCE) -> float:
    """Half the Wilson interval's width over z: a sampling error that stays positive at 0 and 1."""
    return (proportion.high - proportion.low) / (2 * z_value(confidence))
