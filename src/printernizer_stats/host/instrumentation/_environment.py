"""Facts about the installation for the batch's resource, detected offline and coarsened by the registry.

Deployment mode follows Printernizer's own signals, with its known defects fixed: ``DEPLOYMENT_MODE`` is
honoured first (Printernizer's usage stats ignored it), the three Home Assistant markers agree, and "pi"
is a hardware check instead of a systemd unit file nobody creates. Country comes from the configured IANA
time zone through ``zone.tab`` (one country per zone; ``zone1970.tab`` lists several), never from an IP.
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from printernizer_stats.registry import OTHER, UNKNOWN_COUNTRY, Registry, normalise_resource
from printernizer_stats.registry.names import DeploymentMode, Platform, ResourceField

_MODES = {DeploymentMode.HOMEASSISTANT, DeploymentMode.DOCKER, DeploymentMode.PI, DeploymentMode.STANDALONE}
_HA_ALIASES = {"ha", "hassio", "home_assistant", "home-assistant", "homeassistant"}


@dataclass(frozen=True, slots=True)
class Probe:
    """Where detection looks; a parameter so tests can point it at a temporary tree."""

    environ: Mapping[str, str]
    root: Path = Path("/")

    def exists(self, path: str) -> bool:
        return (self.root / path.lstrip("/")).exists()

    def read(self, path: str) -> str:
        try:
            return (self.root / path.lstrip("/")).read_text(errors="replace")
        except OSError:
            return ""


def deployment_mode(probe: Probe) -> str:
    """homeassistant > docker > pi > standalone, with an explicit DEPLOYMENT_MODE winning."""
    declared = probe.environ.get("DEPLOYMENT_MODE", "").strip().lower()
    if declared in _HA_ALIASES:
        return DeploymentMode.HOMEASSISTANT
    if declared in _MODES and declared != DeploymentMode.STANDALONE:
        return declared
    if (
        probe.environ.get("ENVIRONMENT", "").lower() == "homeassistant"
        or probe.environ.get("SUPERVISOR_TOKEN") or probe.environ.get("HASSIO_TOKEN")
        or (probe.exists("/run/s6/services") and probe.exists("/data/options.json"))
    ):
        return DeploymentMode.HOMEASSISTANT
    if probe.exists("/.dockerenv") or "docker" in probe.read("/proc/1/cgroup"):
        return DeploymentMode.DOCKER
    if "raspberry pi" in probe.read("/proc/device-tree/model").lower():
        return DeploymentMode.PI
    return DeploymentMode.STANDALONE


@cache
def _zone_countries() -> dict[str, str]:
    zoneinfo = resources.files("tzdata").joinpath("zoneinfo")
    countries: dict[str, str] = {}
    for line in zoneinfo.joinpath("zone.tab").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, _coords, zone, *_ = line.split("\t")
            countries[zone] = code
    # Links (US/Eastern -> America/New_York) resolve to their target's country.
    for line in zoneinfo.joinpath("tzdata.zi").read_text(encoding="utf-8").splitlines():
        if line.startswith("L "):
            _, target, alias = line.split()
            if target in countries:
                countries.setdefault(alias, countries[target])
    return countries


def country_from_timezone(timezone: str | None) -> str:
    """ISO 3166 code of an IANA zone (Europe/Berlin -> DE); ``XX`` for UTC, unknown or missing zones."""
    if not timezone:
        return UNKNOWN_COUNTRY
    return _zone_countries().get(timezone.strip(), UNKNOWN_COUNTRY)


def configured_timezone(environ: Mapping[str, str]) -> str | None:
    """Printernizer reads TIMEZONE (pydantic-settings ignores its env="TZ"); TZ is the documented fallback."""
    return environ.get("TIMEZONE") or environ.get("TZ") or None


def platform_family() -> str:
    families = {"linux": Platform.LINUX, "darwin": Platform.DARWIN, "win32": Platform.WINDOWS,
                "cygwin": Platform.WINDOWS}
    return families.get(sys.platform, OTHER)


def installation_facts(
    registry: Registry,
    app_version: str,
    timezone: str | None = None,
    probe: Probe | None = None,
) -> dict[str, str]:
    """The resource fields describing this installation, normalised by the registry (no ids, no batch)."""
    probe = probe or Probe(os.environ)
    raw = {
        ResourceField.APP_VERSION: app_version,
        ResourceField.DEPLOYMENT_MODE: deployment_mode(probe),
        ResourceField.COUNTRY_CODE: country_from_timezone(timezone or configured_timezone(probe.environ)),
        ResourceField.PYTHON_VERSION: platform.python_version(),
        ResourceField.PLATFORM: platform_family(),
    }
    return {key: normalise_resource(registry.resource[key], value) for key, value in raw.items()}
