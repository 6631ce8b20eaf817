"""README's "Adding it to Printernizer" section, generated from the patch (``python readme_section.py`` rewrites it).

The section quotes the patch's own added lines, so README cannot drift from what the patch does;
tests/integrations/test_printernizer_patch.py fails when README is stale.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PATCH = HERE / "printernizer-stats.patch"
README = HERE.parent.parent / "README.md"
BASE_COMMIT = "be0da09"
BEGIN = ("<!-- generated from integrations/printernizer/printernizer-stats.patch: "
         "run integrations/printernizer/readme_section.py -->")
END = "<!-- end of generated section -->"


def file_diffs(patch: str) -> dict[str, list[str]]:
    """Path -> that file's diff lines (hunks only), in patch order."""
    diffs: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in patch.splitlines():
        if line.startswith("diff --git "):
            current = diffs.setdefault(line.split(" b/", 1)[1], [])
        elif current is not None and not line.startswith(("index ", "--- ", "+++ ", "new file mode")):
            current.append(line)
    return diffs


def added_blocks(lines: list[str]) -> list[list[str]]:
    """Runs of consecutive added lines (without the ``+``)."""
    blocks: list[list[str]] = []
    run: list[str] = []
    for line in [*lines, ""]:
        if line.startswith("+"):
            run.append(line[1:])
        elif run:
            blocks.append(run)
            run = []
    return blocks


def _counts(lines: list[str]) -> str:
    added = sum(1 for line in lines if line.startswith("+"))
    removed = sum(1 for line in lines if line.startswith("-"))
    return f"+{added} −{removed}"


def _block_with(blocks: list[list[str]], needle: str) -> str:
    block = next(b for b in blocks if any(needle in line for line in b))
    text = "\n".join(block).strip("\n")
    indent = min(len(line) - len(line.lstrip()) for line in text.splitlines() if line.strip())
    return "\n".join(line[indent:] for line in text.splitlines())


def _line_with(blocks: list[list[str]], needle: str) -> str:
    return next(line for block in blocks for line in block if needle in line).strip()


def section(patch: str) -> str:
    """The generated part of README's section, from the patch text."""
    diffs = file_diffs(patch)
    main = added_blocks(diffs["src/main.py"])
    rows = "\n".join(f"| `{path}` | {_counts(lines)} |" for path, lines in diffs.items())
    return "\n".join([
        BEGIN,
        f"The integration is a patch against Printernizer `{BASE_COMMIT}`, kept in this repository: "
        "[`integrations/printernizer/printernizer-stats.patch`](integrations/printernizer/printernizer-stats.patch). "
        "In a Printernizer checkout:",
        "",
        "```sh",
        "git apply --check /path/to/printernizer-stats/integrations/printernizer/printernizer-stats.patch",
        "git apply /path/to/printernizer-stats/integrations/printernizer/printernizer-stats.patch",
        "```",
        "",
        "| file | lines |",
        "|---|---|",
        rows,
        "",
        "In `src/main.py`, `create_application()` calls `install` after the `include_router` calls and before the "
        "frontend's `StaticFiles` mount at `/` (which answers every path registered after it); the old "
        "usage-statistics router, `UsageStatisticsService` and `UsageStatisticsScheduler` are no longer used "
        "(they recorded whether or not the user opted in):",
        "",
        "```python",
        _block_with(main, "printernizer_stats.install("),
        "```",
        "",
        "with, next to it, the fleet by type (driver instances carry no type attribute, so the class tells; "
        "`collections` is imported as a module because `src/main.py` already binds `Counter` to Prometheus's):",
        "",
        "```python",
        _line_with(main, "import collections"),
        "",
        "",
        _block_with(main, "_DRIVER_TYPES"),
        "```",
        "",
        "Settings → Privacy loads `frontend/js/usage-stats-panel.js` instead of `usage-statistics.js`: its checkbox "
        "shows the consent as stored (set only from `GET /status` or the status an action answers with, re-read "
        "after a failure), the panel shows the real fields of the privacy API and links to the page in "
        "Printernizer's language; the page links back to Settings. "
        "[`integrations/printernizer/README.md`](integrations/printernizer/README.md) lists the old files the "
        "patch leaves unused and how the patch was verified on Printernizer itself.",
        END,
    ])


def render(readme: str, patch: str) -> str:
    """``readme`` with its generated section replaced."""
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(readme):
        raise ValueError("README has no generated Printernizer section")
    return pattern.sub(lambda _match: section(patch), readme)


if __name__ == "__main__":
    README.write_text(render(README.read_text(encoding="utf-8"), PATCH.read_text(encoding="utf-8")), encoding="utf-8")
    sys.stdout.write(f"{README} updated from {PATCH.name}\n")
