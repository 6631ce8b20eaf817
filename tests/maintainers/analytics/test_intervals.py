"""Confidence intervals: Wilson equal to scipy's, the cluster-robust rate against a direct computation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binomtest

from printernizer_stats.maintainers.analytics import clustered_rate, wilson
from printernizer_stats.maintainers.analytics._intervals import (
    plain_rate,
    proportion_standard_error,
    rate_standard_error,
)


@pytest.mark.parametrize("trials", [1, 2, 5, 9, 40, 333, 20_000])
def test_wilson_matches_scipy(trials: int) -> None:
    """The closed form gives scipy's binomtest(...).proportion_ci(method="wilson") bounds for every count."""
    for successes in sorted({0, 1, trials // 3, trials // 2, trials - 1, trials} - {-1}):
        ours = wilson(successes, trials)
        theirs = binomtest(successes, trials).proportion_ci(confidence_level=0.95, method="wilson")
        assert ours.low == pytest.approx(float(theirs.low), abs=1e-12)
        assert ours.high == pytest.approx(float(theirs.high), abs=1e-12)
        assert ours.value == successes / trials


def test_wilson_refuses_impossible_counts() -> None:
    """No trials, or more successes than trials, is a caller's bug: ValueError."""
    for successes, trials in ((0, 0), (3, 2), (-1, 5)):
        with pytest.raises(ValueError):
            wilson(successes, trials)


def test_clustered_rate_is_the_ratio_estimator_with_delta_method_variance() -> None:
    """From per-installation errors and jobs, the interval is R ± 1.96·sqrt(n/(n-1)·Σ(e - R j)²)/Σj."""
    rng = np.random.default_rng(4)
    jobs = rng.integers(1, 60, size=300).astype(float)
    errors = rng.poisson(jobs * rng.gamma(2.0, 0.025, size=300)).astype(float)
    rate = clustered_rate(errors.sum(), jobs.sum(), (errors**2).sum(), (jobs**2).sum(), (errors * jobs).sum(),
                          len(jobs))
    assert rate is not None
    ratio = errors.sum() / jobs.sum()
    se = math.sqrt(len(jobs) / (len(jobs) - 1) * ((errors - ratio * jobs) ** 2).sum()) / jobs.sum()
    assert rate.value == pytest.approx(ratio * 1000)
    assert rate.low == pytest.approx((ratio - 1.959964 * se) * 1000, rel=1e-5)
    assert rate.high == pytest.approx((ratio + 1.959964 * se) * 1000, rel=1e-5)
    assert rate_standard_error(rate) == pytest.approx(se * 1000, rel=1e-5)


def test_clustered_rate_is_wider_than_poisson_when_one_installation_floods() -> None:
    """One installation with 500 errors widens the interval far beyond what counting errors alone would say."""
    jobs = np.full(50, 20.0)
    errors = np.ones(50)
    errors[0] = 500
    rate = clustered_rate(errors.sum(), jobs.sum(), (errors**2).sum(), (jobs**2).sum(), (errors * jobs).sum(), 50)
    assert rate is not None and rate.high is not None and rate.low is not None
    poisson_half = 1.96 * math.sqrt(errors.sum()) / jobs.sum() * 1000
    assert (rate.high - rate.low) / 2 > 5 * poisson_half


def test_rates_without_jobs_or_spread() -> None:
    """No jobs: no rate; one installation: a value without an interval; plain rates carry none."""
    assert clustered_rate(3, 0, 9, 0, 0, 4) is None
    single = clustered_rate(3, 30, 9, 900, 90, 1)
    assert single is not None and single.value == 100 and single.low is None
    plain = plain_rate(5, 1000)
    assert plain is not None and plain.value == 5 and rate_standard_error(plain) is None
    assert proportion_standard_error(wilson(0, 100)) > 0
