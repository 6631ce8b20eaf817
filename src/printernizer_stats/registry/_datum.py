"""The record every client part passes around: one series of one metric on one day."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

Attributes = tuple[tuple[str, str], ...]
"""Attribute pairs sorted by key: hashable, canonical, and how a series is identified."""


def attributes_key(attributes: Mapping[str, str]) -> Attributes:
    """Canonical, hashable form of an attribute mapping."""
    return tuple(sorted(attributes.items()))


@dataclass(frozen=True, slots=True)
class DayReading:
    """A filtered reading rolled up for one UTC day.

    Counters carry the day's sum in ``value``; gauges the last value; histograms the sum of observations in
    ``value``, their number in ``count`` and per-bucket counts in ``bucket_counts``.
    """

    day: date
    metric: str
    attributes: Attributes
    value: float
    count: int = 0
    bucket_counts: tuple[int, ...] = ()
