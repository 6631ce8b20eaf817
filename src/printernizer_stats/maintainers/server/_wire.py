"""Data points read from their wire bytes: the fast path of validation, for points laid out as protobuf does.

Reading a point through the protobuf objects costs a Python wrapper per point, per attribute and per
attribute value (about 10 µs a point; a weekly batch has 30-60). Instead the metric's data (Sum, Gauge or
Histogram) is serialised once, in C, and each point's fields are read at their fixed offsets with one
``struct`` call: upb writes fields in field-number order, so a point with every field we read present
starts ``start_time, time_unix_nano, value`` (histograms: ``count, sum, bucket_counts, explicit_bounds``)
and ends with its attributes. The attributes' bytes key a cache of checked attribute sets.

Every point that is not laid out exactly so (a field missing or zero, exemplars, flags, min/max, unknown
fields, other bounds) is not read here: ``None``, and validation checks it through the protobuf objects as
before. Either way a point gets the same verdict; tests/maintainers/server/test_wire.py holds the two paths equal.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Sequence

from opentelemetry.proto.common.v1.common_pb2 import KeyValue
from opentelemetry.proto.metrics.v1.metrics_pb2 import HistogramDataPoint, NumberDataPoint

_POINT_TAG = 0x0A
"""``data_points`` is field 1 (length-delimited) of Sum, Gauge and Histogram."""
AS_DOUBLE, AS_INT = 0x21, 0x31
_NUMBER = struct.Struct("<xQxQ")
_TIME = struct.Struct("<xQ")
_NUMBER_LENGTH = 27
"""start (tag + 8), time (tag + 8), value (tag + 8)."""
_HISTOGRAM = struct.Struct("<xQxQxQxd")
_HISTOGRAM_FIXED = 36
"""start, time, count, sum: a tag and 8 bytes each."""
_DOUBLE, _INT = struct.Struct("<d"), struct.Struct("<q")

NumberPoint = tuple[bytes, int, int, int, "int | float"]
"""(attribute bytes, start, time, AS_INT or AS_DOUBLE, value)."""
HistogramPoint = tuple[bytes, int, int, int, float, tuple[int, ...]]
"""(attribute bytes, start, time, count, sum, bucket counts)."""


def point_spans(data: bytes, expected: int) -> list[tuple[int, int]] | None:
    """(offset, length) of each data point in a serialised Sum/Gauge/Histogram, or None unless they are
    the ``expected`` number, first and contiguous (as upb writes them)."""
    spans = []
    size, i = len(data), 0
    while i < size and data[i] == _POINT_TAG:
        i += 1
        if i < size and data[i] < 0x80:  # a one-byte length (every number point): no varint loop
            length = data[i]
            i += 1
        elif i + 1 < size and data[i + 1] < 0x80:  # two bytes (a histogram point)
            length = (data[i] & 0x7F) | data[i + 1] << 7
            i += 2
        else:
            length = shift = 0
            while True:
                if i >= size:
                    return None
                byte = data[i]
                i += 1
                length |= (byte & 0x7F) << shift
                if byte < 0x80:
                    break
                shift += 7
        spans.append((i, length))
        i += length
    return spans if len(spans) == expected and i <= size else None


def number_point(data: bytes, offset: int, length: int) -> NumberPoint | None:
    """A NumberDataPoint's fields; gauges often have no start time (0, so not on the wire)."""
    if length >= _NUMBER_LENGTH and data[offset] == 0x11:
        start, end = _NUMBER.unpack_from(data, offset)
        at = offset + 18
    elif length >= _NUMBER_LENGTH - 9 and data[offset] == 0x19:
        start, end = 0, _TIME.unpack_from(data, offset)[0]
        at = offset + 9
    else:
        return None
    if data[at - 9] != 0x19 or (tag := data[at]) not in (AS_INT, AS_DOUBLE):
        return None
    value = (_INT if tag == AS_INT else _DOUBLE).unpack_from(data, at + 1)[0]
    return data[at + 9:offset + length], start, end, tag, value


def bounds_bytes(buckets: Sequence[float]) -> bytes:
    """``explicit_bounds`` as upb writes the registry's buckets (tag, length, packed doubles)."""
    packed = struct.pack(f"<{len(buckets)}d", *buckets)
    return bytes([0x3A, len(packed)]) + packed if len(packed) < 0x80 else b"\xff"  # never matches: slow path


@functools.lru_cache(maxsize=64)
def _counts(buckets: int) -> struct.Struct:
    return struct.Struct(f"<{buckets}Q")


def histogram_point(data: bytes, offset: int, length: int, buckets: int, bounds: bytes) -> HistogramPoint | None:
    """``buckets``: how many bucket counts the registry's bounds make; ``bounds``: ``bounds_bytes``."""
    counts_at = offset + _HISTOGRAM_FIXED
    bounds_at = counts_at + 2 + 8 * buckets
    end = offset + length
    if (bounds_at + len(bounds) > end or data[offset] != 0x11 or data[offset + 9] != 0x19
            or data[offset + 18] != 0x21 or data[offset + 27] != 0x29
            or data[counts_at] != 0x32 or data[counts_at + 1] != 8 * buckets
            or data[bounds_at:bounds_at + len(bounds)] != bounds):
        return None
    start, time, count, total = _HISTOGRAM.unpack_from(data, offset)
    counts = _counts(buckets).unpack_from(data, counts_at + 2)
    return data[bounds_at + len(bounds):end], start, time, count, total, counts


def attributes_of(raw: bytes, histogram: bool) -> Sequence[KeyValue] | None:
    """The attributes encoded in ``raw`` (the tail of a point), or None if it holds anything else."""
    parsed: NumberDataPoint | HistogramDataPoint = HistogramDataPoint() if histogram else NumberDataPoint()
    try:
        parsed.ParseFromString(raw)
    except Exception:  # any parser failure: not a valid tail, the protobuf objects say why
        return None
    alone = HistogramDataPoint() if histogram else NumberDataPoint()
    alone.attributes.extend(parsed.attributes)
    return parsed.attributes if alone.SerializeToString() == raw else None
