"""Who may read the maintainers' analytics: the receiver's bearer token, or a session cookie made from it.

API clients send ``Authorization: Bearer <token>``. A browser signs in once through a form; the answer
sets an HttpOnly, SameSite=Strict cookie (Secure over HTTPS) holding an expiry and an HMAC of it, keyed
with a hash of the token. The token itself never reaches the browser's storage (no sessionStorage a
script could read), the page needs no JavaScript, rotating the token ends every session, and the cookie
is never sent along from another site. Failed sign-ins are rate limited per (hashed) client address.
No token configured: the analytics are open, as the receiver is (tests, demos); set one in production.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from printernizer_stats.server._ratelimit import AddressKeys, TokenBuckets

SESSION_COOKIE = "pstats_session"
SESSION_SECONDS = 12 * 3600
_DOMAIN = b"printernizer-stats dashboard session\x00"


class DashboardAuth:
    """Checks bearer tokens and session cookies for one token (``None``: open)."""

    def __init__(self, token: str | None, session_seconds: int = SESSION_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        if token is not None and not token.strip():
            raise ValueError("the token must not be empty")
        self.token = token
        self.session_seconds = session_seconds
        self.clock = clock
        self._key = hashlib.sha256(_DOMAIN + token.encode()).digest() if token is not None else b""
        self.sign_ins = TokenBuckets(10, 10 / 60)
        self._addresses = AddressKeys()

    @property
    def required(self) -> bool:
        return self.token is not None

    def token_matches(self, given: str) -> bool:
        return self.token is not None and hmac.compare_digest(given.encode("utf-8", "replace"), self.token.encode())

    def _signature(self, expiry: str) -> str:
        return hmac.new(self._key, expiry.encode("ascii"), hashlib.sha256).hexdigest()

    def new_session(self) -> str:
        expiry = str(int(self.clock()) + self.session_seconds)
        return f"{expiry}.{self._signature(expiry)}"

    def session_valid(self, value: str | None) -> bool:
        if not self.required or not value or value.count(".") != 1:
            return False
        expiry, signature = value.split(".")
        if not expiry.isascii() or not expiry.isdigit() or int(expiry) < self.clock():
            return False
        return hmac.compare_digest(signature.encode("ascii", "replace"), self._signature(expiry).encode("ascii"))

    def authorised(self, request: Request) -> bool:
        if not self.required:
            return True
        header = request.headers.get("authorization", "")
        if header[:7].lower() == "bearer " and self.token_matches(header[7:]):
            return True
        return self.session_valid(request.cookies.get(SESSION_COOKIE))

    def sign_in_wait(self, request: Request) -> float:
        """Seconds to wait before another sign-in attempt from this address (0: go ahead)."""
        client = request.client
        return self.sign_ins.take(self._addresses(client.host if client else "unknown"))

    def set_session(self, request: Request, response: Response) -> None:
        response.set_cookie(SESSION_COOKIE, self.new_session(), max_age=self.session_seconds, path="/",
                            httponly=True, samesite="strict", secure=request.url.scheme == "https")

    @staticmethod
    def end_session(request: Request, response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                               secure=request.url.scheme == "https")
