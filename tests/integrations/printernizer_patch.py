"""The Printernizer patch as data: its files, the new panel script, README's generator (for the tests)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
INTEGRATION = ROOT / "integrations" / "printernizer"
PATCH = INTEGRATION / "printernizer-stats.patch"
README = ROOT / "README.md"
PANEL_SCRIPT = "frontend/js/usage-stats-panel.js"
MIRROR = Path(os.environ.get("PRINTERNIZER_MIRROR", "/work/.mirror/schmacka+printernizer/repo"))
"""A clone (bare or not) of schmacka/printernizer holding the patch's base commit, when there is one."""


def readme_section() -> ModuleType:
    """integrations/printernizer/readme_section.py, which is a script, not a package module."""
    spec = importlib.util.spec_from_file_location("readme_section", INTEGRATION / "readme_section.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def patch_text() -> str:
    return PATCH.read_text(encoding="utf-8")


def new_file(path: str) -> str:
    """The content of a file the patch creates (every line of its diff is an added line)."""
    lines = readme_section().file_diffs(patch_text())[path]
    body = [line for line in lines if not line.startswith("@@")]
    assert all(line.startswith("+") for line in body), f"{path} is not a new file in the patch"
    return "".join(f"{line[1:]}\n" for line in body)


def panel_script() -> str:
    """The new Settings -> Privacy panel script; PRINTERNIZER_PANEL_JS points at another one (to compare)."""
    other = os.environ.get("PRINTERNIZER_PANEL_JS")
    return Path(other).read_text(encoding="utf-8") if other else new_file(PANEL_SCRIPT)
