"""The scene-switching machine: OBS's answers and `now` in, typed commands out; no I/O, no asyncio.

Owns the switching rules the way `websockets`' protocol owns framing: the
desired scene (the live slot's, brought back after a reconnect), each switch
job from request to outcome (done only when OBS's CurrentProgramSceneChanged
names the scene; refused or unconfirmed switches retried by the
`SwitchPolicy`), automatic switching on/off, and the detection of a scene put
on program by hand (not fought until the next boundary).

Every input takes a `Moment` (the instant, the status, whether the link is up) and
returns a `Step`: the new status and the commands for the driver (`SendSwitch`,
`ReadProgram`, `StartTimer`, `CancelTimer`, `Emit`, `Resolve`). Replies and timers
come back tagged with the job and attempt they were for, so one check (`_current`)
drops every stale one. The driver (`switcher.SceneSwitcher`) runs the commands.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from timekeeper.core.programme import Transition
from timekeeper.obs import events as ev
from timekeeper.obs.machine_messages import (
    Accepted,
    Broken,
    CancelTimer,
    Lost,
    Moment,
    NoAnswer,
    NotSent,
    ReadProgram,
    Refused,
    ReleaseAt,
    SceneCue,
    SendSwitch,
    StartTimer,
    Step,
    SwitchReply,
    TimerSlot,
)
from timekeeper.obs.port import CODE_RESOURCE_NOT_FOUND
from timekeeper.obs.status import SwitchOutcome, SwitchPolicy, SwitchRecord
from timekeeper.obs.switch_book import SwitchBook
from timekeeper.obs.switch_job import ArmedCue, Phase, SwitchJob

STALE_RELEASE = timedelta(seconds=1)  # an armed switch released later than this is not sent


class SwitchMachine(SwitchBook):
    """Puts the desired scene on program and keeps it there (see the module docstring)."""

    def __init__(self, *, policy: SwitchPolicy, override_settle: float, configured: bool) -> None:
        super().__init__(policy)
        self.override_settle = override_settle  # seconds a foreign program scene must last
        self._configured = configured  # False: OBS is not configured, every switch is skipped
        self._recent: list[str] = []  # scenes we asked for whose event is not yet seen (≤ 8)
        self._override_pending = False
        self._inflight: dict[tuple[int, int], SwitchJob] = {}  # (id, attempt) of each SendSwitch
        self._ids = 0

    @property
    def phase(self) -> Phase | None:
        """The desired job's phase (None before the first switch)."""
        return self._desired.phase if self._desired is not None else None

    # ================================================================== inputs

    def boundary(
        self,
        m: Moment,
        scene: str,
        *,
        boundary_at: datetime,
        key: str,
        transition: Transition | None,
        job_id: int | None = None,
    ) -> Step:
        """The live slot wants `scene` from `boundary_at` on (see ObsController.switch_scene).

        A boundary armed ahead (`arm`, same `key`) is switched once: still held (late), it
        goes now as this boundary; already released, this input only reports its record."""
        self._begin(m)
        if job_id is None:
            job_id = self._take_armed(key, scene, boundary_at)
        if job_id is None and (old := self._known(key, scene, boundary_at)) is not None:
            return self._end(old.id)
        job = self._new_job(scene, key, boundary_at, transition, "boundary", job_id)
        self._put(replace(self._status, override=False))
        reason = self._skip_reason()
        if reason is not None:
            self._skip(job, reason)
        else:
            self._send(job, check_program=False)
        return self._end(job.id)

    def arm(
        self,
        m: Moment,
        scene: str,
        *,
        boundary_at: datetime,
        key: str,
        transition: Transition | None,
    ) -> Step:
        """The next boundary, known ahead: `ReleaseAt` its instant, then it goes as `boundary`.
        A boundary already released (the desired job has its key) is not armed again."""
        self._begin(m)
        old = self._known(key, scene, boundary_at)
        if old is not None:
            return self._end(old.id)
        self._drop_armed(SwitchOutcome.SUPERSEDED, f"superseded by {scene}")
        self._ids += 1
        self._armed = ArmedCue(self._ids, scene, key, boundary_at, transition)
        self._do(ReleaseAt(self._ids, boundary_at))
        return self._end(self._ids)

    def disarm(self, m: Moment, why: str) -> Step:
        """The armed boundary no longer holds (moved on by hand, held, ended): never send it."""
        self._begin(m)
        self._drop_armed(SwitchOutcome.CANCELLED, why)
        return self._end()

    def released(self, m: Moment, token: int) -> Step:
        """The instant of the armed boundary `token` has come (see `arm`). Released long
        after it (the process was frozen), it stays armed: the show may have moved past it,
        and the boundary's own `boundary` input (same key) sends it if it still holds."""
        cue = self._armed
        if cue is None or cue.id != token or m.now - cue.at > STALE_RELEASE:
            self._begin(m)
            return self._end()
        self._armed = None
        return self.boundary(
            m, cue.scene, boundary_at=cue.at, key=cue.key, transition=cue.transition, job_id=cue.id
        )

    def resend(self, m: Moment, instead: SceneCue | None = None) -> Step:
        """Operator key: send the desired scene (or `instead`) again now."""
        self._begin(m)
        old = self._desired
        if instead is None and old is not None:
            instead = (old.scene, old.key, old.transition)
        if instead is None:
            return self._end()
        scene, key, transition = instead
        job = self._new_job(scene, key, m.now, transition, "operator")
        self._put(replace(self._status, override=False))
        if not self._configured or m.status.watch_reason is not None:
            self._skip(job, m.status.watch_reason or "not_configured")
        else:
            self._send(job, check_program=True)
        return self._end(job.id)

    def connected(self, m: Moment) -> Step:
        """After (re)connecting: send the desired scene again (unless overridden)."""
        self._begin(m)
        job = self._desired
        if job is not None and not self._status.override and not self._hands_off:
            if job.phase in (Phase.OFFLINE, Phase.RETRY_WAIT, Phase.CONFIRMING, Phase.SENDING):
                self._cancel_job_timer(job)
                self._send(job, check_program=True, reason="reconnect")
            elif self._status.program_scene != job.scene:
                fresh = self._new_job(job.scene, job.key, m.now, job.transition, "reconnect")
                self._send(fresh, check_program=True)
        return self._end()

    def connection_lost(self, m: Moment) -> Step:
        """The link dropped: an unfinished switch waits for the reconnect; an armed one is
        dropped (the director arms it again once connected, or the boundary sends it)."""
        self._begin(m)
        self._drop_armed(SwitchOutcome.CANCELLED, "OBS disconnected")
        job = self._desired
        if job is not None and job.phase in (Phase.SENDING, Phase.CONFIRMING, Phase.RETRY_WAIT):
            self._offline(job)
        return self._end()

    def stop(self, m: Moment) -> Step:
        """Cancel the unfinished switch (the controller stops)."""
        self._begin(m)
        self._cancel_override_check()
        self._drop_armed(SwitchOutcome.CANCELLED, "the controller stopped")
        job = self._desired
        if job is not None and job.phase is not Phase.DONE:
            self._finish(job, SwitchOutcome.CANCELLED, "the controller stopped")
        return self._end()

    def stand_down(self, m: Moment, why: str) -> Step:
        """A driver of a higher epoch took over (fencing): cancel whatever is unfinished."""
        self._begin(m)
        self._cancel_override_check()
        self._drop_armed(SwitchOutcome.CANCELLED, why)
        job = self._desired
        if job is not None and job.phase is not Phase.DONE:
            self._finish(job, SwitchOutcome.CANCELLED, why)
        return self._end()

    def set_auto_switch(self, m: Moment, enabled: bool) -> Step:
        """Automatic switching on/off (see ObsController.set_auto_switch)."""
        self._begin(m)
        if enabled != self._status.auto_switch:
            self._put(replace(self._status, auto_switch=enabled))
            job = self._desired
            if not enabled and job is not None and job.phase in (Phase.RETRY_WAIT, Phase.OFFLINE):
                self._finish(job, SwitchOutcome.CANCELLED, "automatic switching turned off")
            self._emit(ev.AutoSwitchChanged(at=m.now, enabled=enabled))
        return self._end()

    def program_scene(self, m: Moment, scene: str) -> Step:
        """OBS's CurrentProgramSceneChanged."""
        self._begin(m)
        self._put(replace(self._status, program_scene=scene))
        job = self._desired
        if job is not None and scene == job.scene:
            if scene in self._recent:
                self._recent.remove(scene)
            self._cancel_override_check()
            if job.phase in (Phase.SENDING, Phase.CONFIRMING, Phase.RETRY_WAIT, Phase.OFFLINE):
                self._confirm(job)
            elif self._status.alarm or self._status.override:
                # put back by hand: OBS shows what the programme wants again
                self._put(replace(self._status, alarm=None, override=False))
        elif scene in self._recent:  # a late confirmation of an earlier request of ours
            self._recent.remove(scene)
        elif job is not None and not self._hands_off:
            # Decide a little later: OBS emits transient program changes (studio mode
            # transitions, studio mode turned off: old scene, then the right one, 2 ms apart).
            self._override_pending = True
            self._do(StartTimer(TimerSlot.OVERRIDE, self.override_settle, (job.id, job.attempt)))
        return self._end()

    def program_read(self, m: Moment, job_id: int, program: str | None) -> Step:
        """The reply to `ReadProgram` (None: the read failed)."""
        self._begin(m)
        if program is not None:
            self._put(replace(self._status, program_scene=program))
        job = self._desired
        if job is not None and job.id == job_id and job.phase is not Phase.DONE:
            if program == job.scene:
                self._confirm(job, already=True)
            else:
                self._request(job)
        return self._end()

    def switch_replied(self, m: Moment, job_id: int, attempt: int, reply: SwitchReply) -> Step:
        """The reply to `SendSwitch`."""
        self._begin(m)
        job = self._inflight.pop((job_id, attempt), None)
        if job is not None and not isinstance(reply, NotSent):
            self._replied(job, attempt, reply)
        return self._end()

    def _replied(self, job: SwitchJob, attempt: int, reply: SwitchReply) -> None:
        current = job is self._desired and job.attempt == attempt and job.phase is not Phase.DONE
        if current and job.phase is Phase.SENDING and isinstance(reply, Accepted | NoAnswer):
            job.phase = Phase.CONFIRMING
            self._start_job_timer(job, job.confirm_timeout(self.policy))
        self._announce(job)  # a superseded job's request is reported too
        match reply:
            case Refused(error=error, code=code) if current:
                self._failed(job, error, code, retry=code != CODE_RESOURCE_NOT_FOUND)
            case Lost() if current:
                self._offline(job)
            case Broken() if current:
                self._failed(job, "internal error (see the log)", None, retry=True)
            case Accepted(warnings=warnings):
                name = job.transition.name if job.transition else "?"
                for warning in warnings:
                    self._emit(
                        ev.TransitionFailed(
                            at=self._now, scene=job.scene, transition=name, error=warning
                        )
                    )

    def timer_fired(self, m: Moment, slot: TimerSlot, token: tuple[int, int]) -> Step:
        """A timer started by `StartTimer` ran out."""
        self._begin(m)
        if slot is TimerSlot.OVERRIDE:
            self._check_override()
        else:
            job = self._current(token)
            if job is not None:
                job.timed = False
                if job.phase is Phase.CONFIRMING:
                    self._confirm_timeout(job)
                elif job.phase is Phase.RETRY_WAIT:
                    job.phase = Phase.IDLE
                    self._send(job, check_program=False, reason="retry")
        return self._end()

    # ================================================================== the rules

    def _skip_reason(self) -> str | None:
        if not self._configured:
            return "not_configured"
        if self._status.watch_reason is not None:  # a dry run, a standby
            return self._status.watch_reason
        if not self._status.auto_switch:
            return "auto_switch_off"
        return None

    def _skip(self, job: SwitchJob, reason: str) -> None:
        """Only report the switch ("would switch to …")."""
        self._emit(job.skipped(self._now, reason))
        self._finish(job, SwitchOutcome.SKIPPED, None)

    @property
    def _hands_off(self) -> bool:
        """Timekeeper is not driving the scenes (dry run, automatic switching off)."""
        return self._status.watch_reason is not None or not self._status.auto_switch

    def _new_job(
        self,
        scene: str,
        key: str,
        boundary_at: datetime,
        transition: Transition | None,
        reason: str,
        job_id: int | None = None,
    ) -> SwitchJob:
        self._cancel_override_check()
        old = self._desired
        if old is not None and old.phase is not Phase.DONE:
            self._finish(old, SwitchOutcome.SUPERSEDED, f"superseded by {scene}")
        if job_id is None:
            self._ids += 1
            job_id = self._ids
        record = SwitchRecord(
            scene=scene,
            key=key,
            reason=reason,
            boundary_at=boundary_at,
            transition=transition.name if transition else None,
        )
        job = SwitchJob(job_id, scene, key, boundary_at, transition, record, reason=reason)
        self._desired = job
        self._put(replace(self._status, desired_scene=scene, alarm=None, last_switch=job.record))
        return job

    def _send(self, job: SwitchJob, *, check_program: bool, reason: str | None = None) -> None:
        """One attempt to put `job.scene` on program."""
        if job.phase in (Phase.DONE, Phase.SENDING):
            return
        if reason is not None:
            job.reason = reason
        if not self._configured:
            return
        if not self._connected:
            self._offline(job)
        elif check_program:
            self._do(ReadProgram(job.id))  # continues in program_read
        elif self._status.program_scene == job.scene and job.attempt == 0:
            # OBS sends no event for a switch to the scene already on program.
            self._confirm(job, already=True)
        else:
            self._request(job)

    def _request(self, job: SwitchJob) -> None:
        job.attempt += 1
        job.phase = Phase.SENDING
        job.announced = False
        job.requested_at = self._now
        self._recent = [*self._recent, job.scene][-8:]
        self._inflight[(job.id, job.attempt)] = job
        self._do(SendSwitch(job.id, job.attempt, job.scene, job.transition_name, job.duration_ms))

    def _check_override(self) -> None:
        """Someone put another scene on program by hand: stop fighting until the next boundary."""
        if not self._override_pending:
            return
        self._override_pending = False
        job = self._desired
        program = self._status.program_scene
        if job is None or program is None or program == job.scene or self._status.override:
            return
        if self._hands_off:
            return
        self._put(replace(self._status, override=True))
        if job.phase is not Phase.DONE:
            self._finish(job, SwitchOutcome.OVERRIDDEN, f"{program} put on program by hand")
        self._emit(ev.SceneOverride(at=self._now, scene=program, desired=job.scene))

    def _confirm_timeout(self, job: SwitchJob) -> None:
        if self._override_pending:  # a hand switch is being judged: do not fight it
            self._start_job_timer(job, self.override_settle)
            return
        timeout = job.confirm_timeout(self.policy)
        self._failed(job, f"OBS did not confirm within {timeout:g} s", None, retry=True)

    # ================================================================== plumbing

    def _current(self, token: tuple[int, int]) -> SwitchJob | None:
        """The desired job, if `token` (job id, attempt) is still its: the one staleness check."""
        job = self._desired
        if job is None or (job.id, job.attempt) != token or not job.timed:
            return None
        return job

    def _cancel_override_check(self) -> None:
        if self._override_pending:
            self._override_pending = False
            self._do(CancelTimer(TimerSlot.OVERRIDE))
