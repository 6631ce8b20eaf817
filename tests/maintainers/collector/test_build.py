"""Building the collector distribution: the cache key is the sources, the cache lives outside the checkout,
a cached binary is reused without a toolchain, and the command prints the binary's path last. A tiny Go
program stands in for the distribution (its build takes a second, the real one minutes)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from printernizer_stats.cli import main
from printernizer_stats.contract import OTELCOL_ENV
from printernizer_stats.maintainers.collector import BuildError, build_otelcol, cached_binary, find_otelcol
from printernizer_stats.maintainers.collector._build import default_source_dir, source_hash


def _tiny_source(folder: Path, greeting: str = "hello") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "builder-config.yaml").write_text("dist: {name: tiny}\n")
    (folder / "go.mod").write_text("module example.com/tiny\n\ngo 1.26.0\n")
    (folder / "go.sum").write_text("")
    (folder / "main.go").write_text(f'package main\n\nimport "fmt"\n\nfunc main() {{ fmt.Println("{greeting}") }}\n')
    return folder


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache of our own; Go's build cache stays where it was (it defaults to $XDG_CACHE_HOME/go-build,
    and a cold one would compile the standard library again for each test)."""
    go = shutil.which("go")
    if go is not None:
        gocache = subprocess.run([go, "env", "GOCACHE"], capture_output=True, text=True, check=True).stdout.strip()
        monkeypatch.setenv("GOCACHE", gocache)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(OTELCOL_ENV, raising=False)
    return tmp_path / "cache"


def test_the_cache_key_is_the_sources(tmp_path: Path, cache_home: Path) -> None:
    """Same sources, same place (whatever folder they are in); any changed source file, another place."""
    one, two = _tiny_source(tmp_path / "one"), _tiny_source(tmp_path / "two")
    assert source_hash(one) == source_hash(two)
    assert cached_binary(one) == cached_binary(two)
    assert cached_binary(one).is_relative_to(cache_home / "printernizer-stats" / "otelcol")
    (two / "go.sum").write_text("example.com/x v1.0.0 h1:abc=\n")
    assert source_hash(one) != source_hash(two)
    _tiny_source(two, greeting="changed")
    assert source_hash(one) != source_hash(two)


def test_the_shipped_sources_are_hashed_outside_the_checkout(cache_home: Path) -> None:
    """The shipped distribution's cache path is under the user's cache, not in the work tree."""
    source = default_source_dir()
    assert (source / "builder-config.yaml").is_file()
    assert not cached_binary(source).is_relative_to(source.parents[1])


@pytest.mark.skipif(shutil.which("go") is None, reason="no Go toolchain")
def test_build_once_then_reuse_without_a_toolchain(tmp_path: Path, cache_home: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The first build compiles; the second finds the binary and needs no `go` at all."""
    source = _tiny_source(tmp_path / "src")
    binary = build_otelcol(source)
    assert subprocess.run([binary], capture_output=True, text=True, check=True).stdout == "hello\n"
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert build_otelcol(source) == binary
    assert find_otelcol(source) == binary
    with pytest.raises(BuildError, match="Go toolchain"):
        build_otelcol(source, force=True)


def test_a_failing_build_says_why_and_caches_nothing(tmp_path: Path, cache_home: Path) -> None:
    source = _tiny_source(tmp_path / "src")
    (source / "main.go").write_text("package main\n\nfunc main() { undefined() }\n")
    if shutil.which("go") is None:
        pytest.skip("no Go toolchain")
    with pytest.raises(BuildError, match="undefined"):
        build_otelcol(source)
    assert find_otelcol(source) is None


def test_an_explicit_binary_wins(tmp_path: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "otelcol"
    fake.write_text("#!/bin/sh\n")
    monkeypatch.setenv(OTELCOL_ENV, str(fake))
    assert find_otelcol() is None  # not executable
    fake.chmod(0o755)
    assert find_otelcol() == fake


@pytest.mark.skipif(shutil.which("go") is None, reason="no Go toolchain")
def test_the_command_prints_the_binary_path_last(tmp_path: Path, cache_home: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    source = _tiny_source(tmp_path / "src")
    assert main(["collector", "build", "--source", str(source)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert Path(out[-1]).is_absolute() and Path(out[-1]) == cached_binary(source)
    assert main(["collector", "build", "--source", str(source)]) == 0  # cached: same answer
    assert capsys.readouterr().out.splitlines()[-1] == out[-1]
