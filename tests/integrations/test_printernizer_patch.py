"""The Printernizer patch: it applies to Printernizer's base commit, does what README says, and README is current."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.integrations.printernizer_patch import MIRROR, PANEL_SCRIPT, README, patch_text, readme_section

BASE = readme_section().BASE_COMMIT


def _git(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", f"--git-dir={_git_dir()}", *args], capture_output=True, text=True, check=False,
                          env={**os.environ, **(env or {})}, timeout=120)


def _git_dir() -> Path:
    return MIRROR / ".git" if (MIRROR / ".git").is_dir() else MIRROR


def test_the_patch_applies_to_printernizers_base_commit(tmp_path: Path) -> None:
    """``git apply --check`` against ``be0da09``'s tree, in a throw-away index (the clone is not touched)."""
    _skip_without_mirror()
    index = {"GIT_INDEX_FILE": str(tmp_path / "index")}
    assert _git("read-tree", BASE, env=index).returncode == 0
    check = _git("apply", "--check", "--cached", str(Path(readme_section().PATCH)), env=index)
    assert check.returncode == 0, check.stderr


def test_readmes_section_is_generated_from_the_patch() -> None:
    text = README.read_text(encoding="utf-8")
    assert readme_section().render(text, patch_text()) == text, (
        "README's 'Adding it to Printernizer' is stale: run python integrations/printernizer/readme_section.py")


def _skip_without_mirror() -> None:
    if shutil.which("git") is None or not _git_dir().exists() or _git("cat-file", "-e", BASE).returncode:
        pytest.skip(f"no Printernizer clone with {BASE} at {MIRROR} (set PRINTERNIZER_MIRROR)")


def test_the_patch_replaces_the_old_usage_statistics_and_installs_ours(tmp_path: Path) -> None:
    """src/main.py patched for real: install() before the frontend's mount; old service, scheduler, router unused."""
    _skip_without_mirror()
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text(_git("show", f"{BASE}:src/main.py").stdout, encoding="utf-8")
    applied = subprocess.run(["git", "apply", "--include=src/main.py", str(readme_section().PATCH)], cwd=tmp_path,
                             capture_output=True, text=True, check=False, timeout=60)
    assert applied.returncode == 0, applied.stderr
    main = (tmp_path / "src" / "main.py").read_text(encoding="utf-8")
    for old in ("usage_statistics_router", "UsageStatisticsService", "UsageStatisticsScheduler"):
        assert old not in main, old
    assert main.index("printernizer_stats.install(") < main.index('app.mount("/", StaticFiles'), (
        "install() must come before the static mount, which answers every path registered after it")
    compile(main, "src/main.py", "exec")


def test_the_settings_page_loads_the_new_panel_and_both_languages_have_its_texts() -> None:
    diffs = readme_section().file_diffs(patch_text())
    html = diffs["frontend/index.html"]
    assert f'+    <script src="{PANEL_SCRIPT.removeprefix("frontend/")}"></script>' in html
    assert '-    <script src="js/usage-statistics.js"></script>' in html
    keys = {lang: {line.split('"')[1] for line in diffs[f"frontend/locales/{lang}.json"] if line.startswith("+")}
            for lang in ("en", "de")}
    assert keys["en"] == keys["de"] and "openPage" in keys["en"]
