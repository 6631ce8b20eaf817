"""One keep-alive HTTPS connection for every simulated installation a process hosts.

A real installation sends once a week, so its sender opens a session for one pass and closes it
(sender/_sender.py): no socket outlives the pass. A demo worker hosts a hundred installations sending one
after another, and a TLS handshake per weekly batch (both ends, and a CA bundle loaded each time) was a
tenth of the demo's CPU. Each batch still goes through the real :class:`Transport` (hardened session,
headers, capped answer, classification); only the pooled connection outlives the pass.
"""

from __future__ import annotations

import requests

from printernizer_stats.host.sender import SenderConfig, Transport
from printernizer_stats.host.sender._http import hardened_session


class _Borrowed(Transport):
    def close(self) -> None:
        """The pass is over; the shared session (and its open connection) stays for the next installation."""


class SharedConnection:
    """A transport factory for :class:`~printernizer_stats.host.sender.Sender`: every pass borrows one session.

    Only for installations that send to the same endpoint with the same CA and proxy (a demo worker's).
    """

    def __init__(self) -> None:
        self.session: requests.Session | None = None

    def __call__(self, config: SenderConfig) -> Transport:
        self.session = self.session or hardened_session(config)
        return _Borrowed(config, self.session)

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
