"""The scene switcher: the switch state machine, confirmation, retries, hand overrides.

Owns the desired scene (the live slot's, brought back after a reconnect), each
switch job from request to outcome (a switch is done only when OBS's
CurrentProgramSceneChanged names the scene; refused or unconfirmed switches
are retried by the `SwitchPolicy`), automatic switching on/off, and the
detection of a scene put on program by hand (not fought until the next
boundary). Its fields of the status: `desired_scene`, `program_scene`,
`last_switch`, `alarm`, `override`, `auto_switch`. It must not manage the
connection, outputs, texts or the preview: whether a switch transitions from
preview is asked of `from_preview`. Timers are the event loop's (real seconds).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from timekeeper.core.programme import Transition
from timekeeper.errors import ObsConnectionError, ObsError, ObsRequestError, ObsTimeoutError
from timekeeper.obs import events as ev
from timekeeper.obs.context import ObsContext, log
from timekeeper.obs.port import CODE_RESOURCE_NOT_FOUND
from timekeeper.obs.status import ObsMode, SwitchOutcome, SwitchPolicy, SwitchRecord
from timekeeper.obs.switch_job import SwitchJob

SceneCue = tuple[str, str, Transition | None]  # scene, key (for the log), transition


class SceneSwitcher:
    """Puts the desired scene on program and keeps it there (see the module docstring)."""

    def __init__(
        self,
        ctx: ObsContext,
        *,
        policy: SwitchPolicy,
        override_settle: float,
        from_preview: Callable[[str], bool],
    ) -> None:
        self._ctx = ctx
        self.switch_policy = policy
        self.override_settle = override_settle  # seconds a foreign program scene must last
        self._from_preview = from_preview
        self._override_check: asyncio.TimerHandle | None = None
        self._desired: SwitchJob | None = None
        self._recent: deque[str] = deque(maxlen=8)  # scenes we asked for, event not yet seen

    def resync(self) -> None:
        """After (re)connecting: send the desired scene again (unless overridden)."""
        ctx = self._ctx
        job = self._desired
        if job is not None and not ctx.status.override and not self._hands_off:
            if job.phase in ("offline", "retry_wait", "confirming", "sending"):
                job.cancel_timer()
                ctx.spawn(self._send(job, check_program=True, reason="reconnect"))
            elif ctx.status.program_scene != job.scene:
                fresh = self._new_job(
                    job.scene, job.key, ctx.clock.now(), job.transition, "reconnect"
                )
                ctx.spawn(self._send(fresh, check_program=True))

    def connection_lost(self) -> None:
        """The link dropped: an unfinished switch waits for the reconnect."""
        job = self._desired
        if job is not None and job.phase in ("sending", "confirming", "retry_wait"):
            self._offline(job)

    def stop(self) -> None:
        """Cancel the unfinished switch (the controller stops)."""
        job = self._desired
        if job is not None and job.phase != "done":
            self._finish(job, SwitchOutcome.CANCELLED, "the controller stopped")

    def switch_scene(
        self,
        scene: str,
        *,
        boundary_at: datetime,
        key: str,
        transition: Transition | None = None,
    ) -> asyncio.Future[SwitchRecord]:
        """Request `scene` for the boundary at `boundary_at` (see ObsController.switch_scene)."""
        job = self._new_job(scene, key, boundary_at, transition, "boundary")
        self._ctx.status = replace(self._ctx.status, override=False)
        reason = self._skip_reason()
        if reason is not None:
            self._skip(job, reason)
        else:
            self._ctx.spawn(self._send(job, check_program=False))
        return job.future

    def _skip_reason(self) -> str | None:
        if self._ctx.port is None:
            return "not_configured"
        if self._ctx.status.mode is ObsMode.DRY_RUN:
            return "dry_run"
        if not self._ctx.status.auto_switch:
            return "auto_switch_off"
        return None

    def _skip(self, job: SwitchJob, reason: str) -> None:
        """Only report the switch ("would switch to …")."""
        self._ctx.emit(
            ev.SceneSwitchSkipped(
                at=self._ctx.now(),
                scene=job.scene,
                key=job.key,
                reason=reason,
                boundary_at=job.boundary_at,
            )
        )
        self._finish(job, SwitchOutcome.SKIPPED, None)

    @property
    def _hands_off(self) -> bool:
        """Timekeeper is not driving the scenes (dry run, automatic switching off)."""
        return self._ctx.status.mode is ObsMode.DRY_RUN or not self._ctx.status.auto_switch

    def resend_live_scene(
        self, instead: SceneCue | None = None
    ) -> asyncio.Future[SwitchRecord] | None:
        """Send the desired scene (or `instead`) now (see ObsController.resend_live_scene)."""
        old = self._desired
        if instead is None and old is not None:
            instead = (old.scene, old.key, old.transition)
        if instead is None:
            return None
        scene, key, transition = instead
        job = self._new_job(scene, key, self._ctx.clock.now(), transition, "operator")
        self._ctx.status = replace(self._ctx.status, override=False)
        if self._ctx.port is None or self._ctx.status.mode is ObsMode.DRY_RUN:
            self._skip(job, "dry_run" if self._ctx.port is not None else "not_configured")
        else:
            self._ctx.spawn(self._send(job, check_program=True))
        return job.future

    def set_auto_switch(self, enabled: bool) -> None:
        """Automatic switching on/off (see ObsController.set_auto_switch)."""
        if enabled == self._ctx.status.auto_switch:
            return
        self._ctx.status = replace(self._ctx.status, auto_switch=enabled)
        job = self._desired
        if not enabled and job is not None and job.phase in ("retry_wait", "offline"):
            self._finish(job, SwitchOutcome.CANCELLED, "automatic switching turned off")
        self._ctx.emit(ev.AutoSwitchChanged(at=self._ctx.now(), enabled=enabled))

    def on_program_scene(self, scene: str) -> None:
        self._ctx.status = replace(self._ctx.status, program_scene=scene)
        job = self._desired
        if job is not None and scene == job.scene:
            with contextlib.suppress(ValueError):
                self._recent.remove(scene)
            self.cancel_override_check()
            if job.phase in ("sending", "confirming", "retry_wait", "offline"):
                self._confirm(job)
            elif self._ctx.status.alarm or self._ctx.status.override:
                # put back by hand: OBS shows what the programme wants again
                self._ctx.status = replace(self._ctx.status, alarm=None, override=False)
            return
        if scene in self._recent:  # a late confirmation of an earlier request of ours
            self._recent.remove(scene)
            return
        if job is None or self._hands_off:
            return  # timekeeper is not driving the scenes: hand switches are expected
        # Decide a little later: OBS emits transient program changes (studio mode
        # transitions, studio mode turned off: old scene, then the right one, 2 ms apart).
        self.cancel_override_check()
        self._override_check = asyncio.get_running_loop().call_later(
            self.override_settle, self._check_override
        )

    def _check_override(self) -> None:
        """Someone put another scene on program by hand: stop fighting until the next boundary."""
        self._override_check = None
        job = self._desired
        program = self._ctx.status.program_scene
        if job is None or program is None or program == job.scene or self._ctx.status.override:
            return
        if self._hands_off:
            return
        self._ctx.status = replace(self._ctx.status, override=True)
        if job.phase != "done":
            self._finish(job, SwitchOutcome.OVERRIDDEN, f"{program} put on program by hand")
        self._ctx.emit(ev.SceneOverride(at=self._ctx.now(), scene=program, desired=job.scene))

    def cancel_override_check(self) -> None:
        if self._override_check is not None:
            self._override_check.cancel()
            self._override_check = None

    def _new_job(
        self,
        scene: str,
        key: str,
        boundary_at: datetime,
        transition: Transition | None,
        reason: str,
    ) -> SwitchJob:
        self.cancel_override_check()
        old = self._desired
        if old is not None and old.phase != "done":
            self._finish(old, SwitchOutcome.SUPERSEDED, f"superseded by {scene}")
        job = SwitchJob.start(scene, key, boundary_at, transition, reason)
        self._desired = job
        self._ctx.status = replace(
            self._ctx.status, desired_scene=scene, alarm=None, last_switch=job.record
        )
        return job

    async def _send(
        self, job: SwitchJob, *, check_program: bool, reason: str | None = None
    ) -> None:
        """One attempt to put `job.scene` on program. Never raises."""
        if job is not self._desired or job.phase in ("done", "sending"):
            return
        if reason is not None:
            job.reason = reason
        port = self._ctx.port
        if port is None:
            return
        if not port.connected:
            self._offline(job)
            return
        if check_program:
            try:
                program = await port.get_current_program_scene()
                self._ctx.status = replace(self._ctx.status, program_scene=program)
            except ObsError:
                program = None
            if job is not self._desired or job.phase == "done":
                return
            if program == job.scene:
                self._confirm(job, already=True)
                return
        elif self._ctx.status.program_scene == job.scene and job.attempt == 0:
            # OBS sends no event for a switch to the scene already on program.
            self._confirm(job, already=True)
            return
        job.attempt += 1
        job.phase = "sending"
        job.announced = False
        attempt = job.attempt
        transition = job.transition
        job.requested_at = self._ctx.clock.now()
        self._recent.append(job.scene)
        try:
            warnings = await port.switch(
                job.scene,
                transition=job.transition_name,
                duration_ms=job.duration_ms,
                from_preview=self._from_preview(job.scene),
            )
        except ObsRequestError as exc:
            self._announce(job)
            if job is self._desired and job.attempt == attempt:
                self._failed(
                    job,
                    exc.comment or str(exc),
                    exc.code,
                    retry=exc.code != CODE_RESOURCE_NOT_FOUND,
                )
            return
        except ObsConnectionError:
            self._announce(job)
            if job is self._desired and job.attempt == attempt and job.phase != "done":
                self._offline(job)
            return
        except ObsTimeoutError:
            self._announce(job)  # the confirmation timer decides
            return
        except Exception:
            log.exception("switching to %s failed unexpectedly", job.scene)
            self._failed(job, "internal error (see the log)", None, retry=True)
            return
        finally:
            if job.phase == "sending" and job.attempt == attempt:
                job.phase = "confirming"
                self._arm_confirm_timer(job, attempt)
        self._announce(job)
        for warning in warnings:
            self._ctx.emit(
                ev.TransitionFailed(
                    at=self._ctx.now(),
                    scene=job.scene,
                    transition=transition.name if transition else "?",
                    error=str(warning),
                )
            )

    def _arm_confirm_timer(self, job: SwitchJob, attempt: int) -> None:
        job.cancel_timer()
        timeout = job.confirm_timeout(self.switch_policy)
        job.timer = asyncio.get_running_loop().call_later(
            timeout, self._confirm_timeout, job, attempt
        )

    def _confirm_timeout(self, job: SwitchJob, attempt: int) -> None:
        job.timer = None
        if job is not self._desired or job.attempt != attempt or job.phase != "confirming":
            return
        if self._override_check is not None:  # a hand switch is being judged: do not fight it
            job.timer = asyncio.get_running_loop().call_later(
                self.override_settle, self._confirm_timeout, job, attempt
            )
            return
        timeout = job.confirm_timeout(self.switch_policy)
        self._failed(job, f"OBS did not confirm within {timeout:g} s", None, retry=True)

    def _announce(self, job: SwitchJob) -> None:
        """Record and report that the request went out (after the send, not before: speed)."""
        delay = job.announce()
        requested_at = job.requested_at
        if delay is None or requested_at is None:
            return
        if job is self._desired:
            self._ctx.status = replace(self._ctx.status, last_switch=job.record)
        self._ctx.emit(
            ev.SceneSwitchRequested(
                at=self._ctx.now(),
                scene=job.scene,
                key=job.key,
                reason=job.reason,
                boundary_at=job.boundary_at,
                requested_at=requested_at,
                request_delay=delay,
                attempt=job.attempt,
                transition=job.transition_name,
            )
        )

    def _confirm(self, job: SwitchJob, *, already: bool = False) -> None:
        now = self._ctx.clock.now()
        self._announce(job)  # the event may overtake the reply
        confirm_delay = job.confirm(now)
        self._ctx.emit(
            ev.SceneSwitchConfirmed(
                at=self._ctx.now(),
                scene=job.scene,
                key=job.key,
                reason=job.reason,
                boundary_at=job.boundary_at,
                request_delay=job.record.request_delay,
                confirm_delay=confirm_delay,
                attempt=job.attempt,
                already=already,
            )
        )
        self._finish(job, SwitchOutcome.CONFIRMED, None)
        self._ctx.status = replace(self._ctx.status, alarm=None)

    def _failed(self, job: SwitchJob, error: str, code: int | None, *, retry: bool) -> None:
        job.cancel_timer()
        will_retry = (
            retry and job.attempt <= self.switch_policy.retries and self._ctx.status.auto_switch
        )
        self._ctx.emit(
            ev.SceneSwitchFailed(
                at=self._ctx.now(),
                scene=job.scene,
                key=job.key,
                error=error,
                code=code,
                attempt=job.attempt,
                will_retry=will_retry,
            )
        )
        job.note_error(error)
        if will_retry:
            job.phase = "retry_wait"
            if job is self._desired:
                self._ctx.status = replace(self._ctx.status, last_switch=job.record)
            job.timer = asyncio.get_running_loop().call_later(
                self.switch_policy.retry_interval, self._retry, job
            )
        else:
            self._finish(job, SwitchOutcome.FAILED, error)
            self._ctx.status = replace(
                self._ctx.status, alarm=f"switch to {job.scene} failed: {error}"
            )

    def _retry(self, job: SwitchJob) -> None:
        job.timer = None
        if job is self._desired and job.phase == "retry_wait":
            job.phase = "idle"
            self._ctx.spawn(self._send(job, check_program=False, reason="retry"))

    def _offline(self, job: SwitchJob) -> None:
        """OBS is not connected: report it; `_resync` sends the scene after the reconnect."""
        if job.phase == "offline":
            return
        job.cancel_timer()
        job.phase = "offline"
        self._ctx.emit(
            ev.SceneSwitchFailed(
                at=self._ctx.now(),
                scene=job.scene,
                key=job.key,
                error="OBS is not connected: will switch when it reconnects",
                code=None,
                attempt=job.attempt,
                will_retry=True,
            )
        )

    def _finish(self, job: SwitchJob, outcome: SwitchOutcome, error: str | None) -> None:
        job.finish(outcome, error)
        if job is self._desired:
            self._ctx.status = replace(self._ctx.status, last_switch=job.record)
        if not job.future.done():
            job.future.set_result(job.record)
