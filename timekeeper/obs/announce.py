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

This module owns the announcement's format (`announcement`, `heard`), its two
events and the `Announcer`. The timer is injected (`sleep`): tests fire it by
hand, never wait on it.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from timekeeper.errors import ObsError
from timekeeper.obs.context import ObsContext, log
from timekeeper.obs.event_base import ObsEvent
from timekeeper.obs.status import RunIdentity

KIND = "timekeeper.run"  # the marker that tells a timekeeper's CustomEvent from others'
ANNOUNCE_INTERVAL = 3.0  # real seconds between two announcements
GONE_AFTER = 3  # our announcements without word from another run before it counts as gone

Sleep = Callable[[float], Awaitable[None]]


def this_run(title: str, mode: str) -> RunIdentity:
    """This process's identity: a new run id, the host name and the PID."""
    return RunIdentity(uuid.uuid4().hex[:12], socket.gethostname(), os.getpid(), title, mode)


def announcement(identity: RunIdentity) -> dict[str, Any]:
    """The eventData of this run's BroadcastCustomEvent."""
    return {
        "kind": KIND,
        "run_id": identity.run_id,
        "host": identity.host,
        "pid": identity.pid,
        "title": identity.title,
        "mode": identity.mode,
    }


def heard(data: Mapping[str, Any]) -> RunIdentity | None:
    """The run a CustomEvent announces, or None when it is not a timekeeper's announcement."""
    if data.get("kind") != KIND:
        return None
    run_id, pid = data.get("run_id"), data.get("pid")
    if not isinstance(run_id, str) or not run_id or not isinstance(pid, int):
        return None
    return RunIdentity(
        run_id, str(data.get("host", "?")), pid, str(data.get("title", "")), str(data.get("mode"))
    )


@dataclass(frozen=True)
class OtherTimekeeper(ObsEvent):
    """Another timekeeper's announcement arrived on this OBS (reported once per run id)."""

    kind: ClassVar[str] = "other_timekeeper"
    alarm: ClassVar[bool] = True
    run_id: str
    host: str
    pid: int
    title: str
    mode: str

    @property
    def message(self) -> str:
        other = RunIdentity(self.run_id, self.host, self.pid, self.title, self.mode)
        return f"{other.describe()}: {self.title!r}, {self.mode.replace('_', ' ')}"


@dataclass(frozen=True)
class OtherTimekeeperGone(ObsEvent):
    kind: ClassVar[str] = "other_timekeeper_gone"
    run_id: str
    host: str
    pid: int

    @property
    def message(self) -> str:
        return f"the other timekeeper ({self.host}, {self.pid}) is no longer heard on this OBS"


class Announcer:
    """Announces `identity` every `interval` seconds while connected; keeps the others heard."""

    def __init__(
        self,
        ctx: ObsContext,
        identity: RunIdentity,
        *,
        interval: float = ANNOUNCE_INTERVAL,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._ctx = ctx
        self.identity = identity
        self.interval = interval
        self._sleep = sleep
        self._ticks = 0  # announcements made while connected
        self._last_heard: dict[str, int] = {}  # run id -> our tick when last heard

    def start(self) -> None:
        """The periodic announcement, in the background (cancelled with the controller)."""
        self._ctx.spawn(self._loop())

    def announce_now(self) -> None:
        """After a connect, and to a newcomer: say who we are without waiting for the timer."""
        self._ctx.spawn(self._send())

    async def _loop(self) -> None:
        while True:
            await self._sleep(self.interval)
            await self.tick()

    async def tick(self) -> None:
        """One period: forget the others not heard for GONE_AFTER periods, then announce."""
        port = self._ctx.port
        if port is None or not port.connected:
            return  # nothing is heard while disconnected: nobody's silence counts
        self._ticks += 1
        for run_id, last in list(self._last_heard.items()):
            if self._ticks - last > GONE_AFTER:
                self._forget(run_id)
        await self._send()

    async def _send(self) -> None:
        port = self._ctx.port
        if port is None or not port.connected:
            return
        try:
            await port.broadcast_custom_event(announcement(self.identity))
        except ObsError as exc:  # a drop is reported by the connection; try next period
            log.debug("announcing this run to OBS failed: %s", exc)

    def on_custom_event(self, data: Mapping[str, Any]) -> None:
        other = heard(data)
        if other is None or other.run_id == self.identity.run_id:
            return
        new = other.run_id not in self._last_heard
        self._last_heard[other.run_id] = self._ticks
        others = self._ctx.status.others
        if new:
            self._ctx.status = replace(self._ctx.status, others=(*others, other))
            self._ctx.emit(
                OtherTimekeeper(
                    at=self._ctx.now(),
                    run_id=other.run_id,
                    host=other.host,
                    pid=other.pid,
                    title=other.title,
                    mode=other.mode,
                )
            )
            self.announce_now()  # the newcomer learns of us at once
        elif other not in self._ctx.status.others:  # it changed (a resumed run, another mode)
            self._ctx.status = replace(
                self._ctx.status,
                others=tuple(other if o.run_id == other.run_id else o for o in others),
            )

    def _forget(self, run_id: str) -> None:
        del self._last_heard[run_id]
        gone = next((o for o in self._ctx.status.others if o.run_id == run_id), None)
        self._ctx.status = replace(
            self._ctx.status, others=tuple(o for o in self._ctx.status.others if o.run_id != run_id)
        )
        if gone is not None:
            self._ctx.emit(
                OtherTimekeeperGone(at=self._ctx.now(), run_id=run_id, host=gone.host, pid=gone.pid)
            )
