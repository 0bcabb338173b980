"""The scene switcher: the asyncio shell that carries out the switching machine's commands.

Owns the I/O of switching and nothing of its rules: it feeds the pure
`switching.SwitchMachine` each input with a `Moment` (the injected clock's
instant, the status snapshot, whether the port is connected), stores the
status the machine returns, and executes its commands — a switch request or a
read of the program scene through the port (as a background task whose reply
is fed back), a timer on the event loop (real seconds), an event to the log and
`on_event`, the future of a finished switch. Whether a switch transitions from
preview is asked of `from_preview` when the request leaves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial

from timekeeper.core.clock import Clock
from timekeeper.core.programme import Transition
from timekeeper.errors import ObsConnectionError, ObsError, ObsRequestError, ObsTimeoutError
from timekeeper.obs.context import ObsContext, log
from timekeeper.obs.event_base import ObsEvent
from timekeeper.obs.fenced_port import FencedOff, FencedPort
from timekeeper.obs.machine_messages import (
    Accepted,
    Broken,
    CancelTimer,
    Emit,
    Lost,
    Moment,
    NoAnswer,
    NotSent,
    ReadProgram,
    Refused,
    ReleaseAt,
    Resolve,
    SceneCue,
    SendSwitch,
    StartTimer,
    Step,
    SwitchReply,
    TimerSlot,
)
from timekeeper.obs.release import release_at
from timekeeper.obs.status import SwitchPolicy, SwitchRecord
from timekeeper.obs.switch_job import ArmedCue
from timekeeper.obs.switching import SwitchMachine

__all__ = ["ArmedCue", "Release", "SceneCue", "SceneSwitcher"]

RECHECK = 0.5  # real seconds between readings of a clock that has not reached an instant
Release = Callable[[Clock, datetime], Awaitable[float]]  # returns at the instant (`release_at`)


class SceneSwitcher:
    """Puts the desired scene on program and keeps it there (the rules: `switching`)."""

    def __init__(
        self,
        ctx: ObsContext,
        *,
        policy: SwitchPolicy,
        override_settle: float,
        from_preview: Callable[[str], bool],
        after_boundary: Callable[[], None] = lambda: None,
        release: Release = release_at,
    ) -> None:
        """`after_boundary` runs after each boundary's input (the rehearsal guard's alarm);
        `release` waits for an armed boundary's instant (tests inject one they fire)."""
        self._ctx = ctx
        self._after_boundary = after_boundary
        self.machine = SwitchMachine(
            policy=policy, override_settle=override_settle, configured=ctx.port is not None
        )
        self._from_preview = from_preview
        self._timers: dict[TimerSlot, asyncio.TimerHandle] = {}
        self._futures: dict[int, asyncio.Future[SwitchRecord]] = {}
        self._release = release
        self._waiting: dict[int, asyncio.Task[None]] = {}  # armed id -> its release task

    @property
    def switch_policy(self) -> SwitchPolicy:
        return self.machine.policy

    @switch_policy.setter
    def switch_policy(self, policy: SwitchPolicy) -> None:
        self.machine.policy = policy

    @property
    def override_settle(self) -> float:
        return self.machine.override_settle

    @override_settle.setter
    def override_settle(self, seconds: float) -> None:
        self.machine.override_settle = seconds

    # ================================================================== inputs

    def switch_scene(
        self,
        scene: str,
        *,
        boundary_at: datetime,
        key: str,
        transition: Transition | None = None,
    ) -> asyncio.Future[SwitchRecord]:
        """Request `scene` for the boundary at `boundary_at` (see ObsController.switch_scene)."""
        step = self.machine.boundary(
            self._moment(), scene, boundary_at=boundary_at, key=key, transition=transition
        )
        future = self._run(step)
        self._after_boundary()
        assert future is not None
        return future

    def arm_switch(
        self,
        scene: str,
        *,
        boundary_at: datetime,
        key: str,
        transition: Transition | None = None,
    ) -> asyncio.Future[SwitchRecord]:
        """Request `scene` for a boundary still ahead: it leaves at `boundary_at` on the dot."""
        step = self.machine.arm(
            self._moment(), scene, boundary_at=boundary_at, key=key, transition=transition
        )
        future = self._run(step)
        assert future is not None
        return future

    def disarm(self, why: str) -> None:
        """The armed boundary no longer holds: it is never sent (its future says cancelled)."""
        self._run(self.machine.disarm(self._moment(), why))

    @property
    def armed(self) -> ArmedCue | None:
        return self.machine.armed

    def resend_live_scene(
        self, instead: SceneCue | None = None
    ) -> asyncio.Future[SwitchRecord] | None:
        """Send the desired scene (or `instead`) now (see ObsController.resend_live_scene)."""
        return self._run(self.machine.resend(self._moment(), instead))

    def resync(self) -> None:
        """After (re)connecting: send the desired scene again (unless overridden)."""
        self._run(self.machine.connected(self._moment()))

    def connection_lost(self) -> None:
        """The link dropped: an unfinished switch waits for the reconnect."""
        self._run(self.machine.connection_lost(self._moment()))

    def stop(self) -> None:
        """Cancel the unfinished switch (the controller stops)."""
        self._run(self.machine.stop(self._moment()))

    def stand_down(self, why: str) -> None:
        """A driver of a higher epoch took over: cancel the unfinished switch and armed cue."""
        self._run(self.machine.stand_down(self._moment(), why))

    def set_auto_switch(self, enabled: bool) -> None:
        """Automatic switching on/off (see ObsController.set_auto_switch)."""
        self._run(self.machine.set_auto_switch(self._moment(), enabled))

    def on_program_scene(self, scene: str) -> None:
        self._run(self.machine.program_scene(self._moment(), scene))

    def cancel_override_check(self) -> None:
        """Stop judging a hand switch (the controller stops; `stop` tells the machine)."""
        handle = self._timers.pop(TimerSlot.OVERRIDE, None)
        if handle is not None:
            handle.cancel()

    # ================================================================== commands

    def _moment(self) -> Moment:
        return self._ctx.moment()

    def _run(
        self, step: Step, inline: list[SendSwitch] | None = None
    ) -> asyncio.Future[SwitchRecord] | None:
        """Store the machine's status, then carry out its commands in order, events last.

        A switch request runs as a task (resuming in `_switch`), or, given `inline`, is
        left there for the caller to await at once (a released boundary: no loop hop)."""
        self._ctx.status = step.status
        events: list[ObsEvent] = []
        future = None
        if step.job is not None:
            future = self._futures.get(step.job)
            if future is None:
                future = self._futures[step.job] = asyncio.get_running_loop().create_future()
        for command in step.commands:
            match command:
                case SendSwitch() if inline is not None:
                    inline.append(command)
                case SendSwitch():
                    self._ctx.spawn(self._switch(command))
                case ReleaseAt(job=job):
                    task = self._ctx.spawn(self._released(command))  # resumes in `_released`
                    if task is not None:
                        self._waiting[job] = task
                case ReadProgram(job=job):
                    self._ctx.spawn(self._read_program(job))
                case StartTimer(slot=slot, seconds=seconds, token=token):
                    self._cancel_timer(slot)
                    self._timers[slot] = asyncio.get_running_loop().call_later(
                        seconds, self._timer_fired, slot, token
                    )
                case CancelTimer(slot=slot):
                    self._cancel_timer(slot)
                case Emit(event=event):
                    events.append(event)
                case Resolve(job=job, record=record):
                    waiting = self._waiting.pop(job, None)
                    if waiting is not None:  # dropped before its instant: no wake-up for it
                        waiting.cancel()
                    done = self._futures.pop(job, None)
                    if done is not None and not done.done():
                        done.set_result(record)
        for event in events:  # last: a listener that calls back in finds this step complete
            self._ctx.emit(event)
        return future

    def _cancel_timer(self, slot: TimerSlot) -> None:
        handle = self._timers.pop(slot, None)
        if handle is not None:
            handle.cancel()

    def _timer_fired(self, slot: TimerSlot, token: tuple[int, int]) -> None:
        self._timers.pop(slot, None)
        self._run(self.machine.timer_fired(self._moment(), slot, token))

    async def _released(self, command: ReleaseAt) -> None:
        """Wait for an armed boundary's instant, then send its request without a loop hop.
        Released before the clock reads the instant (it was set back: NTP, a test's manual
        clock), it waits again."""
        clock = self._ctx.clock
        await self._release(clock, command.at)
        while (ahead := clock.real_seconds_until(command.at)) > 0:
            await asyncio.sleep(min(ahead, RECHECK))
            await self._release(clock, command.at)
        self._waiting.pop(command.job, None)
        sends: list[SendSwitch] = []
        self._run(self.machine.released(self._moment(), command.job), inline=sends)
        self._after_boundary()
        for send in sends:
            await self._switch(send)

    async def _read_program(self, job: int) -> None:
        port = self._ctx.port
        assert port is not None
        try:
            program: str | None = await port.get_current_program_scene()
        except ObsError:
            program = None
        self._run(self.machine.program_read(self._moment(), job, program))

    async def _switch(self, command: SendSwitch) -> None:
        """Send one switch request, then feed OBS's answer back. Never raises."""
        port = self._ctx.port
        assert port is not None
        reply: SwitchReply
        scene, transition, ms = command.scene, command.transition, command.duration_ms
        preview = self._from_preview(scene)
        sent: tuple[ObsRequestError, ...] | None
        try:
            if isinstance(port, FencedPort):  # it may wait for the lease: superseded meanwhile?
                still = partial(self.machine.sending, command.job, command.attempt)
                sent = await port.switch_if(
                    still, scene, transition=transition, duration_ms=ms, from_preview=preview
                )
            else:
                sent = await port.switch(
                    scene, transition=transition, duration_ms=ms, from_preview=preview
                )
        except FencedOff:
            return  # stood down (fencing) before it left: nothing was sent, the job is over
        except ObsRequestError as exc:
            reply = Refused(exc.comment or str(exc), exc.code)
        except ObsConnectionError:
            reply = Lost()
        except ObsTimeoutError:
            reply = NoAnswer()
        except Exception:
            log.exception("switching to %s failed unexpectedly", command.scene)
            reply = Broken()
        else:
            reply = NotSent() if sent is None else Accepted(tuple(str(w) for w in sent))
        self._run(self.machine.switch_replied(self._moment(), command.job, command.attempt, reply))
