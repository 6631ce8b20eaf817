"""A faulty hop between the receiver and PostgreSQL: a TCP proxy that cuts a share of transactions.

It reads the PostgreSQL protocol only as far as the words BEGIN and COMMIT in what the receiver sends (psycopg
sends both as simple queries). A transaction drawn for a fault loses its connection at BEGIN (before it began),
at COMMIT before forwarding it (rolled back), or after forwarding COMMIT with the answer withheld (committed,
and the receiver never learns it: its retry must not store the batch twice).
"""

from __future__ import annotations

import contextlib
import random
import socket
import threading
import time
from collections import Counter

DB_FAULTS = ("cut at begin", "cut before commit", "cut after commit")


class FaultyDatabaseHop:
    """``with FaultyDatabaseHop(5432, rate, seed) as hop``: the receiver connects to ``hop.port``."""

    def __init__(self, upstream_port: int, rate: float, seed: int) -> None:
        self.upstream_port = upstream_port
        self.rate = rate
        self.rng = random.Random(seed)
        self.injected: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._closed = False

    def __enter__(self) -> FaultyDatabaseHop:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closed = True
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            _Connection(self, client, upstream).start()

    def draw(self) -> str | None:
        with self._lock:
            fault = self.rng.choice(DB_FAULTS) if self.rng.random() < self.rate else None
            if fault:
                self.injected[fault] += 1
        return fault


class _Connection:
    """One proxied connection: two pumps; the receiver-to-database one decides the faults."""

    def __init__(self, hop: FaultyDatabaseHop, client: socket.socket, upstream: socket.socket) -> None:
        self.hop, self.client, self.upstream = hop, client, upstream
        self.fault: str | None = None
        self.mute = False  # withhold what the database answers (the answer to a COMMIT that took effect)

    def start(self) -> None:
        threading.Thread(target=self._to_database, daemon=True).start()
        threading.Thread(target=self._to_receiver, daemon=True).start()

    def _cut(self) -> None:
        for sock in (self.client, self.upstream):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _to_database(self) -> None:
        try:
            while chunk := self.client.recv(65536):
                if b"BEGIN" in chunk:
                    self.fault = self.hop.draw()
                    if self.fault == "cut at begin":
                        return self._cut()
                if b"COMMIT" in chunk and self.fault == "cut before commit":
                    return self._cut()
                if b"COMMIT" in chunk and self.fault == "cut after commit":
                    self.mute = True
                    self.upstream.sendall(chunk)
                    time.sleep(0.2)  # the database commits; its answer is never passed on
                    return self._cut()
                self.upstream.sendall(chunk)
        except OSError:
            pass
        self._cut()

    def _to_receiver(self) -> None:
        try:
            while chunk := self.upstream.recv(65536):
                if not self.mute:
                    self.client.sendall(chunk)
        except OSError:
            pass
        self._cut()
