"""``demo`` and ``simulate`` on an install of the wheel, where printernizer_stats_tools is absent: listed,
and running them says they run from a clone (exit 2, no traceback); every other command is unaffected."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

_RUN = ("import sys\n"
        "sys.modules['printernizer_stats_tools'] = None  # import fails as if not installed (the wheel)\n"
        "from printernizer_stats.cli import main\n"
        "raise SystemExit(main(sys.argv[1:]))\n")


def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _RUN, *argv], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "DO_NOT_TRACK": ""})


def test_tool_commands_say_they_run_from_a_clone(tmp_path: Path) -> None:
    for argv in (("demo",), ("demo", "--installations", "3"), ("simulate", "--db", str(tmp_path / "s.db"))):
        done = _cli(*argv)
        assert done.returncode == 2, (argv, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
        assert f"printernizer-stats {argv[0]} runs from a clone of the printernizer-stats repository" in done.stderr
        assert "./dev" in done.stderr
    assert not (tmp_path / "s.db").exists()


def test_the_other_commands_do_not_need_the_tools(tmp_path: Path) -> None:
    listed = _cli("--help")
    assert listed.returncode == 0 and "demo" in listed.stdout and "simulate" in listed.stdout
    db = str(tmp_path / "stats.db")
    assert _cli("opt-in", "--db", db).returncode == 0
    local = _cli("local", "--db", db)
    assert local.returncode == 0, local.stderr
    assert json.loads(local.stdout)["consent"]["opted_in"] is True


def test_with_the_tools_present_simulate_runs(tmp_path: Path) -> None:
    from printernizer_stats.cli import main

    assert main(["simulate", "--db", str(tmp_path / "s.db"), "--weeks", "1"]) == 0
    assert (tmp_path / "s.db").exists()
