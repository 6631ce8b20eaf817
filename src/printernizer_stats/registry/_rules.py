"""Pure rules for attribute values, shared by the client's filter and the receiver's validation.

The client *normalises* (anything outside a closed set becomes ``other``: the reading is kept, the value is
not); the receiver *checks* (a value the client should never have sent is a reason to reject the point).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache

from printernizer_stats.registry._formats import FORMATS
from printernizer_stats.registry._model import OTHER, AttributeSpec, ResourceFieldSpec

RuntimeValues = Mapping[str, frozenset[str]]
"""Value sets supplied by the host at start-up, by source name (e.g. ``route_templates``)."""


def status_class(value: object) -> str:
    """Fold an HTTP status code into its class: 404 -> ``4xx``; anything else -> ``other``."""
    try:
        code = int(str(value))
    except ValueError:
        return OTHER
    return f"{code // 100}xx" if 100 <= code <= 599 else OTHER


ROUTE_GROUP_DEPTH = 3


def route_group(value: object) -> str:
    """The part of the API a route template belongs to: its leading literal segments, at most three.

    ``/api/v1/printers/{printer_id}/status`` -> ``/api/v1/printers``; ``/api/v1/health`` stays; a static mount's
    ``/{path}`` -> ``/``. Labels that are not paths (``unmatched``, ``other``) stay as they are, and a group is
    its own group, so the receiver may apply it again.
    """
    text = str(value)
    if not text.startswith("/"):
        return text
    kept: list[str] = []
    for segment in text.split("/")[1:]:
        if not segment or "{" in segment or len(kept) == ROUTE_GROUP_DEPTH:
            break
        kept.append(segment)
    return "/" + "/".join(kept)


_TRANSFORMS = {"status_class": status_class, "route_group": route_group}
TRANSFORMS = frozenset(_TRANSFORMS)
"""The transforms an attribute may name (``transform: status_class``)."""


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    # ASCII: a registry pattern's \d or \w must not admit other scripts' digits and letters.
    return re.compile(pattern, re.ASCII)


def normalise_attribute(spec: AttributeSpec, value: object, runtime: RuntimeValues) -> str:
    """The value as it may be stored: the declared transform applied, then folded into the closed set."""
    transform = _TRANSFORMS[spec.transform] if spec.transform else str
    if spec.allowed_values is not None:
        text = transform(value)
        return text if text in spec.allowed_values else OTHER
    # A runtime set holds the host's own values (route templates): the value must be one, then it is transformed.
    if str(value) not in runtime.get(spec.runtime_source or "", frozenset()):
        return OTHER
    text = transform(value)
    if len(text) <= spec.max_length and _compiled(spec.pattern or "$^").fullmatch(text):
        return text
    return OTHER


def check_attribute(spec: AttributeSpec, value: object) -> str | None:
    """``None`` if ``value`` may arrive on the wire for this attribute, else the reason it may not."""
    if not isinstance(value, str):
        return "must be a string"
    if value == OTHER:
        return None
    if spec.allowed_values is not None:
        return None if value in spec.allowed_values else f"value {value[:40]!r} is not in the allowed set"
    if len(value) > spec.max_length:
        return f"is longer than {spec.max_length} characters"
    if not _compiled(spec.pattern or "$^").fullmatch(value):
        return f"value {value[:40]!r} does not match {spec.pattern}"
    return None


def normalise_resource(spec: ResourceFieldSpec, raw: object) -> str:
    """A resource value as it may leave the machine (formats normalise; closed sets fold to ``other``)."""
    if spec.allowed_values is not None:
        text = str(raw).strip().lower()
        return text if text in spec.allowed_values else OTHER
    return FORMATS[spec.format or ""].normalise(str(raw))


def check_resource(spec: ResourceFieldSpec, value: object) -> str | None:
    """``None`` if ``value`` is a valid wire value for this resource field, else the reason."""
    if not isinstance(value, str):
        return "must be a string"
    if spec.allowed_values is not None:
        ok = value in spec.allowed_values or value == OTHER
        return None if ok else f"value {value[:40]!r} is not in the allowed set"
    value_format = FORMATS[spec.format or ""]
    if len(value) > value_format.max_length:
        return f"is longer than {value_format.max_length} characters"
    return value_format.check(value)
