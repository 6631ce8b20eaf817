"""The ``printernizer-stats`` command line. Each subcommand lives in its own module and is imported lazily,
so ``printernizer-stats local`` never imports the server and ``serve`` never imports the client."""

from printernizer_stats.cli._main import main

__all__ = ["main"]
