"""The announcement's rules, sans I/O: its format, the other timekeepers heard and gone.

Owns the eventData of this run's BroadcastCustomEvent (`announcement`), reading
another's (`heard`), the two events, and `AnnounceBook`: a `Moment` in, a `Step`
with the `others` status, the events and `Broadcast` commands out. Why and how
the announcements work is in `announce`, its shell.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from timekeeper.obs.event_base import ObsEvent
from timekeeper.obs.machine_messages import Broadcast, Moment, Step
from timekeeper.obs.status import RunIdentity
from timekeeper.obs.step_builder import StepBuilder

KIND = "timekeeper.run"  # the marker that tells a timekeeper's CustomEvent from others'
GONE_AFTER = 3  # our announcements without word from another run before it counts as gone


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


class AnnounceBook(StepBuilder):
    """The rules, sans I/O: who has been heard, who is gone, when to announce (`Broadcast`)."""

    def __init__(self, identity: RunIdentity) -> None:
        super().__init__()
        self.identity = identity
        self._ticks = 0  # announcements made while connected
        self._last_heard: dict[str, int] = {}  # run id -> our tick when last heard

    def tick(self, m: Moment) -> Step:
        """One period: forget the others not heard for GONE_AFTER periods, then announce."""
        self._begin(m)
        if m.connected:  # nothing is heard while disconnected: nobody's silence counts
            self._ticks += 1
            for run_id, last in list(self._last_heard.items()):
                if self._ticks - last > GONE_AFTER:
                    self._forget(run_id)
            self._do(Broadcast(announcement(self.identity)))
        return self._end()

    def announce(self, m: Moment) -> Step:
        """After a connect: say who we are without waiting for the period."""
        self._begin(m)
        self._do(Broadcast(announcement(self.identity)))
        return self._end()

    def heard(self, m: Moment, data: Mapping[str, Any]) -> Step:
        """A CustomEvent: another timekeeper's announcement (or anything else, ignored)."""
        self._begin(m)
        other = heard(data)
        if other is not None and other.run_id != self.identity.run_id:
            self._heard(other)
        return self._end()

    def _heard(self, other: RunIdentity) -> None:
        new = other.run_id not in self._last_heard
        self._last_heard[other.run_id] = self._ticks
        others = self._status.others
        if new:
            self._put(replace(self._status, others=(*others, other)))
            self._emit(
                OtherTimekeeper(
                    at=self._now,
                    run_id=other.run_id,
                    host=other.host,
                    pid=other.pid,
                    title=other.title,
                    mode=other.mode,
                )
            )
            self._do(Broadcast(announcement(self.identity)))  # the newcomer learns of us at once
        elif other not in others:  # it changed (a resumed run, another mode)
            changed = tuple(other if o.run_id == other.run_id else o for o in others)
            self._put(replace(self._status, others=changed))

    def _forget(self, run_id: str) -> None:
        del self._last_heard[run_id]
        others = self._status.others
        gone = next((o for o in others if o.run_id == run_id), None)
        self._put(replace(self._status, others=tuple(o for o in others if o.run_id != run_id)))
        if gone is not None:
            self._emit(
                OtherTimekeeperGone(at=self._now, run_id=run_id, host=gone.host, pid=gone.pid)
            )
