"""The announcement's rules, sans I/O: its format, the other timekeepers heard and gone, fencing.

Owns the eventData of this run's BroadcastCustomEvent (`announcement`), reading
another's (`heard`), the events (another that drives is an alarm; one that only
watches or stands by is not), and `AnnounceBook`: a `Moment` (and the real
seconds of a monotonic clock, `mono`) in, a `Step` with the `others` status, the
driver last heard, the events and `Broadcast` / `StandDown` commands out. Why
and how the announcements work is in `announce`, its shell.

Times here are real seconds (`mono`), not the show clock's: a rehearsal's clock
may run faster, announcements do not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from timekeeper.obs.event_base import ObsEvent
from timekeeper.obs.machine_messages import Broadcast, Moment, StandDown, Step
from timekeeper.obs.status import HeardDriver, ObsStatus, Role, RunIdentity
from timekeeper.obs.step_builder import StepBuilder

KIND = "timekeeper.run"  # the marker that tells a timekeeper's CustomEvent from others'
# Real seconds without word from another run before it counts as gone: longer than the
# slowest period (3 s, a timekeeper older than the standby), so it never flickers.
GONE_AFTER = 10.0
DRIVER_INTERVAL = 0.25  # a driver's period: a standby counts it quiet after 1 s (issue 24)
WATCH_INTERVAL = 1.0  # a standby's or a watcher's: only the panels and the alarm read it
# A pair's driver changes OBS only while OBS echoed one of its announcements sent this
# recently (three periods): after a freeze (SIGSTOP, a stalled machine) it first reads
# everything OBS said meanwhile, a higher epoch's announcement included.
LEASE = 0.75
# ... and only once it has listened to OBS for two driver periods since it (re)connected:
# a primary whose link to OBS comes back after a takeover hears the new driver first.
LISTEN = 0.5


def announcement(identity: RunIdentity) -> dict[str, Any]:
    """The eventData of this run's BroadcastCustomEvent."""
    return {
        "kind": KIND,
        "run_id": identity.run_id,
        "host": identity.host,
        "pid": identity.pid,
        "title": identity.title,
        "mode": identity.mode,
        "epoch": identity.epoch,
        "role": identity.role.value,
    }


def heard(data: Mapping[str, Any]) -> RunIdentity | None:
    """The run a CustomEvent announces, or None when it is not a timekeeper's announcement.

    An older timekeeper's announcement (no epoch, no role) reads as a driver of epoch 0."""
    if data.get("kind") != KIND:
        return None
    run_id, pid = data.get("run_id"), data.get("pid")
    if not isinstance(run_id, str) or not run_id or not isinstance(pid, int):
        return None
    epoch = data.get("epoch", 0)
    if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
        return None
    try:
        role = Role(data.get("role", Role.DRIVER.value))
    except ValueError:
        return None
    title, mode = str(data.get("title", "")), str(data.get("mode"))
    return RunIdentity(run_id, str(data.get("host", "?")), pid, title, mode, epoch, role)


def interval_for(identity: RunIdentity) -> float:
    """The announcement period a run's role asks for (real seconds)."""
    return DRIVER_INTERVAL if identity.drives else WATCH_INTERVAL


def driver_quiet_for(status: ObsStatus, mono: float) -> float | None:
    """Real seconds the other driver has been quiet on this OBS, as this run hears it: since
    its last announcement, or since this run hears OBS at all if later (silence while this
    run was cut off from OBS does not count). None while not connected: it cannot tell."""
    if not status.connected or status.heard_since is None:
        return None
    heard_at = status.driver_heard.mono if status.driver_heard is not None else status.heard_since
    return max(0.0, mono - max(heard_at, status.heard_since))


def lease_fresh(status: ObsStatus, mono: float) -> bool:
    """May this run send a request that changes OBS now, as far as fencing goes? A run
    outside a pair (epoch 0) always may; a pair's driver only while its lease is fresh:
    an announcement it sent at most LEASE seconds ago has come back from OBS, so every
    announcement OBS relayed before it (a newer driver's) has been read, and it has heard
    OBS for LISTEN seconds since it connected (a newer driver announces within that)."""
    if status.epoch < 1:
        return True
    if status.heard_since is None or mono - status.heard_since < LISTEN:
        return False
    return status.echo_sent is not None and mono - status.echo_sent <= LEASE


