"""Commands that run from a clone: ``demo`` and ``simulate`` live in ``printernizer_stats_tools``.

The wheel ships only ``printernizer_stats``; the simulator, the stand-in Printernizer and the demo sit beside
it in the repository's ``src/`` and are importable in a clone's editable install. The CLI names their modules
as strings (no import a linter or a host would follow) and, when the package is absent, registers the command
anyway so that running it says where it runs instead of "invalid choice".
"""

from __future__ import annotations

import argparse

TOOLS_PACKAGE = "printernizer_stats_tools"

TOOL_COMMANDS: dict[str, str] = {
    "simulate": f"{TOOLS_PACKAGE}.simulator.command",
    "demo": f"{TOOLS_PACKAGE}.demo.command",
}
"""subcommand -> its module in the tools package (``add_arguments(name, parser)``, ``run(args) -> int``)."""


def tools_missing(exc: ModuleNotFoundError) -> bool:
    """Whether ``exc`` is the tools package itself being absent (not one of its dependencies)."""
    return (exc.name or "").split(".")[0] == TOOLS_PACKAGE


def add_absent_arguments(parser: argparse.ArgumentParser) -> None:
    """Mark the command absent: ``main`` then accepts whatever options follow it and says where it runs
    (:func:`from_a_clone`) rather than failing on them as unknown."""
    parser.set_defaults(tool_absent=True)


_IN_A_CLONE: dict[str, str] = {
    "demo": "./dev demo",
    "simulate": "./dev check (it sets up .venv), then .venv/bin/printernizer-stats simulate --db PATH",
}


def from_a_clone(command: str) -> str:
    """What to tell someone who ran a tooling command from an install of the wheel."""
    return (f"printernizer-stats {command} runs from a clone of the printernizer-stats repository: the demo, "
            f"the simulator and the stand-in Printernizer are not in the installed package. "
            f"In the clone: {_IN_A_CLONE.get(command, './dev demo')}")
