"""The rotel binary for tests that run the real local collector: skipped where the wheel does not exist
(it is a dev dependency on Linux x86_64), a failure when CI says it must be there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from printernizer_stats_tools.collectors import find_rotel_agent

REQUIRE_COLLECTOR = "PRINTERNIZER_STATS_REQUIRE_COLLECTOR"


@pytest.fixture
def rotel_agent() -> Path:
    """The rotel-agent binary; skip (or, with PRINTERNIZER_STATS_REQUIRE_COLLECTOR=1, fail) without it."""
    binary = find_rotel_agent()
    if binary is None:
        message = "rotel-agent is not installed (the dev extra installs it on Linux x86_64)"
        if os.environ.get(REQUIRE_COLLECTOR) == "1":
            pytest.fail(f"{message}, and {REQUIRE_COLLECTOR}=1")
        pytest.skip(message)
    return binary
