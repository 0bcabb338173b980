"""How a switch job's outcomes are recorded and reported: requested, confirmed, failed, offline.

Owns the bookkeeping the switching machine shares between its rules: the
desired job, the boundary armed ahead, the status fields and events each
outcome brings, and the job's timer (confirmation or retry). It decides
nothing on its own: `switching` says when each outcome happens.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from timekeeper.obs.machine_messages import CancelTimer, Resolve, StartTimer, TimerSlot
from timekeeper.obs.status import SwitchOutcome, SwitchPolicy
from timekeeper.obs.step_builder import StepBuilder
from timekeeper.obs.switch_job import ArmedCue, Phase, SwitchJob

UNSENT = frozenset({SwitchOutcome.SKIPPED, SwitchOutcome.CANCELLED, SwitchOutcome.SUPERSEDED})


class SwitchBook(StepBuilder):
    """The desired job and the outcomes of every job (the base of `SwitchMachine`)."""

    def __init__(self, policy: SwitchPolicy) -> None:
        super().__init__()
        self.policy = policy
        self._desired: SwitchJob | None = None
        self._armed: ArmedCue | None = None  # a boundary known ahead, waiting for its instant

    @property
    def armed(self) -> ArmedCue | None:
        """The boundary armed and waiting for its instant, if any."""
        return self._armed

    def _drop_armed(self, outcome: SwitchOutcome, why: str) -> None:
        cue, self._armed = self._armed, None
        if cue is not None:
            self._do(Resolve(cue.id, cue.dropped(outcome, why)))

    def _take_armed(self, key: str, scene: str, at: datetime) -> int | None:
        """The armed cue's id if it is this boundary (it goes now, as that job); one with the
        same key but another scene or instant is superseded (it must not go later)."""
        cue = self._armed
        if cue is None or cue.key != key:
            return None
        self._armed = None
        if (cue.scene, cue.at) == (scene, at):
            return cue.id
        self._do(Resolve(cue.id, cue.dropped(SwitchOutcome.SUPERSEDED, f"superseded by {scene}")))
        return None

    def _known(self, key: str, scene: str, at: datetime) -> SwitchJob | None:
        """The desired job if it is already this boundary (an armed one released: same key,
        scene and instant), its record resolved again when it is done (a second caller's
        future gets it too). A key alone is not enough: callers may reuse one."""
        job = self._desired
        if job is None or (job.key, job.scene, job.boundary_at) != (key, scene, at):
            return None
        if job.phase is Phase.DONE and job.record.outcome in UNSENT:
            return None  # only reported (a standby, a dry run) or called off: not done
        if job.phase is Phase.DONE:
            self._do(Resolve(job.id, job.record))
        return job

    def sending(self, job_id: int, attempt: int) -> bool:
        """May `SendSwitch` (job_id, attempt) still leave? Only while it is the desired job's
        latest attempt: one that waited for the lease while a newer switch was asked for
        must not, or it could reach OBS after the newer one (OBS would end on the older)."""
        job = self._desired
        return job is not None and (job.id, job.attempt, job.phase) == (
            job_id,
            attempt,
            Phase.SENDING,
        )

    def _announce(self, job: SwitchJob) -> None:
        """Record and report that the request went out (after the send, not before: speed)."""
        requested = job.requested(self._now)
        if requested is not None:
            if job is self._desired:
                self._put(replace(self._status, last_switch=job.record))
            self._emit(requested)

    def _confirm(self, job: SwitchJob, *, already: bool = False) -> None:
        self._announce(job)  # the event may overtake the reply
        self._emit(job.confirmed(self._now, already=already))
        self._finish(job, SwitchOutcome.CONFIRMED, None)
        self._put(replace(self._status, alarm=None))

    def _failed(self, job: SwitchJob, error: str, code: int | None, *, retry: bool) -> None:
        self._cancel_job_timer(job)
        will_retry = retry and job.attempt <= self.policy.retries and self._status.auto_switch
        self._emit(job.failed(self._now, error, code, will_retry=will_retry))
        job.record = replace(job.record, error=error, attempts=job.attempt)
        if will_retry:
            job.phase = Phase.RETRY_WAIT
            if job is self._desired:
                self._put(replace(self._status, last_switch=job.record))
            self._start_job_timer(job, self.policy.retry_interval)
        else:
            self._finish(job, SwitchOutcome.FAILED, error)
            self._put(replace(self._status, alarm=f"switch to {job.scene} failed: {error}"))

    def _offline(self, job: SwitchJob) -> None:
        """OBS is not connected: report it; `connected` sends the scene after the reconnect."""
        if job.phase is Phase.OFFLINE:
            return
        self._cancel_job_timer(job)
        job.phase = Phase.OFFLINE
        error = "OBS is not connected: will switch when it reconnects"
        self._emit(job.failed(self._now, error, None, will_retry=True))

    def _finish(self, job: SwitchJob, outcome: SwitchOutcome, error: str | None) -> None:
        self._cancel_job_timer(job)
        job.finish(outcome, error)
        if job is self._desired:
            self._put(replace(self._status, last_switch=job.record))
        self._do(Resolve(job.id, job.record))

    def _start_job_timer(self, job: SwitchJob, seconds: float) -> None:
        job.timed = True
        self._do(StartTimer(TimerSlot.JOB, seconds, (job.id, job.attempt)))

    def _cancel_job_timer(self, job: SwitchJob) -> None:
        if job.timed:
            job.timed = False
            self._do(CancelTimer(TimerSlot.JOB))
