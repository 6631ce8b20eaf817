"""Building the maintainers' collector distribution from its Go sources, once per source hash.

The sources (``collector-config/distribution``: the builder manifest and what the OpenTelemetry Collector
Builder generated from it, ``go.sum`` included) are hashed; the binary lives in the user's cache under that
hash, outside any work tree, so every checkout and every later run with the same sources reuses it. A
file lock makes a second build of the same sources wait for the first instead of compiling twice.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TextIO

from printernizer_stats.contract import OTELCOL_ENV
from printernizer_stats.maintainers.collector._release import DISTRIBUTION_NAME

SOURCE_FILES = ("builder-config.yaml", "go.mod", "go.sum")


class BuildError(RuntimeError):
    """The distribution could not be built (no Go toolchain, a module the proxy does not serve, ...)."""


def default_source_dir() -> Path:
    """``collector-config/distribution`` of the checkout this package runs from."""
    return Path(__file__).resolve().parents[4] / "collector-config" / "distribution"


def cache_root() -> Path:
    """``$XDG_CACHE_HOME/printernizer-stats/otelcol`` (``~/.cache/...`` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "printernizer-stats" / "otelcol"


def source_hash(source: Path) -> str:
    """SHA-256 over the manifest, go.mod, go.sum and every generated ``.go`` file (names and contents)."""
    digest = hashlib.sha256()
    for path in sorted([*(source / name for name in SOURCE_FILES), *source.glob("*.go")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def cached_binary(source: Path | None = None, root: Path | None = None) -> Path:
    """Where the binary built from ``source`` is (or will be) cached."""
    source = source or default_source_dir()
    return (root or cache_root()) / source_hash(source) / DISTRIBUTION_NAME


def find_otelcol(source: Path | None = None) -> Path | None:
    """The collector binary to run: ``$PRINTERNIZER_STATS_OTELCOL``, else the cached build of the current
    sources; None if neither exists (build it with ``printernizer-stats collector build``)."""
    explicit = os.environ.get(OTELCOL_ENV)
    if explicit:
        return Path(explicit) if os.access(explicit, os.X_OK) else None
    source = source or default_source_dir()
    if not (source / "go.mod").is_file():
        return None
    binary = cached_binary(source)
    return binary if os.access(binary, os.X_OK) else None


def build_otelcol(source: Path | None = None, root: Path | None = None, log: TextIO | None = None,
                  force: bool = False) -> Path:
    """The binary for ``source``, building it first unless cached; raises BuildError."""
    source = (source or default_source_dir()).resolve()
    if not (source / "go.mod").is_file():
        raise BuildError(f"no collector distribution sources in {source}")
    binary = cached_binary(source, root)
    binary.parent.mkdir(parents=True, exist_ok=True)
    with (binary.parent / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another checkout building the same sources: wait for it
        if force or not os.access(binary, os.X_OK):
            _go_build(source, binary, log)
    return binary


def _go_build(source: Path, binary: Path, log: TextIO | None) -> None:
    go = shutil.which("go")
    if go is None:
        raise BuildError("the Go toolchain (go) is not on PATH; the collector is built from Go modules")
    # Static, reproducible (no paths of this machine inside), go.sum as checked in (-mod=readonly).
    env = {**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-mod=readonly -buildvcs=false"}
    with tempfile.TemporaryDirectory(dir=binary.parent) as scratch:
        output = Path(scratch) / binary.name
        argv = [go, "build", "-trimpath", "-ldflags=-s -w", "-o", str(output), "."]
        done = subprocess.run(argv, cwd=source, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if log is not None:
            log.write(done.stdout + done.stderr)
        if done.returncode != 0:
            raise BuildError(f"go build failed ({done.returncode}):\n{done.stderr}".rstrip())
        output.replace(binary)  # atomic: a reader never sees half a binary
