"""The daily round a scheduler runs: DO_NOT_TRACK, id rotation, the local store's upkeep, then sending.

It owns time on the host side: compaction and retention happen here, not inside the exporter. Without an
endpoint the round still keeps the local store tidy (retention is a promise to the user), and sends nothing.
A failing local file (disk full, broken, too new) turns statistics off through the gate, never the host.
"""

from __future__ import annotations

from printernizer_stats.host.client._community import ClientCommunity
from printernizer_stats.host.client._gate import ConsentGate
from printernizer_stats.host.client._privacy import ConsentActions
from printernizer_stats.host.client._schedule import Schedule
from printernizer_stats.host.client._sending import ClientSending
from printernizer_stats.host.client._upkeep import LocalUpkeep
from printernizer_stats.host.sender import HELD


class DailyRound:
    """One installation's round, and the scheduler it runs on."""

    def __init__(self, gate: ConsentGate, consent: ConsentActions, upkeep: LocalUpkeep, sending: ClientSending,
                 community: ClientCommunity, schedule: Schedule) -> None:
        self._gate = gate
        self._consent = consent
        self._upkeep = upkeep
        self._sending = sending
        self._community = community
        self.schedule = schedule

    def tick(self) -> float | None:
        """Honour DO_NOT_TRACK, rotate the id if due, compact and apply retention; with an endpoint also batch,
        send and fetch the community summary. Returns when it wants to run again. Never raises: a failing
        local file turns statistics off (the gate's reason, one log line) and the round waits its interval."""
        return self._gate.shielded(self._round, None)

    def upkeep(self) -> bool:
        """Only the round's local part, compaction and retention (the simulator's end of day); whether it
        ran. Never raises, as :meth:`tick`."""
        return self._gate.shielded(self._upkeep.run, False)

    def _round(self) -> float | None:
        self._consent.honour_do_not_track()
        self._consent.rotate_id_if_due()
        self._upkeep.run()
        return self._send() if self._sending.config.enabled else None

    def _send(self) -> float | None:
        self._sending.collect()
        attempts = self._sending.sender.send_due()
        self._community.refresh()  # the community summary: once a day, only while opted in
        if attempts and all(a.outcome == HELD for a in attempts):
            return None  # nothing may go out now: wait for the regular interval
        return self._sending.sender.seconds_until_due()

    def start_async(self) -> bool:
        """Run the round inside the running asyncio loop; whether it sends (False without an endpoint)."""
        self.schedule.start_async(self.tick)
        return self._sending.config.enabled

    def start_thread(self) -> bool:
        """Run the round on a daemon thread; whether it sends (False without an endpoint)."""
        self.schedule.start_thread(self.tick)
        return self._sending.config.enabled

    def stop(self) -> None:
        self.schedule.stop()
