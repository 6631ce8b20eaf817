"""Tooling for the tests, the benches and the demo, beside ``printernizer_stats`` and never in its wheel.

- ``simulator``: seeded simulated Printernizer installations driving a real ``StatsClient``;
- ``standin``: a stand-in Printernizer (its event bus, services and, in ``standin.app``, its FastAPI app);
- ``demo``: ``./dev demo``, end to end through a collector and the receiver;
- ``collectors``: the built OpenTelemetry Collector and rotel as child processes.

It may import anything of ``printernizer_stats``; nothing there imports it (an import-linter contract): the
CLI's ``demo`` and ``simulate`` name their modules here as strings and run from a clone only.
"""

from printernizer_stats_tools._ports import free_port

__all__ = ["free_port"]
