"""``python -m printernizer_stats.cli``: the command line (the demo starts its receiver this way)."""

from printernizer_stats.cli._main import main

raise SystemExit(main())
