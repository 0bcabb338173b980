"""One scene switch job: where it is (`Phase`) and the `SwitchRecord` it builds as it goes.

Owns the working copy of a switch the switching machine drives (scene, boundary,
transition, attempt, phase, whether a timer runs for it), its record and the
events that describe it. It must not talk to OBS, decide, emit or touch the
status (`switching` does).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum

from timekeeper.core.programme import Transition
from timekeeper.obs import events as ev
from timekeeper.obs.status import SwitchOutcome, SwitchPolicy, SwitchRecord


class Phase(Enum):
    """Where a switch job is, from the request to its outcome."""

    IDLE = "idle"  # created, or about to be re-sent
    SENDING = "sending"  # the request is in flight
    CONFIRMING = "confirming"  # OBS accepted it; waiting for CurrentProgramSceneChanged
    RETRY_WAIT = "retry_wait"  # refused or unconfirmed; the next attempt is timed
    OFFLINE = "offline"  # OBS is not connected; sent again after the reconnect
    DONE = "done"  # it has its outcome


@dataclass(eq=False)
class SwitchJob:
    """The machine's working copy of a switch (snapshots are SwitchRecords)."""

    id: int
    scene: str
    key: str
    boundary_at: datetime
    transition: Transition | None
    record: SwitchRecord
    reason: str = "boundary"
    attempt: int = 0
    phase: Phase = Phase.IDLE
    timed: bool = False  # a JOB timer runs for it
    announced: bool = False  # the "requested" event for the current attempt went out
    requested_at: datetime | None = None

    @property
    def transition_name(self) -> str | None:
        return self.transition.name if self.transition else None

    @property
    def duration_ms(self) -> int | None:
        transition = self.transition
        if transition is None or transition.duration is None:
            return None
        return round(transition.duration.total_seconds() * 1000)

    def confirm_timeout(self, policy: SwitchPolicy) -> float:
        """Real seconds to wait for OBS's confirmation: the policy's, plus the transition."""
        return policy.confirm_timeout + (self.duration_ms or 0) / 1000

    def requested(self, at: datetime) -> ev.SceneSwitchRequested | None:
        """Note that the current attempt's request went out; its event, or None if noted."""
        requested_at = self.requested_at
        if self.announced or requested_at is None:
            return None
        self.announced = True
        delay = requested_at - self.boundary_at
        self.record = replace(
            self.record,
            requested_at=requested_at,
            request_delay=delay,
            attempts=self.attempt,
            reason=self.reason,
        )
        return ev.SceneSwitchRequested(
            at=at,
            scene=self.scene,
            key=self.key,
            reason=self.reason,
            boundary_at=self.boundary_at,
            requested_at=requested_at,
            request_delay=delay,
            attempt=self.attempt,
            transition=self.transition_name,
        )

    def confirmed(self, at: datetime, *, already: bool) -> ev.SceneSwitchConfirmed:
        """Note OBS's confirmation at `at`."""
        confirm_delay = at - self.boundary_at
        self.record = replace(
            self.record,
            confirmed_at=at,
            confirm_delay=confirm_delay,
            outcome=SwitchOutcome.CONFIRMED,
            attempts=self.attempt,
            error=None,
            already=already,
        )
        return ev.SceneSwitchConfirmed(
            at=at,
            scene=self.scene,
            key=self.key,
            reason=self.reason,
            boundary_at=self.boundary_at,
            request_delay=self.record.request_delay,
            confirm_delay=confirm_delay,
            attempt=self.attempt,
            already=already,
        )

    def failed(
        self, at: datetime, error: str, code: int | None, *, will_retry: bool
    ) -> ev.SceneSwitchFailed:
        return ev.SceneSwitchFailed(
            at=at,
            scene=self.scene,
            key=self.key,
            error=error,
            code=code,
            attempt=self.attempt,
            will_retry=will_retry,
        )

    def skipped(self, at: datetime, reason: str) -> ev.SceneSwitchSkipped:
        return ev.SceneSwitchSkipped(
            at=at, scene=self.scene, key=self.key, reason=reason, boundary_at=self.boundary_at
        )

    def finish(self, outcome: SwitchOutcome, error: str | None) -> None:
        self.phase = Phase.DONE
        self.record = replace(self.record, outcome=outcome, error=error, attempts=self.attempt)


@dataclass(frozen=True)
class ArmedCue:
    """A boundary's switch asked for ahead of its instant (`SwitchMachine.arm`)."""

    id: int
    scene: str
    key: str
    at: datetime
    transition: Transition | None

    def dropped(self, outcome: SwitchOutcome, error: str) -> SwitchRecord:
        """Its record when it is superseded or cancelled before its instant."""
        name = self.transition.name if self.transition else None
        return SwitchRecord(
            self.scene, self.key, "boundary", self.at, outcome=outcome, error=error, transition=name
        )
