"""Named value formats for resource fields: how the client normalises them, how the receiver checks them.

Each format is a pair of pure functions. ``normalise`` turns whatever the host reports into the coarse,
canonical value that may leave the machine (or a safe fallback); ``check`` answers ``None`` for a valid
wire value and a reason otherwise. The receiver never trusts the client to have normalised.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

# Wire values are checked with fullmatch over ASCII: ``$`` would admit a trailing newline, and ``\d`` without
# re.ASCII any Unicode digit (Arabic-Indic, full-width), both of which int() reads and SQL stores.
_VERSION = re.compile(r"v?([0-9]{1,4})\.([0-9]{1,4})(?:\.([0-9]{1,6}))?", re.ASCII)
_WIRE_VERSION = re.compile(r"[0-9]{1,4}\.[0-9]{1,4}\.[0-9]{1,6}", re.ASCII)
_PYTHON = re.compile(r"([0-9])\.([0-9]{1,3})", re.ASCII)
_WIRE_PYTHON = re.compile(r"[0-9]\.[0-9]{1,3}", re.ASCII)
_COUNTRY = re.compile(r"[A-Z]{2}", re.ASCII)
_REGISTRY_VERSION = re.compile(r"[1-9][0-9]{0,3}", re.ASCII)
_HEX_KEY = re.compile(r"[0-9a-f]{64}", re.ASCII)
UNKNOWN_VERSION = "0.0.0"
UNKNOWN_COUNTRY = "XX"


def _normalise_uuid4(raw: str) -> str:
    value = uuid.UUID(str(raw))
    if value.version != 4:
        raise ValueError("not a version-4 UUID")
    return str(value)


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.ASCII)
"""What ``str(uuid.UUID(...))`` writes: a value of this shape is its own canonical form, no parse needed."""


def _check_uuid4(value: str) -> str | None:
    # Version 4 of the RFC 4122 variant: digit 13 is 4, digit 17 one of 8-b (uuid.UUID.version).
    if isinstance(value, str) and _CANONICAL_UUID.fullmatch(value) and value[14] == "4" and value[19] in "89ab":
        return None
    try:
        parsed = uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return "is not a UUID"
    if parsed.version != 4 or str(parsed) != value:
        return "is not a lower-case version-4 UUID"
    return None


def _check_uuid(value: str) -> str | None:
    if isinstance(value, str) and _CANONICAL_UUID.fullmatch(value):
        return None
    try:
        parsed = uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return "is not a UUID"
    return None if str(parsed) == value else "is not a canonical lower-case UUID"


def _normalise_version(raw: str) -> str:
    # git describe gives 2.41.7-6-gbe0da09-dirty; only major.minor.patch may leave the machine.
    match = _VERSION.match(str(raw).strip())
    if not match:
        return UNKNOWN_VERSION
    major, minor, patch = match.group(1), match.group(2), match.group(3) or "0"
    return f"{int(major)}.{int(minor)}.{int(patch)}"


def _check_version(value: str) -> str | None:
    return None if _WIRE_VERSION.fullmatch(value) else "is not major.minor.patch"


def _normalise_python(raw: str) -> str:
    match = _PYTHON.match(str(raw).strip())
    return f"{match.group(1)}.{match.group(2)}" if match else "0.0"


def _check_python(value: str) -> str | None:
    return None if _WIRE_PYTHON.fullmatch(value) else "is not major.minor"


def _normalise_country(raw: str) -> str:
    value = str(raw).strip().upper()
    return value if _COUNTRY.fullmatch(value) else UNKNOWN_COUNTRY


def _check_country(value: str) -> str | None:
    return None if _COUNTRY.fullmatch(value) else "is not a two-letter upper-case country code"


def _normalise_int(raw: str) -> str:
    return str(int(raw))


def _check_registry_version(value: str) -> str | None:
    return None if _REGISTRY_VERSION.fullmatch(value) else "is not a registry version number"


def _normalise_hex(raw: str) -> str:
    return str(raw).strip().lower()


def _check_proof(value: str) -> str | None:
    return None if _HEX_KEY.fullmatch(value) else "is not 64 lower-case hex digits (an HMAC-SHA256)"


def _check_verifier(value: str) -> str | None:
    return None if value == "" or _HEX_KEY.fullmatch(value) else "is neither empty nor 64 lower-case hex digits"


@dataclass(frozen=True, slots=True)
class Format:
    """A value format: normalise on the client, check on the receiver.

    ``max_length`` is the longest wire value ``check`` admits: the receiver's columns are this wide.
    """

    normalise: Callable[[str], str]
    check: Callable[[str], str | None]
    max_length: int


FORMATS: dict[str, Format] = {
    "uuid4": Format(_normalise_uuid4, _check_uuid4, 36),
    "uuid": Format(lambda raw: str(uuid.UUID(str(raw))), _check_uuid, 36),
    "version": Format(_normalise_version, _check_version, 16),
    "python_version": Format(_normalise_python, _check_python, 5),
    "country_code": Format(_normalise_country, _check_country, 2),
    "registry_version": Format(_normalise_int, _check_registry_version, 4),
    "proof": Format(_normalise_hex, _check_proof, 64),
    "verifier": Format(_normalise_hex, _check_verifier, 64),
}
