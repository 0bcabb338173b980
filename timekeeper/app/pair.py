"""The standby pair in a run (issue 24): a room's run drives or stands by, and moves between them.

`PairService` is the runtime service of every run in a room with a broker. It owns the
run's side of the pair: while it **drives** (a room run without `--standby`, or after a
takeover), the room's publishing (`rooms.service.RoomService`: status, online, beat) and
the replication of its as-run log (`rooms.replica.DriverReplica`); while it **stands by**
(`--standby`, or once fenced), the copy of the driver's log (`rooms.replica_standby`),
replayed into the read-only session as it grows (`ShowSession.follow`, by the crash
recovery path), with the OBS controller standing by. The rules are `core.standby`'s
`StandbyMachine`, fed what the broker and OBS say, on an injected monotonic clock and sleep.

The transitions, each in one method:
- `_take_over(epoch)`: the copy is released and resumed by `asrun.start_run` (as after a
  crash: done keys, nothing twice), the `driving` record written at the epoch, the session
  made writable on the resumed state, OBS read and reconciled (`Fencing.take_over`), and
  the room and the replica published from this machine.
- `_stand_down(verdict)`: a higher epoch drives (on OBS or the retained `driver` value):
  OBS is left at once, the session made read-only, the room's publishing stopped without
  a goodbye (the new driver's `online` stays), and this run's own log closed and set aside
  whole (`NAME.fenced-epoch-N-1.jsonl`); the copy of the new driver's log begins where the
  log was, from its first record. Why not go on in the old log: records this run wrote
  after the new driver's copy ends (a freeze's last writes) would differ at the same seq.
- `hand_over()`: the planned handover; if the standby does not take it (gone, or not
  within 5 s), the driver drives on, OBS reconciled as at a takeover (`_drive_on`).
One loop (`_watch`) observes (`app.pair_observe`), decides, acts, says.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from timekeeper.app import pair_steps
from timekeeper.app.obs_records import ObsRecords
from timekeeper.app.pair_notices import (
    Copying,
    HandoverAsked,
    PairFailed,
    PairRefused,
    StoodBy,
    TakenOver,
    pair_changed,
    pair_line,
)
from timekeeper.app.pair_observe import PairObserver
from timekeeper.asrun import LogWriteError, RunStart
from timekeeper.core.clock import Clock, SystemClock
from timekeeper.core.standby import Handover, Kind, Peer, StandbyMachine, Verdict, driving_record
from timekeeper.core.state import Mode
from timekeeper.errors import TimekeeperError, TransitionError
from timekeeper.obs.status import Role, RunIdentity
from timekeeper.rooms.link import LinkState
from timekeeper.rooms.replica import DriverReplica
from timekeeper.rooms.replica_standby import StandbyReplica
from timekeeper.rooms.replica_wire import handover_payload, hear
from timekeeper.rooms.service import RoomService
from timekeeper.show.notices import NoticeStream
from timekeeper.show.session import ShowSession
from timekeeper.tasks import stop_task

if TYPE_CHECKING:
    from timekeeper.app.obs_service import ObsService
    from timekeeper.show.handle import RunHandle

TICK = 0.05  # real seconds between two looks at the pair (a takeover decided within one)
FOLLOW_EVERY = 0.2  # real seconds between two replays of the copy into the session
HANDOVER_WITHIN = 5.0  # a planned handover the standby did not take: drive on
RETRY_AFTER = 1.0  # real seconds before a transition that failed is tried again
DRAIN_WITHIN = 1.0  # real seconds a stopping driver gives its last records to reach the broker
Sleep = Callable[[float], Awaitable[None]]
Resume = Callable[[Path], RunStart]  # the copy resumed for driving (asrun.start_run)


@dataclass(frozen=True)
class PairParts:
    """What the assembly hands the pair: the room, who this run is, where its log is."""

    room: RoomService
    identity: RunIdentity
    log_path: Path  # this run's log (a driver) or the copy (a standby): the same place
    armed: bool = False
    delay: float = 1.0
    autopilot: bool = False  # a headless run: once it drives, nobody is at the keys
    own: frozenset[str] = frozenset()  # the run ids that drove this log before (restarts)
    kind: tuple[str, bool] | None = None  # a standby's (mode, rehearsal): the copy's must match


class PairService:
    """Drive or stand by, and the transitions between them (see the module docstring)."""

    name = "standby"

    def __init__(
        self,
        parts: PairParts,
        session: ShowSession,
        notices: NoticeStream,
        records: ObsRecords,
        obs: ObsService | None,
        *,
        run: RunStart | None,
        resume: Resume,
        real_clock: Clock | None = None,
        mono: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        """`run`: this run's log when it drives from the start (None: a standby)."""
        self.parts, self.session, self.notices, self.room = parts, session, notices, parts.room
        self.records, self.obs, self.run, self._resume = records, obs, run, resume
        self.real_clock, self.mono, self.sleep = real_clock or SystemClock(), mono, sleep
        self.machine = StandbyMachine(
            parts.identity.run_id, parts.armed, parts.delay, own=parts.own
        )
        self.driver: DriverReplica | None = None
        self.standby: StandbyReplica | None = None
        self.owned: RunStart | None = None  # a log this service opened (a takeover): it closes
        self._runtime: RunHandle | None = None
        self._task: asyncio.Task[None] | None = None
        self._key: str | None = None  # "take_over" | "hand_over", asked by a key or the API
        self._handing: float | None = None  # when our planned handover went out
        self.observer = PairObserver(self.machine, parts.kind)
        self._copy = pair_steps.CopyWatch(parts.log_path, FOLLOW_EVERY)
        self._said: object = None  # what the last pair notice was about
        self._calm = 0.0  # no transition before (after one failed)
        self._close_error: LogWriteError | None = None
        if run is None:
            session.read_only = "this run stands by: the driver's operator runs the show"
            session.following = True

    @property
    def driving(self) -> bool:
        return self.machine.driving is not None

    @property
    def peer(self) -> Peer:
        ident, epoch = self.parts.identity, getattr(self.machine.driving, "epoch", 0)
        return Peer(epoch, ident.run_id, ident.host, ident.pid)

    # ------------------------------------------------------------ the service

    async def start(self, runtime: RunHandle) -> None:
        self._runtime = runtime
        now = self.mono()
        if self.run is not None:
            self._drive_from(self.run, self.parts.identity.epoch or 1, now)
            await self.room.start(runtime)
        else:
            self._start_copy()
            self._follow_copy()
            how = "on its operator's key" if self.parts.armed else "by itself"
            path = str(self.parts.log_path)
            message = f"STANDBY: copying the driver's log to {path}; takes over {how}"
            self.notices.tell(Copying(path=path, armed=self.parts.armed, message=message))
        self._task = asyncio.get_running_loop().create_task(self._watch(), name="standby-pair")

    async def stop(self) -> None:
        """Stopped after every other service (`Runtime`): a driver closes its log here, so
        its last records — the end's output actions, `close` — reach the standby's copy."""
        await stop_task(self._task, 0.5, "the standby pair")
        if self.driver is not None:
            if self.run is not None:
                try:
                    self.run.log.close()
                except LogWriteError as exc:  # raised again by `close`, where the run's would be
                    self._close_error = exc
            if self.session.ended:  # (a quit mid-show stops within its bound: the standby
                await self.driver.drain(DRAIN_WITHIN)  # takes the show over all the same)
            await self.driver.stop()
        if self.standby is not None:
            await self.standby.stop()
        if self.run is not None:
            await self.room.stop()

    def close(self) -> None:
        """The log this service opened at a takeover (the run closes its own); a log this
        service closed at `stop` that had to be rescued raises here (LogWriteError)."""
        if self.owned is not None:
            self.owned.log.close()
        if self._close_error is not None:
            raise self._close_error

    # ------------------------------------------------------------ asked by keys and the API

    def take_over(self, source: str) -> str:
        """The standby operator's key: taken over (in the loop, at once) or refused, why."""
        if self.machine.driving is not None:
            raise TransitionError("this run drives already")
        verdict = self.machine.take_over_key(self.mono())
        if verdict.kind is not Kind.TAKE_OVER:
            self.notices.tell(PairRefused(action="take over", message=verdict.reason))
            raise TransitionError(verdict.reason)
        self._key = "take_over"
        return f"taking over at epoch {verdict.epoch} ({source})"

    def hand_over(self, source: str) -> str:
        """The driver operator's key: the planned handover to the standby heard."""
        presence = self.observer.presence
        why = pair_steps.handover_refusal(self.driving, presence, self._handing is not None)
        if why is not None:
            self.notices.tell(PairRefused(action="hand over", message=why))
            raise TransitionError(why)
        assert presence is not None
        self._key = "hand_over"
        return f"handing over to {presence.run_id} on {presence.host} ({source})"

    # ------------------------------------------------------------ the loop

    async def _watch(self) -> None:
        """Observe, decide, act, say; a transition failing is said and the loop goes on."""
        while True:
            await self.sleep(TICK)
            now = self.mono()
            try:
                self.observer.observe(now, self.obs, self.driver, self.standby)
                await self._act(self.machine.decide(now), now)
                if self.standby is not None:
                    self._follow_copy()
            except (TimekeeperError, OSError) as exc:
                self.notices.tell(PairFailed(error=str(exc)))
                self._calm = now + RETRY_AFTER  # a failed transition is not tried at every tick
            self._say(now)

    async def _act(self, verdict: Verdict, now: float) -> None:
        key, self._key = self._key, None
        if now < self._calm:
            return
        if verdict.kind is Kind.TAKE_OVER and verdict.epoch is not None:
            await self._take_over(verdict.epoch, verdict.reason)
        elif verdict.kind is Kind.STAND_DOWN:
            await self._stand_down(verdict)
        elif verdict.kind is Kind.HAND_OVER:
            await self._ask_handover("lost_obs", verdict.reason)
            self.machine.handed_over(now)
        elif key == "hand_over" and verdict.kind is Kind.DRIVE:
            await self._ask_handover("planned", "planned by the operator")
        elif self._handing is not None and (why := self._lapsed(now)) is not None:
            await self._drive_on(why)

    def _lapsed(self, now: float) -> str | None:
        """Why our handover will not be taken (None: it may still be)."""
        if self.observer.standby_gone(now, self.parts.delay):
            return "the standby is gone"
        late = self._handing is not None and now - self._handing > HANDOVER_WITHIN
        return f"not taken within {HANDOVER_WITHIN:g} s" if late else None

    async def _drive_on(self, why: str) -> None:
        """The handover was not taken: drive on, OBS reconciled as at a takeover."""
        self._handing = None
        driving, known = self.machine.driving, self.machine.known
        if driving is None or (known is not None and known.beats(self.peer)):
            return  # the standby drives after all: the stand-down is this run's next step
        self.session.read_only = None
        if self.obs is not None:
            fencing, path = self.obs.controller.fencing, self.parts.log_path
            await pair_steps.reconcile(fencing, path, self.session, frozenset(), driving.epoch)
        self.notices.tell(PairRefused(action="hand over", message=f"{why}: driving on"))

    def _say(self, now: float) -> None:
        view, host = self.machine.view(now), self.parts.identity.host
        self._said, notice = pair_changed(view, host, self._said)
        if notice is not None:
            self.notices.tell(notice)

    def broker_state(self) -> LinkState:
        """The broker link this run uses now: the room's while it drives, else the copy's."""
        return self.standby.link.state if self.standby is not None else self.room.state

    def line(self) -> str:
        """The pair line now (the dashboard's)."""
        return pair_line(self.machine.view(self.mono()), self.parts.identity.host)

    # ------------------------------------------------------------ following

    def _follow_copy(self) -> None:
        """Replay the copy into the session when its new lines change the show; once the
        driver has ended the show and closed its log, the session ends too."""
        copy = self.standby.copy if self.standby is not None else None
        if not self._copy.changed(self.mono()):
            if copy is not None and copy.ended and copy.closed and self.session.following:
                self.session.stop_following()  # (after its last replay, which saw show_ended)
            return
        session = self.session
        result = pair_steps.followed(self.parts.log_path, session.programme, session.clock,
                                     self.real_clock)  # fmt: skip
        if result is None:
            return
        if result.state.mode is Mode.ENDED and not (copy is not None and copy.ended):
            return  # replayed past the end: the driver has not ended the show (yet)
        session.clock = result.clock  # a rehearsal's pretend clock, as the log has it
        session.follow(result.state, result.message, session.clock.now())

    # ------------------------------------------------------------ transitions

    def _drive_from(self, run: RunStart, epoch: int, now: float) -> None:
        ident = self.parts.identity
        self.machine.drive(epoch, now, ident.host, ident.pid)
        run.log.append(driving_record(self.peer))
        room = self.room
        driver = DriverReplica(room.settings, room.topics, run.path, self.peer,
                               real_clock=self.real_clock, sleep=self.sleep)  # fmt: skip
        driver.attach(run.log)
        driver.start()
        self.driver = driver

    async def _take_over(self, epoch: int, reason: str) -> None:
        standby, self.standby = self.standby, None
        seq = None
        if standby is not None:
            await standby.stop()  # the last records written; the copy's lock released
            seq = standby.last
        path = self.parts.log_path
        try:
            run = self._resume(path)
        except (TimekeeperError, OSError):
            self._start_copy()  # not resumable: go on following (the loop says why)
            raise
        self.run = self.owned = run
        self.records.asrun = run
        self.session.follow(run.state, run.message, run.clock.now())
        self.session.clock = run.clock
        self.session.subscribe(run.log.record_events)
        self.session.read_only = None
        self.session.autopilot = self.parts.autopilot
        self._drive_from(run, epoch, self.mono())
        try:
            found, did = "OBS not configured", ""
            if self.obs is not None:
                fencing, path = self.obs.controller.fencing, self.parts.log_path
                found, did = await pair_steps.reconcile(
                    fencing, path, self.session, run.done_keys, epoch
                )
            assert self._runtime is not None
            await self.room.start(self._runtime)
        finally:
            self.session.stop_following()  # it drives: the show ends here as it does anywhere
        said = f"TAKEN OVER at epoch {epoch}: OBS had {found}; {did}"
        self.notices.tell(TakenOver(epoch=epoch, reason=reason, seq=seq, found=found, message=said))

    async def _stand_down(self, verdict: Verdict) -> None:
        winner, epoch = verdict.winner, verdict.epoch or 0
        if self.obs is not None and self.obs.controller.fencing.role is Role.DRIVER:
            self.obs.controller.fencing.stand_by(epoch)  # first: nothing more on OBS
        self.session.read_only = verdict.reason
        self.session.following = True
        run, self.run = self.run, None
        self._handing = None
        self.machine.stand_down(self.mono())
        if self.driver is not None:
            await self.driver.stop()
            self.driver = None
        await self.room.stop(goodbye=False)
        aside = None
        if run is not None:
            self.session.unsubscribe(run.log.record_events)
            self.records.asrun = None
            run.log.close()
            aside = pair_steps.set_aside(run.path, epoch)
        self._start_copy()
        self.notices.tell(
            StoodBy(epoch=epoch, by=winner.run_id if winner else None,
                    set_aside=str(aside) if aside else None,
                    message=f"STANDBY — {verdict.reason}"
                    + (f"; this run's log is kept as {aside.name}" if aside else ""))
        )  # fmt: skip

    def _start_copy(self) -> None:
        room, ident, obs = self.room, self.parts.identity, self.obs
        standby = StandbyReplica(
            room.settings, room.topics, self.parts.log_path, run_id=ident.run_id,
            armed=self.parts.armed, on_word=self._word, real_clock=self.real_clock,
            reaches_obs=lambda: self.machine.unfit is None and obs is not None
            and obs.status().connected, sleep=self.sleep,
        )  # fmt: skip
        standby.start()
        self.standby = standby
        self._copy = pair_steps.CopyWatch(self.parts.log_path, FOLLOW_EVERY)

    def _word(self, leaf: str, payload: bytes) -> None:
        """What the standby hears of the driver, fed to the rules at its arrival."""
        log = self.standby.log if self.standby is not None else None
        hear(self.machine, leaf, payload, self.mono(), log)

    async def _ask_handover(self, reason: str, why: str) -> None:
        driving = self.machine.driving
        if self.driver is None or driving is None or self.run is None:
            return
        self.session.read_only = "handing the show over to the standby"
        seq = self.driver.head if self.driver.head is not None else 0
        if self.obs is not None:
            self.obs.controller.fencing.stand_by(driving.epoch)  # nothing more on OBS
        request = Handover(self.parts.identity.run_id, driving.epoch, seq, reason)
        payload = handover_payload(request, self.real_clock.now())
        await self.driver.link.publish(self.room.topics.handover, payload, qos=1)
        self._handing = self.mono()
        message = f"handover ({why}): up to record {seq}"
        self.notices.tell(HandoverAsked(reason=reason, seq=seq, message=message))
