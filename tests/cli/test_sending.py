"""The sending commands end to end: simulate, preview, submit, history, opt-out with deletion, opt-in."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from printernizer_stats.cli import main
from printernizer_stats.host.sender import hide_credentials
from tests.host.sender.receiver import FaultyReceiver


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


def test_preview_submit_history_and_opt_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """What preview prints is what the receiver gets; history verifies; opt-out's deletion request goes once."""
    db = str(tmp_path / "stats.db")
    assert main(["simulate", "--db", db, "--weeks", "2", "--seed", "4"]) == 0
    capsys.readouterr()
    code, preview = _run(capsys, "preview", "--db", db)
    assert code == 0 and preview["state"] == "queued" and preview["queued"] == 2
    with FaultyReceiver() as receiver:
        code, submitted = _run(capsys, "submit", "--db", db, "--endpoint", receiver.url, "--token", "t")
        assert code == 0 and [a["outcome"] for a in submitted["attempts"]] == ["accepted", "accepted"]  # type: ignore[index]
        stored = receiver.stored[str(preview["batch_id"])]
        assert hide_credentials(stored) == base64.b64decode(str(preview["protobuf_base64"]))
        assert receiver.received[0].headers["Authorization"] == "Bearer t"
        code, history = _run(capsys, "history", "--db", db)
        assert code == 0 and history["chain"]["valid"] and len(history["entries"]) == 2  # type: ignore[index,arg-type]
        code, out = _run(capsys, "opt-out", "--db", db, "--request-server-deletion")
        assert code == 0 and out["deletion_request"] == "queued"
        _, preview_after = _run(capsys, "preview", "--db", db)
        assert preview_after["week"] == "deletion"
        code, submitted = _run(capsys, "submit", "--db", db, "--endpoint", receiver.url)
        assert code == 0 and len(receiver.stored) == 3
        code, submitted = _run(capsys, "submit", "--db", db, "--endpoint", receiver.url)
        assert submitted["attempts"] == [] and len(receiver.received) == 3


def test_opt_in_records_consent_without_collecting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """opt-in from the CLI gives an id and starts nothing: no reading is recorded by the command itself."""
    db = str(tmp_path / "stats.db")
    code, out = _run(capsys, "opt-in", "--db", db, "--rotate-yearly")
    assert code == 0 and out["opted_in"] and out["rotate_yearly"] and len(str(out["installation_id"])) == 36
    _, local = _run(capsys, "local", "--db", db)
    assert local["days_recorded"] == 0 and local["consent"]["opted_in"]  # type: ignore[index]


def test_submit_refuses_plain_http(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A plain-HTTP endpoint off this machine is refused with a clear message and exit code 2."""
    code = main(["submit", "--db", str(tmp_path / "s.db"), "--endpoint", "http://stats.example.org"])
    assert code == 2
    assert "refusing plain HTTP" in capsys.readouterr().err
