"""The real collector for tests: the binary built from collector-config/distribution (skipped where it is not
built, a failure when CI says it must be there), trustme certificates for its HTTPS listener, and the shipped
otelcol.yaml to run without edits."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme

from printernizer_stats.maintainers.collector import find_otelcol
from printernizer_stats_tools.collectors import OtelcolCollector, OtelcolSettings
from tests.maintainers.collector.rotel import REQUIRE_COLLECTOR

CONFIG_DIR = Path(__file__).parents[3] / "collector-config"
SHIPPED_CONFIG = CONFIG_DIR / "otelcol.yaml"


@pytest.fixture(scope="session")
def otelcol_binary() -> Path:
    """The built collector; skip (or, with PRINTERNIZER_STATS_REQUIRE_COLLECTOR=1, fail) without it."""
    binary = find_otelcol()
    if binary is None:
        message = "the collector is not built (printernizer-stats collector build, or ./dev collector)"
        if os.environ.get(REQUIRE_COLLECTOR) == "1":
            pytest.fail(f"{message}, and {REQUIRE_COLLECTOR}=1")
        pytest.skip(message)
    return binary


@dataclass(frozen=True)
class Certificates:
    cert: Path
    key: Path
    ca: Path
    """What clients trust (SenderConfig.ca_file, requests' verify)."""


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """A throwaway CA and a certificate for 127.0.0.1, the address clients reach the collector at."""
    folder = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1", "localhost")
    paths = Certificates(folder / "cert.pem", folder / "key.pem", folder / "ca.pem")
    issued.cert_chain_pems[0].write_to_path(str(paths.cert))
    issued.private_key_pem.write_to_path(str(paths.key))
    ca.cert_pem.write_to_path(str(paths.ca))
    return paths


def settings(receiver_url: str, token: str, certificates: Certificates, queue_dir: Path,
             config: Path = SHIPPED_CONFIG) -> OtelcolSettings:
    return OtelcolSettings(receiver_url, token, certificates.cert, certificates.key, queue_dir, config)


@pytest.fixture
def collector_factory(otelcol_binary: Path, tmp_path: Path) -> Iterator[list[OtelcolCollector]]:
    """Collectors a test starts are closed (and their logs kept in tmp_path) at its end."""
    started: list[OtelcolCollector] = []
    yield started
    for collector in started:
        collector.close()


def start_collector(started: list[OtelcolCollector], binary: Path, settings: OtelcolSettings,
                    workdir: Path) -> OtelcolCollector:
    collector = OtelcolCollector(settings, workdir=workdir, binary=binary)
    started.append(collector)
    return collector.start()
