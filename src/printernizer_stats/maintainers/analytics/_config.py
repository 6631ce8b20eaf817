"""Settings of the maintainers' analytics: one frozen dataclass, checked by ``validate``."""

from __future__ import annotations

from dataclasses import dataclass, field

from printernizer_stats.maintainers.analytics._anomaly import DetectorConfig
from printernizer_stats.maintainers.analytics._cache import MAX_WEEKS
from printernizer_stats.maintainers.analytics._kanon import DEFAULT_K, check_k
from printernizer_stats.maintainers.analytics._queries import DEFAULT_WEEKS, SETTLE_WEEKS
from printernizer_stats.maintainers.analytics._retention import check_days


@dataclass(frozen=True, slots=True)
class AnalyticsConfig:
    """Attributes:
    k: smallest group any output describes (default 5). Requests may raise it, never lower it.
    weeks: complete weeks the dashboard and API cover by default (26).
    settle_weeks: weeks to wait after a week ends before it counts as complete (1: its batches arrive
        during the following week).
    summary_k: k of the public community summary (default: ``k``; raise it for a stricter public figure).
    summary_max_age_s: how long caches may keep the public summary (Cache-Control max-age).
    refresh_interval_s: least time between two checks for new data (each costs two small ledger queries).
    retention_days: with ``serve``, apply retention with this period once a day (``None``: never).
    detector: anomaly detection thresholds.
    """

    k: int = DEFAULT_K
    weeks: int = DEFAULT_WEEKS
    settle_weeks: int = SETTLE_WEEKS
    summary_k: int | None = None
    summary_max_age_s: int = 3600
    refresh_interval_s: float = 60.0
    retention_days: int | None = None
    retention_interval_s: float = 86_400.0
    detector: DetectorConfig = field(default_factory=DetectorConfig)

    def validate(self) -> AnalyticsConfig:
        """Raise ValueError naming the first bad field; return self."""
        check_k(self.k)
        if self.summary_k is not None and check_k(self.summary_k) < self.k:
            raise ValueError(f"summary_k must be at least k ({self.k}), not {self.summary_k}")
        if not 1 <= self.weeks <= MAX_WEEKS:
            raise ValueError(f"weeks must be between 1 and {MAX_WEEKS}, not {self.weeks}")
        if self.settle_weeks < 0:
            raise ValueError("settle_weeks must be >= 0")
        if self.summary_max_age_s < 0 or self.refresh_interval_s < 0 or self.retention_interval_s <= 0:
            raise ValueError("summary_max_age_s and refresh_interval_s must be >= 0, retention_interval_s > 0")
        if self.retention_days is not None:
            check_days(self.retention_days)
        return self

    @property
    def public_k(self) -> int:
        return max(self.k, self.summary_k or self.k)