@dataclass(frozen=True)
class OtherTimekeeper(ObsEvent):
    """Another timekeeper's announcement arrived on this OBS (reported once per run id)."""

    kind: ClassVar[str] = "other_timekeeper"
    run_id: str
    host: str
    pid: int
    title: str
    mode: str
    epoch: int = 0
    role: str = Role.DRIVER.value

    @property
    def message(self) -> str:
        other = RunIdentity(
            self.run_id, self.host, self.pid, self.title, self.mode, self.epoch, Role(self.role)
        )
        return f"{other.describe()}: {self.title!r}, {self.mode.replace('_', ' ')}"


@dataclass(frozen=True)
class OtherTimekeeperNoted(OtherTimekeeper):
    """Another timekeeper heard where two do not fight: it does not drive (a standby, a dry
    run), or this run is a standby hearing its driver. No alarm; if the other starts to
    drive (a takeover), `OtherTimekeeper` is reported then (unless this run stands by)."""

    kind: ClassVar[str] = "other_timekeeper_noted"


@dataclass(frozen=True)
class OtherTimekeeperGone(ObsEvent):
    kind: ClassVar[str] = "other_timekeeper_gone"
    run_id: str
    host: str
    pid: int

    @property
    def message(self) -> str:
        return f"the other timekeeper ({self.host}, {self.pid}) is no longer heard on this OBS"


@dataclass(frozen=True)
class Fenced(ObsEvent):
    """A driver of a higher epoch announced itself on this OBS: this run stopped driving."""

    kind: ClassVar[str] = "fenced"
    epoch: int  # the other driver's
    by: str  # its run id
    host: str
    pid: int
    own_epoch: int

    @property
    def message(self) -> str:
        return (
            f"the timekeeper on {self.host} ({self.pid}) drives this OBS at epoch {self.epoch}: "
            f"this run (epoch {self.own_epoch}) stopped driving and stands by"
        )


