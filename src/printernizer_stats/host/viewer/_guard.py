"""Who may talk to the privacy API: the checks that keep other web pages out, without the host's help.

Printernizer has no authentication and answers CORS for any origin, so this router defends itself:

- **Host allow-list** (DNS rebinding): a page on ``evil.example`` whose name the attacker re-points to the
  user's machine is same-origin with itself, so ``Sec-Fetch-Site`` says ``same-origin``; only the ``Host``
  header gives it away. Allowed: IP literals (a rebinding page's Host is always its own name, never an
  address), ``localhost``, names no public DNS can answer (single-label, ``.local``, ``.home.arpa``,
  ``.internal``, ``.localhost``), and the names configured (the host's own, ``PRINTERNIZER_STATS_ALLOWED_HOSTS``).
  Requests from a trusted proxy peer (Home Assistant's ingress, which authenticates its users) skip the list.
- **Exact Origin match**: a cross-origin ``fetch`` always carries ``Origin``; it must name this very host
  (older browsers send no ``Sec-Fetch-Site``, but do send ``Origin``). For changes, ``Referer`` too when
  there is no ``Origin``.
- **Changes only through non-simple requests**: a JSON body (``application/json``) or the custom header
  ``X-Requested-With``; an HTML form can send neither, and a cross-origin script cannot without a preflight
  that carries the Origin refused above. The one exception is a simple request the browser itself marks
  ``Sec-Fetch-Site: same-origin`` with this host's ``Origin`` (Printernizer's own settings panel posts bare).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import structlog
from fastapi import HTTPException, Request, status

from printernizer_stats.contract import ALLOWED_HOSTS_ENV

_log = structlog.get_logger(__name__)

CUSTOM_HEADER = "X-Requested-With"
"""A header no HTML form can send; the page's script sends it (any value) with every request."""
CROSS_SITE = "refused: usage statistics can only be changed from Printernizer's own page"
UNKNOWN_HOST = ("refused: this page was requested under a host name Printernizer does not know ({host}); "
                f"add it to {ALLOWED_HOSTS_ENV} if it is yours")
OTHER_ORIGIN = "refused: the request comes from another web page ({origin})"
SIMPLE_REQUEST = (f"refused: changes need a JSON body (Content-Type: application/json) or the {CUSTOM_HEADER} "
                  "header, which no form or other web page can send")
LOCAL_SUFFIXES = (".local", ".home.arpa", ".internal", ".localhost")
"""Names public DNS never answers (mDNS, RFC 8375, ICANN's private-use TLD, RFC 6761)."""
HOST_NAME = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*", re.ASCII)
READS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class RequestPolicy:
    """Names and peers the privacy API trusts beyond its built-in ones.

    Args:
        allowed_hosts: further host names (no port), e.g. ``printernizer.example.org``; ``*.example.org``
            allows its subdomains.
        trusted_proxies: peer addresses whose requests skip the host list (Home Assistant's ingress proxy).
    """

    allowed_hosts: frozenset[str] = field(default_factory=frozenset)
    trusted_proxies: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, allowed_hosts: Iterable[str] = (), trusted_proxies: Iterable[str] = ()) -> RequestPolicy:
        hosts = {name.strip().lower().rstrip(".") for name in allowed_hosts}
        return cls(frozenset(hosts - {""}), frozenset(p.strip() for p in trusted_proxies if p.strip()))


def split_host(host: str) -> tuple[str, int | None]:
    """``Host`` header -> (name in lower case, port or None); ``("", None)`` when it cannot be read."""
    try:
        parts = urlsplit(f"//{host.strip()}")
        return (parts.hostname or "").rstrip("."), parts.port
    except ValueError:
        return "", None


def is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def host_allowed(name: str, policy: RequestPolicy) -> bool:
    """Whether a request naming ``name`` in its Host header can only come from this machine's own names."""
    if is_ip(name):
        return True
    if not HOST_NAME.fullmatch(name):
        return False
    if name == "localhost" or "." not in name or name.endswith(LOCAL_SUFFIXES):
        return True
    return name in policy.allowed_hosts or any(
        pattern.startswith("*.") and name.endswith(pattern[1:]) for pattern in policy.allowed_hosts)


def same_origin(url: str, host: str) -> bool:
    """Whether ``url`` (an Origin or Referer) names the host and port the request was sent to."""
    try:
        parts = urlsplit(url)
        origin_port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return False
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return False
    name, port = split_host(host)
    # Behind a TLS proxy the request arrives as http while the page's origin is https: a Host header without
    # a port means the default port of the origin's scheme.
    return parts.hostname.rstrip(".") == name and origin_port == (port or DEFAULT_PORTS[parts.scheme])


def _refuse(reason: str, kind: str) -> HTTPException:
    _log.warning("usage_stats.request_refused", kind=kind)
    return HTTPException(status.HTTP_403_FORBIDDEN, reason)


def _check_host(request: Request, policy: RequestPolicy) -> str:
    host = request.headers.get("host", "")
    peer = request.client.host if request.client else ""
    if peer in policy.trusted_proxies:
        return host
    name, _ = split_host(host)
    if not host_allowed(name, policy):
        raise _refuse(UNKNOWN_HOST.format(host=name[:80] or "none"), "host")
    return host


def _check_origin(request: Request, host: str) -> None:
    origin = request.headers.get("origin")
    if origin is not None and not same_origin(origin, host):
        raise _refuse(OTHER_ORIGIN.format(origin=origin[:80]), "origin")
    site = request.headers.get("sec-fetch-site", "").lower()
    if site in {"cross-site", "same-site"} and (
            request.method not in READS or request.headers.get("sec-fetch-mode", "").lower() != "navigate"):
        # Reads: another site may link to the page (a navigation), never fetch from it.
        raise _refuse(CROSS_SITE, "site")


def _check_change(request: Request, host: str) -> None:
    referer = request.headers.get("referer")
    if "origin" not in request.headers and referer and not same_origin(referer, host):
        raise _refuse(CROSS_SITE, "referer")
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media == "application/json" or CUSTOM_HEADER.lower() in request.headers:
        return
    # A simple request only when the browser itself vouches for it: same-origin, with this host's Origin
    # (both set by the browser, never by a page), as the host's own settings panel sends its bare POSTs.
    vouched = request.headers.get("sec-fetch-site", "").lower() == "same-origin" and "origin" in request.headers
    if not vouched:
        raise _refuse(SIMPLE_REQUEST, "simple")


def request_guard(policy: RequestPolicy) -> Callable[[Request], None]:
    """A dependency for every route of the privacy API and the page (reads and changes)."""

    def guard(request: Request) -> None:
        host = _check_host(request, policy)
        _check_origin(request, host)
        if request.method not in READS:
            _check_change(request, host)

    return guard
