"""One OBS, one driver: each run announces itself to OBS and hears the other timekeepers.

Why: two runs of the same programme (another `--port`, another laptop, a
`--fresh` run) both switched OBS's scenes, each seeing the other's switches as
hand switches. The as-run log's lock stops two runs of one log; this catches
any two timekeepers on one OBS. Every `interval` seconds (and at once after
each connect, and when a new one is heard) the run sends obs-websocket's
`BroadcastCustomEvent` with `eventData` {"kind": KIND, "run_id", "host",
"pid", "title", "mode"}; every client of that OBS receives it as a
`CustomEvent`. An announcement from another run id is another timekeeper: it
goes into `ObsStatus.others` (the panel warns "another timekeeper (host, pid)
drives this OBS") and is reported once as `OtherTimekeeper` (an alarm, unless
the other is a dry run, which only watches); one not heard for `GONE_AFTER`
of our own announcements is reported `OtherTimekeeperGone` and dropped.
Our own announcements come back too and are ignored. A broadcast changes
nothing in OBS, so dry runs announce (and listen) as well.

The rules (the format, `heard`, the two events, the sans-I/O `AnnounceBook`) are
in `announce_rules`; this module owns this run's identity (`this_run`) and the
shell, the `Announcer` (the period and the sends).
The timer is injected (`sleep`): tests fire it by hand, never wait on it.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from timekeeper.errors import ObsError
from timekeeper.obs.announce_rules import (
    GONE_AFTER,
    KIND,
    AnnounceBook,
    OtherTimekeeper,
    OtherTimekeeperGone,
    announcement,
    heard,
)
from timekeeper.obs.context import ObsContext, log
from timekeeper.obs.machine_messages import Broadcast, Step
from timekeeper.obs.status import RunIdentity

__all__ = [
    "ANNOUNCE_INTERVAL",
    "GONE_AFTER",
    "KIND",
    "AnnounceBook",
    "Announcer",
    "OtherTimekeeper",
    "OtherTimekeeperGone",
    "Sleep",
    "announcement",
    "heard",
    "this_run",
]

ANNOUNCE_INTERVAL = 3.0  # real seconds between two announcements

Sleep = Callable[[float], Awaitable[None]]


def this_run(title: str, mode: str) -> RunIdentity:
    """This process's identity: a new run id, the host name and the PID."""
    return RunIdentity(uuid.uuid4().hex[:12], socket.gethostname(), os.getpid(), title, mode)


class Announcer:
    """The shell: the period (injected `sleep`) and the broadcasts through the port."""

    def __init__(
        self,
        ctx: ObsContext,
        identity: RunIdentity,
        *,
        interval: float = ANNOUNCE_INTERVAL,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._ctx = ctx
        self.book = AnnounceBook(identity)
        self.interval = interval
        self._sleep = sleep

    @property
    def identity(self) -> RunIdentity:
        return self.book.identity

    def start(self) -> None:
        """The periodic announcement, in the background (cancelled with the controller)."""
        self._ctx.spawn(self._loop())

    def announce_now(self) -> None:
        """After a connect, and to a newcomer: say who we are without waiting for the timer."""
        self._run(self.book.announce(self._ctx.moment()))

    async def _loop(self) -> None:
        while True:
            await self._sleep(self.interval)
            await self.tick()

    async def tick(self) -> None:
        """One period (see `AnnounceBook.tick`); the announcement is sent before it returns."""
        for command in self._ctx.apply(self.book.tick(self._ctx.moment())):
            if isinstance(command, Broadcast):
                await self._send(command.data)

    def on_custom_event(self, data: Mapping[str, Any]) -> None:
        self._run(self.book.heard(self._ctx.moment(), data))

    def _run(self, step: Step) -> None:
        for command in self._ctx.apply(step):
            if isinstance(command, Broadcast):
                self._ctx.spawn(self._send(command.data))

    async def _send(self, data: Mapping[str, object]) -> None:
        port = self._ctx.port
        if port is None or not port.connected:
            return
        try:
            await port.broadcast_custom_event(dict(data))
        except ObsError as exc:  # a drop is reported by the connection; try next period
            log.debug("announcing this run to OBS failed: %s", exc)