class AnnounceBook(StepBuilder):
    """The rules, sans I/O: who has been heard, who is gone, when to announce (`Broadcast`),
    and when this driver must stop (`StandDown`): a driver of a higher epoch is heard."""

    def __init__(self, identity: RunIdentity) -> None:
        super().__init__()
        if identity.mode == "dry_run":
            identity = replace(identity, role=Role.WATCH)
        self.identity = identity
        self._last_heard: dict[str, float] = {}  # run id -> mono when last heard
        self._sent: dict[int, float] = {}  # our announcements: number -> mono when sent
        self._n = 0

    def tick(self, m: Moment, mono: float) -> Step:
        """One period: forget the others quiet for GONE_AFTER seconds, then announce."""
        self._begin(m)
        if m.connected:  # nothing is heard while disconnected: nobody's silence counts
            self._listening(mono)
            for run_id, last in list(self._last_heard.items()):
                if mono - last > GONE_AFTER:
                    self._forget(run_id)
            self._broadcast(mono)
        else:
            self._put(replace(self._status, heard_since=None, echo_sent=None))
        return self._end()

    def announce(self, m: Moment, mono: float) -> Step:
        """After a connect: say who we are without waiting for the period; silence from now."""
        self._begin(m)
        if self._status.heard_since is None:
            for run_id in self._last_heard:  # the time offline was no one's silence
                self._last_heard[run_id] = mono
        self._listening(mono)
        self._broadcast(mono)
        return self._end()

    def lost(self, m: Moment) -> Step:
        """The connection dropped: nothing is heard until the next connect."""
        self._begin(m)
        self._put(replace(self._status, heard_since=None, echo_sent=None))
        self._sent.clear()
        return self._end()

    def renew(self, m: Moment, mono: float) -> Step:
        """Announce now, for the echo that renews the lease (see `lease_fresh`)."""
        self._begin(m)
        if m.connected:
            self._broadcast(mono)
        return self._end()

    def become(self, m: Moment, role: Role, epoch: int, mono: float) -> Step:
        """The run is told its role and epoch (drive / stand by): announce it at once. The
        lease starts again with this announcement's echo: a new driver's first request
        leaves after OBS has relayed its epoch to every client (and the run has read what
        OBS relayed before it, another new driver's announcement included)."""
        self._begin(m)
        if self.identity.role is not Role.WATCH:  # a dry run never drives
            self.identity = replace(self.identity, role=role, epoch=epoch)
        status = replace(self._status, role=role, epoch=epoch, fenced_by=None, echo_sent=None)
        self._put(status)
        if m.connected:
            self._broadcast(mono)
        return self._end()

    def heard(self, m: Moment, data: Mapping[str, Any], mono: float) -> Step:
        """A CustomEvent: another timekeeper's announcement (or anything else, ignored)."""
        self._begin(m)
        other = heard(data)
        if other is not None and other.run_id != self.identity.run_id:
            self._heard(other, mono)
        elif other is not None:  # our own, back from OBS: the lease is renewed
            sent = self._sent.get(data.get("n", -1))
            echo = self._status.echo_sent
            if sent is not None and (echo is None or sent > echo):
                self._put(replace(self._status, echo_sent=sent))
        return self._end()

    def _broadcast(self, mono: float) -> None:
        """Announce, numbered (`n`): its echo renews the lease (see `lease_fresh`)."""
        self._n += 1
        self._sent[self._n] = mono
        self._sent.pop(self._n - 64, None)  # an echo comes within a round trip, or never
        self._do(Broadcast({**announcement(self.identity), "n": self._n}))

    def _listening(self, mono: float) -> None:
        if self._status.heard_since is None:
            self._put(replace(self._status, heard_since=mono))

    def _heard(self, other: RunIdentity, mono: float) -> None:
        new = other.run_id not in self._last_heard
        self._last_heard[other.run_id] = mono
        if other.drives:
            self._driver(other, mono)
        others = self._status.others
        before = next((o for o in others if o.run_id == other.run_id), None)
        if new:
            self._put(replace(self._status, others=(*others, other)))
            self._report(other)
            self._broadcast(mono)  # the newcomer learns of us at once
        elif other not in others:  # it changed (a resumed run, another mode, role or epoch)
            changed = tuple(other if o.run_id == other.run_id else o for o in others)
            self._put(replace(self._status, others=changed))
            if other.drives and before is not None and not before.drives:
                self._report(other)  # a standby took over: now it drives

    def _report(self, other: RunIdentity) -> None:
        """`OtherTimekeeper` (an alarm: one show, one driver) if it drives and this run is not
        its standby; else the note."""
        alarm = other.drives and self.identity.role is not Role.STANDBY
        made = OtherTimekeeper if alarm else OtherTimekeeperNoted
        self._emit(
            made(
                at=self._now,
                run_id=other.run_id,
                host=other.host,
                pid=other.pid,
                title=other.title,
                mode=other.mode,
                epoch=other.epoch,
                role=other.role.value,
            )
        )

    def _driver(self, other: RunIdentity, mono: float) -> None:
        """Another driver: remember it for the standby; stand down if it outranks this one."""
        last = self._status.driver_heard
        outranks = last is not None and (other.epoch, last.run_id) > (last.epoch, other.run_id)
        if last is None or last.run_id == other.run_id or outranks:
            heard_driver = HeardDriver(
                other.run_id, other.host, other.pid, other.epoch, self._now, mono
            )
            self._put(replace(self._status, driver_heard=heard_driver))
        us = self.identity
        if us.drives and us.epoch >= 1 and other.outranks(us):
            self.identity = replace(us, role=Role.STANDBY)
            self._put(replace(self._status, role=Role.STANDBY, fenced_by=other))
            fenced = Fenced(self._now, other.epoch, other.run_id, other.host, other.pid, us.epoch)
            self._emit(fenced)
            self._do(StandDown(other.epoch, other.run_id))
            self._broadcast(mono)  # say at once we stand by

    def _forget(self, run_id: str) -> None:
        del self._last_heard[run_id]
        others = self._status.others
        gone = next((o for o in others if o.run_id == run_id), None)
        self._put(replace(self._status, others=tuple(o for o in others if o.run_id != run_id)))
        if gone is not None:
            self._emit(
                OtherTimekeeperGone(at=self._now, run_id=run_id, host=gone.host, pid=gone.pid)
            )
