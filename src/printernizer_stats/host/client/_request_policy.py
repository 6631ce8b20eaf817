"""The privacy API's request policy from the host's configuration: its names, and Home Assistant's ingress.

Names come from three places: ``install(allowed_hosts=...)``, ``PRINTERNIZER_STATS_ALLOWED_HOSTS``
(comma-separated) and the host names in Printernizer's own ``CORS_ORIGINS`` setting (the origins its
operator declared as its own). Under ``HA_INGRESS=true`` the supervisor's ingress proxy, which authenticates
every request before forwarding it, is a trusted peer (it forwards the browser's Host unchanged).
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from printernizer_stats.contract import ALLOWED_HOSTS_ENV
from printernizer_stats.host.client._host_settings import read_setting
from printernizer_stats.host.viewer import RequestPolicy

HA_INGRESS_ENV = "HA_INGRESS"
HA_INGRESS_PROXY = "172.30.32.2"
"""The supervisor's address add-ons see ingress requests from (Home Assistant's add-on documentation)."""
CORS_SETTING = "cors_origins"


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _origin_hosts(value: Any) -> list[str]:
    origins = _names(value) if isinstance(value, str) else [str(v) for v in value or () if v]
    hosts = []
    for origin in origins:
        try:
            name = urlsplit(origin if "//" in origin else f"//{origin}").hostname
        except ValueError:
            continue
        if name and name != "*":
            hosts.append(name)
    return hosts


def request_policy(settings: Any = None, environ: Mapping[str, str] | None = None,
                   allowed_hosts: Iterable[str] = ()) -> RequestPolicy:
    """The names and peers the privacy API accepts beyond loopback, addresses and local-only names."""
    env = environ or {}
    names = [*allowed_hosts, *_names(env.get(ALLOWED_HOSTS_ENV, "")), socket.gethostname()]
    cors = read_setting(settings, CORS_SETTING) if settings is not None else None
    if isinstance(cors, str | list | tuple):
        names.extend(_origin_hosts(cors))
    ingress = env.get(HA_INGRESS_ENV, "").strip().lower() == "true"
    return RequestPolicy.of(names, [HA_INGRESS_PROXY] if ingress else [])
