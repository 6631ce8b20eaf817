"""OTLP JSON under a budget checked while parsing: bytes before, objects, data points and depth during.

Turning JSON into protobuf messages (``json_format``) is pure Python, about a hundred times the cost of
parsing protobuf: a 7.7 KB gzip body inflating to 2 MiB of JSON cost well over a second of CPU. The budget
is derived from the registry, so it admits the largest valid batch and nothing much larger; protobuf is the
encoding for more (a collector's merged batches). ``json.loads`` calls the hook below for every object, from
the innermost out, so a body over budget is refused at the first object past it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from printernizer_stats.registry import Registry

_DEPTH = 12
"""Objects nested in a valid batch: request, resourceMetrics, scopeMetrics, metric, sum, point, attribute,
value (8); AnyValue kvlists nest deeper, and the registry takes none of them."""
_ENVELOPE_OBJECTS = 64
"""A batch's objects besides its points: resource and its attributes, scope, metrics and their data."""


class OverBudget(ValueError):
    """The JSON body costs more than a valid one can; ``str()`` names the limit (HTTP 413)."""


class MalformedJson(ValueError):
    """The JSON is not shaped as any OTLP request can be; ``str()`` says how (HTTP 400)."""


@dataclass(frozen=True, slots=True)
class JsonBudget:
    """Most bytes, objects, array elements, data points and object depth one JSON request may have."""

    max_bytes: int
    max_objects: int
    max_elements: int
    max_points: int
    max_depth: int = _DEPTH

    @classmethod
    def for_registry(cls, registry: Registry, max_bytes: int, max_points: int) -> JsonBudget:
        """Room for the largest valid batch: every point with its most attributes (two objects each) and
        its histogram's bucket counts and bounds."""
        most_attributes = max((len(spec.attributes) for spec in registry.metrics.values()), default=0)
        most_buckets = max((len(spec.rounding.buckets) for spec in registry.metrics.values()), default=0)
        objects = max_points * (1 + 2 * most_attributes) + _ENVELOPE_OBJECTS
        return cls(max_bytes, objects, objects + max_points * (2 * most_buckets + 1), max_points)


class _Object(dict[str, Any]):
    """A parsed JSON object that knows how deep it is (its own level included)."""

    __slots__ = ("depth",)
    depth: int


class _Meter:
    __slots__ = ("budget", "elements", "objects", "points")

    def __init__(self, budget: JsonBudget) -> None:
        self.budget = budget
        self.objects = 0
        self.elements = 0
        self.points = 0

    def __call__(self, pairs: list[tuple[str, Any]]) -> _Object:
        self.objects += 1
        if self.objects > self.budget.max_objects:
            raise OverBudget(f"JSON body has more than {self.budget.max_objects} objects; send protobuf")
        obj = _Object(pairs)
        if len(obj) != len(pairs):
            raise MalformedJson("JSON object has a key twice")
        depth = 0
        for key, value in pairs:
            if isinstance(value, _Object):
                depth = max(depth, value.depth)
            elif isinstance(value, list):
                depth = max(depth, self._list(value))
                if key == "dataPoints":
                    self.points += len(value)
                    if self.points > self.budget.max_points:
                        raise OverBudget(f"JSON body has more than {self.budget.max_points} data points")
        obj.depth = depth + 1
        if obj.depth > self.budget.max_depth:
            raise MalformedJson(f"JSON body is nested more than {self.budget.max_depth} objects deep")
        return obj

    def _list(self, values: list[Any]) -> int:
        """The deepest object in ``values`` (lists in lists included), counting their elements."""
        self.elements += len(values)
        if self.elements > self.budget.max_elements:
            raise OverBudget(f"JSON body has more than {self.budget.max_elements} array elements")
        depth = 0
        for value in values:
            if isinstance(value, _Object):
                depth = max(depth, value.depth)
            elif isinstance(value, list):
                depth = max(depth, self._list(value))
        return depth


def load_json(body: bytes, budget: JsonBudget) -> dict[str, Any]:
    """The JSON document of ``body``; raises OverBudget, MalformedJson, or ValueError for a body that is not JSON."""
    if len(body) > budget.max_bytes:
        raise OverBudget(f"JSON body is larger than {budget.max_bytes} bytes; send protobuf")
    document = json.loads(body.decode("utf-8"), object_pairs_hook=_Meter(budget))
    if not isinstance(document, dict):
        raise MalformedJson("a JSON request is an object")
    return document
