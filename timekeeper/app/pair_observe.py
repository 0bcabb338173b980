"""What the standby pair hears, fed to its rules: OBS, the broker, the copy (issue 24).

Owns `PairObserver`: once per look of `app.pair`'s loop, it tells `core.standby`'s
`StandbyMachine` what OBS says (the link, the other driver's announcements and when they
were heard, a fence), what the broker says (the link, a driver of a higher epoch on the
retained `driver` value, the standby's presence), and how far the log and its copy are.
It keeps only what it needs to tell each thing once: the last announcement fed, and the
standby's presence with when it was heard (a planned handover lapses when it is gone).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from timekeeper.app.pair_steps import unfit
from timekeeper.core.standby import PRESENCE_FRESH, Peer, StandbyMachine
from timekeeper.rooms.replica import DriverReplica
from timekeeper.rooms.replica_standby import StandbyReplica
from timekeeper.rooms.replica_wire import Presence

if TYPE_CHECKING:
    from timekeeper.app.obs_service import ObsService


class PairObserver:
    """Feeds `machine` what OBS, the broker and the copy say (see the module docstring)."""

    def __init__(self, machine: StandbyMachine, kind: tuple[str, bool] | None = None) -> None:
        """`kind`: this run's (mode, rehearsal): a copy of another kind is never driven."""
        self.machine, self.kind = machine, kind
        self.presence: Presence | None = None  # the standby's, as the driver last heard it
        self._presence_at = 0.0  # when it changed (mono): one comes every 0.5 s
        self._gone_at: float | None = None  # when it went (its last will, or it drives now)
        self._heard: tuple[str, float] | None = None  # the OBS driver fed last (run id, when)

    def standby_gone(self, now: float, grace: float) -> bool:
        """The driver has heard no standby for a while: no presence for `grace` seconds since
        it went (its last will — or it has just taken the show and drives: its epoch comes
        within that time), or none fresh (a frozen standby)."""
        if self.presence is not None:
            return now - self._presence_at > PRESENCE_FRESH
        return self._gone_at is not None and now - self._gone_at >= grace

    def observe(
        self,
        now: float,
        obs: ObsService | None,
        driver: DriverReplica | None,
        standby: StandbyReplica | None,
    ) -> None:
        self._obs(now, obs)
        if driver is not None:
            self._driver(now, driver)
        if standby is not None:
            machine = self.machine
            machine.broker_link(standby.link.state.connected, now)
            copy = standby.copy  # over once the driver closed its log after the end
            machine.copy(standby.last, now, ended=copy.ended and copy.closed)
            if self.kind is not None:
                machine.unfit = unfit(copy.header, *self.kind)
            if standby.head is not None:
                machine.head(standby.head, now)

    def _obs(self, now: float, obs: ObsService | None) -> None:
        machine, controller = self.machine, obs.controller if obs else None
        quiet = controller.fencing.quiet_for() if controller is not None else None
        machine.obs_link(quiet is not None, now)
        status = controller.status if controller is not None else None
        heard = status.driver_heard if status is not None else None
        if heard is not None and quiet is not None:
            at = now - quiet
            if self._heard is None or self._heard != (heard.run_id, round(at, 3)):
                self._heard = (heard.run_id, round(at, 3))
                peer = Peer(heard.epoch, heard.run_id, heard.host, heard.pid)
                machine.announcement(peer, "driver", at)
        if status is not None and status.fenced_by is not None and machine.driving is not None:
            by = status.fenced_by
            machine.announcement(Peer(by.epoch, by.run_id, by.host, by.pid), "driver", now)

    def _driver(self, now: float, driver: DriverReplica) -> None:
        machine = self.machine
        machine.broker_link(driver.link.state.connected, now)
        if driver.superseded is not None:
            machine.driver_topic(driver.superseded, now)
        if driver.standby is not self.presence:
            if driver.standby is None:
                self._gone_at = now
            self.presence, self._presence_at = driver.standby, now
            p = self.presence
            if p is not None:
                machine.standby_presence(p.run_id, p.obs, p.seq, now)
            else:
                machine.standby_gone()
        if driver.head is not None:
            machine.head(driver.head, now)
