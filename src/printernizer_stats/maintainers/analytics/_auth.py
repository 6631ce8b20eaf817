"""Who may read the maintainers' analytics: the analytics token (not the clients' ingest token, when one
is configured), or a session cookie made from it.

API clients send ``Authorization: Bearer <token>``. A browser signs in once through a form; the answer
sets an HttpOnly, SameSite=Strict cookie (Secure over HTTPS) holding an expiry, a random session id and an
HMAC of both, keyed with a hash of the token. The token itself never reaches the browser's storage (no
sessionStorage a script could read), the page needs no JavaScript, rotating the token ends every session,
signing out revokes the session (its id is refused until its expiry, in this process), and the cookie is
never sent along from another site. Wrong tokens (form or bearer) past a burst per (hashed) client
address are answered slowly (``WrongGuesses``); the right token is always admitted at once, so guessing
from an address never locks its maintainer out. No token configured: the analytics are open, as the
receiver is (tests, demos); set one in production.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from printernizer_stats.contract import METRICS_PATH
from printernizer_stats.maintainers.server._guesses import WrongGuesses

SESSION_COOKIE = "pstats_session"
SESSION_SECONDS = 12 * 3600
_DOMAIN = b"printernizer-stats dashboard session\x00"


class DashboardAuth:
    """Checks bearer tokens and session cookies for one token (``None``: open)."""

    def __init__(self, token: str | None, session_seconds: int = SESSION_SECONDS,
                 clock: Callable[[], float] = time.time, guesses: WrongGuesses | None = None) -> None:
        if token is not None and not token.strip():
            raise ValueError("the token must not be empty")
        self.token = token
        self.session_seconds = session_seconds
        self.clock = clock
        self._key = hashlib.sha256(_DOMAIN + token.encode()).digest() if token is not None else b""
        self.guesses = guesses or WrongGuesses()
        self._revoked: dict[str, int] = {}
        """Signed-out session ids and their expiry (bounded: a session id is dropped once it has expired)."""

    @property
    def required(self) -> bool:
        return self.token is not None

    def token_matches(self, given: str) -> bool:
        return self.token is not None and hmac.compare_digest(given.encode("utf-8", "replace"), self.token.encode())

    def _signature(self, expiry: str) -> str:
        return hmac.new(self._key, expiry.encode("ascii"), hashlib.sha256).hexdigest()

    def new_session(self) -> str:
        payload = f"{int(self.clock()) + self.session_seconds}.{secrets.token_hex(16)}"
        return f"{payload}.{self._signature(payload)}"

    def _session(self, value: str | None) -> tuple[int, str] | None:
        """(expiry, id) of a valid, unrevoked session cookie."""
        if not self.required or not value or value.count(".") != 2:
            return None
        expiry, session_id, signature = value.split(".")
        if not expiry.isascii() or not expiry.isdigit() or int(expiry) < self.clock():
            return None
        expected = self._signature(f"{expiry}.{session_id}").encode("ascii")
        if not hmac.compare_digest(signature.encode("ascii", "replace"), expected) or session_id in self._revoked:
            return None
        return int(expiry), session_id

    def session_valid(self, value: str | None) -> bool:
        return self._session(value) is not None

    def revoke(self, value: str | None) -> None:
        """Sign out: this session is refused from now on."""
        session = self._session(value)
        now = self.clock()
        for session_id in [s for s, expiry in self._revoked.items() if expiry < now]:
            del self._revoked[session_id]
        if session is not None:
            self._revoked[session[1]] = session[0]

    def authorised(self, request: Request) -> bool:
        if not self.required:
            return True
        header = request.headers.get("authorization", "")
        if header[:7].lower() == "bearer " and self.token_matches(header[7:]):
            return True
        return self.session_valid(request.cookies.get(SESSION_COOKIE))

    async def wrong_token(self, request: Request) -> bool:
        """After a wrong token: wait if this address is past its burst; returns whether it was."""
        return await self.guesses.wrong(request.client.host if request.client else None)

    def set_session(self, request: Request, response: Response) -> None:
        response.set_cookie(SESSION_COOKIE, self.new_session(), max_age=self.session_seconds, path="/",
                            httponly=True, samesite="strict", secure=request.url.scheme == "https")

    @staticmethod
    def end_session(request: Request, response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                               secure=request.url.scheme == "https")


class WrongBearerDelay:
    """Before the analytics routes answer 401 to a wrong bearer token (they are synchronous, in worker
    threads: they must not sleep), delay it here, on the event loop, like every wrong guess."""

    def __init__(self, app: ASGIApp, auth: DashboardAuth) -> None:
        self.app = app
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.auth.required and scope["path"] != METRICS_PATH:
            header = Headers(scope=scope).get("authorization")
            if header is not None and not (header[:7].lower() == "bearer " and self.auth.token_matches(header[7:])):
                client = scope.get("client")
                await self.auth.guesses.wrong(client[0] if client else None)
        await self.app(scope, receive, send)
