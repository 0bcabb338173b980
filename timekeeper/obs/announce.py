"""One OBS, one driver: each run announces itself to OBS and hears the other timekeepers.

Why: two runs of the same programme (another `--port`, another laptop, a
`--fresh` run) both switched OBS's scenes, each seeing the other's switches as
hand switches. The as-run log's lock stops two runs of one log; this catches
any two timekeepers on one OBS. Periodically (a driver every 0.25 s, a standby
or a watcher every second; at once after each connect, when a new one is heard
and when the role changes) the run sends obs-websocket's `BroadcastCustomEvent`
with `eventData` {"kind": KIND, "run_id", "host", "pid", "title", "mode",
"epoch", "role"}; every client of that OBS receives it as a `CustomEvent`. An
announcement from another run id is another timekeeper: it goes into
`ObsStatus.others` (the panel warns "another timekeeper (host, pid) drives this
OBS") and is reported once as `OtherTimekeeper` (an alarm), or as
`OtherTimekeeperNoted` (no alarm) when it only watches or stands by, or when
this run is a standby that hears its driver; one
not heard for `GONE_AFTER` real seconds is reported `OtherTimekeeperGone` and
dropped. Our own announcements come back too and are
ignored. A broadcast changes nothing in OBS, so dry runs and standbys announce
(and listen) as well.

The standby (issue 24): the driver last heard is kept in `ObsStatus.driver_heard`
(with the monotonic instant, see `announce_rules.driver_quiet_for`), and a
driver of a pair (epoch >= 1) that hears a driver of a higher epoch (equal: the
smaller run id) stands down at once: `on_stand_down` is called (the controller
stops changing OBS) and `Fenced` is reported.

The rules (the format, `heard`, the events, the sans-I/O `AnnounceBook`) are
in `announce_rules`; this module owns this run's identity (`this_run`) and the
shell, the `Announcer` (the period and the sends).
The timer (`sleep`) and the monotonic clock (`mono`) are injected: tests fire the
timer by hand and move the clock, never wait on either.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from timekeeper.errors import ObsError
from timekeeper.obs.announce_rules import (
    DRIVER_INTERVAL,
    GONE_AFTER,
    KIND,
    WATCH_INTERVAL,
    AnnounceBook,
    Fenced,
    OtherTimekeeper,
    OtherTimekeeperGone,
    OtherTimekeeperNoted,
    announcement,
    driver_quiet_for,
    heard,
    interval_for,
    lease_fresh,
)
from timekeeper.obs.context import ObsContext, log
from timekeeper.obs.machine_messages import Broadcast, StandDown, Step
from timekeeper.obs.status import Role, RunIdentity

__all__ = [
    "DRIVER_INTERVAL",
    "GONE_AFTER",
    "KIND",
    "WATCH_INTERVAL",
    "AnnounceBook",
    "Announcer",
    "Fenced",
    "Mono",
    "OtherTimekeeper",
    "OtherTimekeeperGone",
    "OtherTimekeeperNoted",
    "Sleep",
    "announcement",
    "driver_quiet_for",
    "heard",
    "this_run",
]

Sleep = Callable[[float], Awaitable[None]]
Mono = Callable[[], float]  # real seconds of a monotonic clock


def this_run(title: str, mode: str) -> RunIdentity:
    """This process's identity: a new run id, the host name and the PID."""
    return RunIdentity(uuid.uuid4().hex[:12], socket.gethostname(), os.getpid(), title, mode)


class Announcer:
    """The shell: the period (injected `sleep`), the broadcasts through the port, and the
    stand-down (`on_stand_down`, called at once when a higher epoch is heard)."""

    def __init__(
        self,
        ctx: ObsContext,
        identity: RunIdentity,
        *,
        interval: float | None = None,
        sleep: Sleep = asyncio.sleep,
        mono: Mono = time.monotonic,
        on_stand_down: Callable[[StandDown], None] = lambda _: None,
    ) -> None:
        """`interval` None: by the role (`DRIVER_INTERVAL`, else `WATCH_INTERVAL`)."""
        self._ctx = ctx
        self.book = AnnounceBook(identity)
        self._interval = interval
        self._sleep = sleep
        self._mono = mono
        self._on_stand_down = on_stand_down
        self._echoed = asyncio.Event()  # set when our own announcement comes back

    @property
    def identity(self) -> RunIdentity:
        return self.book.identity

    @property
    def interval(self) -> float:
        """Real seconds between two announcements (now: the role may change)."""
        return self._interval if self._interval is not None else interval_for(self.identity)

    def start(self) -> None:
        """The periodic announcement, in the background (cancelled with the controller)."""
        self._ctx.spawn(self._loop())  # resumes in _loop

    def announce_now(self) -> None:
        """After a connect, and to a newcomer: say who we are without waiting for the timer."""
        self._run(self.book.announce(self._ctx.moment(), self._mono()))

    def become(self, role: Role, epoch: int) -> None:
        """Drive (or stand by) under `epoch` from now; announced at once."""
        self._run(self.book.become(self._ctx.moment(), role, epoch, self._mono()))

    def connection_lost(self) -> None:
        self._run(self.book.lost(self._ctx.moment()))

    async def lease(self, timeout: float) -> bool:
        """Wait (at most `timeout` real seconds) until this run may change OBS as far as
        fencing goes (`lease_fresh`): if stale, announce and wait for the echo, reading
        everything OBS sent before it. True: fresh (the caller checks the role again)."""
        if lease_fresh(self._ctx.status, self._mono()):
            return True
        self._run(self.book.renew(self._ctx.moment(), self._mono()))
        try:
            async with asyncio.timeout(timeout):
                while not lease_fresh(self._ctx.status, self._mono()):
                    self._echoed.clear()
                    await self._echoed.wait()  # resumes when on_custom_event hears our echo
                    # (still listening after a connect: the period's next echo wakes it again)
        except TimeoutError:
            return False
        return True

    def quiet_for(self) -> float | None:
        """Real seconds the other driver has been quiet on this OBS (see `driver_quiet_for`)."""
        return driver_quiet_for(self._ctx.status, self._mono())

    async def _loop(self) -> None:
        """On a fixed cadence: a send's round trip does not stretch the period."""
        due = self._mono()
        while True:
            due += self.interval
            await self._sleep(max(0.0, due - self._mono()))
            await self.tick()
            if self._mono() - due > self.interval:  # a stall: go on from now, not in a burst
                due = self._mono()

    async def tick(self) -> None:
        """One period (see `AnnounceBook.tick`); the announcement is sent before it returns."""
        for command in self._ctx.apply(self.book.tick(self._ctx.moment(), self._mono())):
            if isinstance(command, Broadcast):
                await self._send(command.data)

    def on_custom_event(self, data: Mapping[str, Any]) -> None:
        self._run(self.book.heard(self._ctx.moment(), data, self._mono()))
        if data.get("run_id") == self.identity.run_id:
            self._echoed.set()

    def _run(self, step: Step) -> None:
        for command in self._ctx.apply(step):
            if isinstance(command, StandDown):
                self._on_stand_down(command)  # before anything else: no request after this
            elif isinstance(command, Broadcast):
                self._ctx.spawn(self._send(command.data))  # resumes in _send

    async def _send(self, data: Mapping[str, object]) -> None:
        port = self._ctx.port
        if port is None or not port.connected:
            return
        try:
            await port.broadcast_custom_event(dict(data))
        except ObsError as exc:  # a drop is reported by the connection; try next period
            log.debug("announcing this run to OBS failed: %s", exc)
