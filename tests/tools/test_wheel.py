"""The tooling never ships: the wheel of printernizer-stats holds printernizer_stats and nothing of
printernizer_stats_tools (the simulator, the stand-in Printernizer, the demo, the collectors' runners).

Builds the wheel for real (pip, setuptools in an isolated build environment) from a copy of the project, so
the worktree gets no build/ or egg-info of its own.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import printernizer_stats_tools

ROOT = Path(__file__).resolve().parents[2]
PROJECT_FILES = ("pyproject.toml", "README.md", "LICENSE")


def _build_wheel(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "src", project / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in PROJECT_FILES:
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, project / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "dist"),
                    str(project)], check=True, capture_output=True, timeout=300)
    (wheel,) = (tmp_path / "dist").glob("printernizer_stats-*.whl")
    return wheel


def test_the_wheel_holds_the_runtime_package_and_no_tooling(tmp_path: Path) -> None:
    names = zipfile.ZipFile(_build_wheel(tmp_path)).namelist()
    top_level = {name.split("/")[0] for name in names}
    assert {entry for entry in top_level if not entry.endswith(".dist-info")} == {"printernizer_stats"}
    tooling = Path(printernizer_stats_tools.__file__).parent
    tool_modules = {path.relative_to(tooling.parent).as_posix() for path in tooling.rglob("*.py")}
    assert len(tool_modules) > 30  # the scan below looks at the real tree
    assert not tool_modules & set(names)
    assert not [name for name in names if "simulator" in name or "standin" in name or "_demo" in name]
    # What the host needs is there: the CLI (which names the tools by string only), the registry's data.
    assert {"printernizer_stats/cli/_main.py", "printernizer_stats/cli/_tools.py",
            "printernizer_stats/registry/metrics.yaml"} <= set(names)
