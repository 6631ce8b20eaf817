"""Installation facts: deployment mode the way Printernizer signals it, country from the time zone."""

from __future__ import annotations

from pathlib import Path

import pytest

from printernizer_stats.host.instrumentation import Probe, country_from_timezone, deployment_mode, installation_facts
from printernizer_stats.registry import Registry


def _tree(tmp_path: Path, *files: tuple[str, str]) -> Path:
    for rel, content in files:
        path = tmp_path / rel.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return tmp_path


@pytest.mark.parametrize(("environ", "files", "expected"), [
    ({"DEPLOYMENT_MODE": "docker"}, [], "docker"),
    ({"DEPLOYMENT_MODE": "homeassistant"}, [], "homeassistant"),
    ({"DEPLOYMENT_MODE": "standalone"}, [("/.dockerenv", "")], "docker"),
    ({}, [("/.dockerenv", "")], "docker"),
    ({"ENVIRONMENT": "homeassistant"}, [("/.dockerenv", "")], "homeassistant"),
    ({"SUPERVISOR_TOKEN": "x"}, [], "homeassistant"),
    ({}, [("/run/s6/services/x", ""), ("/data/options.json", "{}")], "homeassistant"),
    ({}, [("/run/s6/services/x", "")], "standalone"),
    ({}, [("/proc/device-tree/model", "Raspberry Pi 4 Model B Rev 1.4\x00")], "pi"),
    ({}, [("/etc/systemd/system/printernizer.service", "")], "standalone"),
    ({}, [], "standalone"),
])
def test_deployment_mode(tmp_path: Path, environ: dict[str, str], files: list[tuple[str, str]], expected: str) -> None:
    assert deployment_mode(Probe(environ, _tree(tmp_path, *files))) == expected


@pytest.mark.parametrize(("zone", "country"), [
    ("Europe/Berlin", "DE"), ("America/New_York", "US"), ("US/Eastern", "US"), ("Europe/Kiev", "UA"),
    ("UTC", "XX"), ("Etc/GMT+2", "XX"), ("Mars/Olympus", "XX"), (None, "XX"), ("", "XX"),
])
def test_country_from_timezone(zone: str | None, country: str) -> None:
    assert country_from_timezone(zone) == country


def test_facts_prefer_timezone_over_tz_and_normalise(tmp_path: Path, registry: Registry) -> None:
    probe = Probe({"TIMEZONE": "Europe/Vienna", "TZ": "America/Chicago", "DEPLOYMENT_MODE": "docker"}, tmp_path)
    facts = installation_facts(registry, "2.41.7-6-gbe0da09-dirty", probe=probe)
    assert facts["printernizer.country_code"] == "AT"
    assert facts["printernizer.app_version"] == "2.41.7"
    assert facts["printernizer.deployment_mode"] == "docker"
    assert set(facts) == {"printernizer.app_version", "printernizer.deployment_mode", "printernizer.country_code",
                          "printernizer.python_version", "printernizer.platform"}
