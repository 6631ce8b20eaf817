"""AnalyticsService: requests read the cache; who keeps it current; k only upwards."""

from __future__ import annotations

import pytest

from printernizer_stats.maintainers.analytics import AnalyticsConfig, AnalyticsService
from printernizer_stats.maintainers.server import create_engine
from tests.maintainers.analytics.conftest import STANDARD, K, now_after
from tests.maintainers.analytics.test_cache import add_installation


def active_in_week(service: AnalyticsService, index: int) -> int:
    return service.insights().figures["active_installations"].week(STANDARD.period(index))[0].installations


def test_requests_refresh_when_nothing_runs_in_the_background(standard_url: str) -> None:
    """Without a background task a request brings the cache up to date itself (here: at once)."""
    engine = create_engine(standard_url)
    service = AnalyticsService(engine, AnalyticsConfig(k=K, refresh_interval_s=0), lambda: now_after(STANDARD))
    before = active_in_week(service, 20)
    add_installation(engine, 20, seed=77)
    assert active_in_week(service, 20) == before + 1
    engine.dispose()


def test_requests_only_read_while_a_background_task_refreshes(standard_url: str) -> None:
    """With the background task on, a request never queries for news; the next background refresh brings it."""
    engine = create_engine(standard_url)
    service = AnalyticsService(engine, AnalyticsConfig(k=K, refresh_interval_s=0), lambda: now_after(STANDARD))
    service.refreshed_in_background = True
    before = active_in_week(service, 20)  # the cache is empty: this request fills it
    add_installation(engine, 20, seed=78)
    assert active_in_week(service, 20) == before
    assert service.cache.refresh(service.window(), force=True) == 1
    assert active_in_week(service, 20) == before + 1
    engine.dispose()


def test_k_only_upwards(standard_url: str) -> None:
    """The configured k is a floor for every request."""
    engine = create_engine(standard_url)
    service = AnalyticsService(engine, AnalyticsConfig(k=K), lambda: now_after(STANDARD))
    assert service.effective_k(None) == K and service.effective_k(9) == 9
    with pytest.raises(ValueError, match="never lowered"):
        service.effective_k(K - 1)
    engine.dispose()
