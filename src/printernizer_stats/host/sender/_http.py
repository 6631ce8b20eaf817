"""The one way the host side speaks HTTP: a hardened ``requests`` session and a capped, streamed request.

Every request to the stats endpoint (a batch, the community summary) goes through :func:`hardened_session`
and :func:`request_capped`, so the transport rules are written once:

- ``trust_env = False``: no proxy, CA bundle or ``.netrc`` credentials are picked up from the environment;
  the proxy and CA file come only from :class:`SenderConfig`;
- redirects are never followed (a redirect could lead to plain HTTP or elsewhere);
- the configured timeout on every request;
- the answer is streamed and at most ``limit`` bytes of it are read, then the connection is released.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from requests.structures import CaseInsensitiveDict

from printernizer_stats.host.sender._config import SenderConfig


def hardened_session(config: SenderConfig, session: requests.Session | None = None) -> requests.Session:
    """``session`` (default: a new one) with the environment ignored and ``config``'s CA file and proxy."""
    session = session or requests.Session()
    session.trust_env = False
    session.verify = config.ca_file or True
    session.proxies = {"https": config.proxy, "http": config.proxy} if config.proxy else {}
    return session


@dataclass(frozen=True, slots=True)
class CappedResponse:
    """An answer's status, headers and at most ``limit`` bytes of its (decoded) body."""

    status_code: int
    headers: CaseInsensitiveDict[str]
    body: bytes


def request_capped(session: requests.Session, method: str, url: str, *, timeout_s: float, limit: int,
                   **kwargs: Any) -> CappedResponse:
    """One request without redirects, reading at most ``limit`` bytes of the answer. Raises what
    ``requests`` (or urllib3, while the body is read) raises."""
    response = session.request(method, url, timeout=timeout_s, allow_redirects=False, stream=True, **kwargs)
    try:
        body = response.raw.read(limit, decode_content=True) or b""
    finally:
        response.close()
    return CappedResponse(response.status_code, response.headers, body)
