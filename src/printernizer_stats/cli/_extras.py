"""Which extra a command needs, so that a missing one is a sentence with the pip command, not a traceback.

User-side commands (``local``, ``preview``, ``history``, ``opt-in``, ``opt-out``, ``viewer``) run on the
``fastapi`` extra a Printernizer install has; the maintainers' commands need ``server``.
"""

from __future__ import annotations

PACKAGE_EXTRAS: dict[str, str] = {
    "sqlalchemy": "server", "alembic": "server", "psycopg": "server", "numpy": "server", "scipy": "server",
    "httptools": "server", "uvloop": "server",
    "fastapi": "fastapi", "starlette": "fastapi", "uvicorn": "fastapi", "jinja2": "fastapi",
}
"""Top-level module -> the extra that installs it."""

COMMAND_EXTRAS: dict[str, str] = {
    "serve": "server", "migrate": "server", "insights": "server", "retention": "server",
    "grafana-dashboard": "server", "demo": "server", "viewer": "fastapi",
}


def missing_extra_message(command: str, exc: ModuleNotFoundError) -> str | None:
    """What to tell the user when ``command`` failed on ``exc``; ``None`` if no extra would install it."""
    module = (exc.name or "").split(".")[0]
    extra = PACKAGE_EXTRAS.get(module)
    if extra is None:
        return None
    return (f"printernizer-stats {command} needs the '{extra}' extra ({module} is not installed): "
            f"pip install 'printernizer-stats[{extra}]'")
