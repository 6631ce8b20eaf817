"""Steps 1-3 of the privacy filter remembered per attribute set: the same verdict, computed once.

An export carries the same few dozen (metric, attribute set) pairs every time, and steps 1-3
(:mod:`printernizer_stats.host.exporter._filters`) depend on nothing else: not the value, not the day, not what
was seen before. Their result for a pair is therefore remembered: the attributes the reading goes on with
(and its series), or that it is dropped. The only other input is the host's runtime value sets (route
templates, which grow while the host runs); when any of them changes the remembered verdicts are
forgotten. Steps 4 (value) and 5 (today's series) run for every reading as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from printernizer_stats.host.exporter._filters import DropReading, Filter, Reading
from printernizer_stats.registry import Attributes, Kind, RuntimeValues

VERDICT_LIMIT = 4096
"""Attribute sets remembered at most (inputs are the host's raw values: bounded so that raw values seen once,
folded into ``other``, cannot grow memory without limit). Past it verdicts are computed, not remembered."""

_EXACT_TYPES = frozenset({str, int, float, bool})
"""Values remembered by (type, value): ``1``, ``1.0`` and ``True`` are equal keys but distinct texts."""

_Key = tuple[str, Kind, tuple[tuple[str, object], ...], tuple[type, ...]]
_Verdict = tuple[Mapping[str, object], Attributes] | None


class RememberedVerdicts:
    """``steps`` (filter steps 1-3, pure in metric, kind and attributes) with their verdicts remembered.

    Args:
        steps: the attribute steps, in order.
        runtime: the runtime value sets the steps read; a changed set forgets every verdict.
        limit: how many attribute sets to remember at most.
    """

    __slots__ = ("_limit", "_runtime", "_sets", "_steps", "_verdicts")

    def __init__(self, steps: Sequence[Filter], runtime: RuntimeValues, limit: int = VERDICT_LIMIT) -> None:
        self._steps = tuple(steps)
        self._runtime = runtime
        self._limit = limit
        self._sets: tuple[tuple[str, frozenset[str]], ...] = ()
        self._verdicts: dict[_Key, _Verdict] = {}

    def refresh(self) -> None:
        """Forget every verdict if a runtime value set changed (called once per export)."""
        current = tuple((name, self._runtime[name]) for name in self._runtime)
        # Sets are frozensets handed out anew only when they change: identity says "unchanged".
        if len(current) != len(self._sets) or any(
            a[0] != b[0] or a[1] is not b[1] for a, b in zip(current, self._sets, strict=False)
        ):
            self._verdicts = {}
            self._sets = current

    def __call__(self, reading: Reading) -> Reading:
        key = _key(reading)
        if key is None:
            return self._run(reading)
        try:
            verdict = self._verdicts[key]
        except KeyError:
            verdict = self._decide(reading)
            if len(self._verdicts) < self._limit:
                self._verdicts[key] = verdict
        if verdict is None:
            raise DropReading(reading.metric)
        attributes, series = verdict
        return Reading(reading.metric, reading.kind, attributes, reading.value, reading.count,
                       reading.bucket_counts, reading.bounds, series)

    def _decide(self, reading: Reading) -> _Verdict:
        try:
            kept = self._run(reading)
        except DropReading:
            return None
        return kept.attributes, kept.series

    def _run(self, reading: Reading) -> Reading:
        for step in self._steps:
            reading = step(reading)
        return reading


def _key(reading: Reading) -> _Key | None:
    """The pair's key, or None when a value is of a type not remembered (a sequence, a subclass)."""
    attributes = reading.attributes
    types = tuple(map(type, attributes.values()))
    if _EXACT_TYPES.issuperset(types):
        return reading.metric, reading.kind, tuple(attributes.items()), types
    return None
