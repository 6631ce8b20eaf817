"""Shared fixtures: registries, temporary stores, a simulated clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import structlog

from printernizer_stats.registry import Registry, default_registry, load_registry

DATA = Path(__file__).parent / "data"


@pytest.fixture
def registry() -> Registry:
    return default_registry()


@pytest.fixture
def minimal_registry() -> Registry:
    return load_registry(DATA / "minimal.yaml")


@pytest.fixture
def monday() -> date:
    return date(2026, 11, 16)


@pytest.fixture
def captured_logs() -> Iterator[list[dict[str, object]]]:
    # An in-process demo run configures a WARNING filter globally; capture every level from the defaults.
    structlog.reset_defaults()
    with structlog.testing.capture_logs() as logs:
        yield logs


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A directory nobody can write to, root included (read-only bind mount when running as root)."""
    import os
    import subprocess

    ro = tmp_path / "ro"
    ro.mkdir()
    if os.geteuid() != 0:
        ro.chmod(0o500)
        yield ro
        ro.chmod(0o700)
        return
    mounted = subprocess.run(["mount", "--bind", str(ro), str(ro)], capture_output=True).returncode == 0
    if mounted:
        mounted = subprocess.run(["mount", "-o", "remount,ro,bind", str(ro)], capture_output=True).returncode == 0
    if not mounted:
        subprocess.run(["umount", str(ro)], capture_output=True)
        pytest.skip("cannot make a read-only directory as root here (no mount permission)")
    try:
        yield ro
    finally:
        subprocess.run(["umount", str(ro)], capture_output=True)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The accessibility audits of the run, moderate and minor findings included (they fail no test)."""
    from tests.browser.axe import REPORTS, summary

    lines = summary(REPORTS)
    if lines:
        terminalreporter.section("axe-core accessibility audits")
        for line in lines:
            terminalreporter.write_line(line)
