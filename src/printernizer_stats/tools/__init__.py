"""Tooling for the tests, the benches and the demo, not for the host's runtime: the collectors run as child
processes (``tools.collectors``) and small helpers for local servers. Nothing on the host side or the
receiver imports it (an import-linter contract); the stand-in Printernizer, the simulator and the demo are
to move here as well.
"""

from printernizer_stats.tools._ports import free_port

__all__ = ["free_port"]
