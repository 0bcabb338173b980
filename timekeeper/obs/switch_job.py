"""One scene switch job: its working state and the `SwitchRecord` it builds as it goes.

Owns the mutable copy of a switch the scene switcher drives (scene, boundary,
transition, attempt, phase, pending timer, future) and the bookkeeping of its
record: when the request went out, when OBS confirmed it, its outcome. It
must not talk to OBS, emit events or touch the status: `switcher` does that.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from timekeeper.core.programme import Transition
from timekeeper.obs.status import SwitchOutcome, SwitchPolicy, SwitchRecord


@dataclass(eq=False)
class SwitchJob:
    """The switcher's working copy of a switch (mutable; snapshots are SwitchRecords)."""

    scene: str
    key: str
    boundary_at: datetime
    transition: Transition | None
    future: asyncio.Future[SwitchRecord]
    record: SwitchRecord
    reason: str = "boundary"
    attempt: int = 0
    phase: str = "idle"  # idle | sending | confirming | retry_wait | offline | done
    timer: asyncio.TimerHandle | None = None
    announced: bool = False  # the "requested" event for the current attempt went out
    requested_at: datetime | None = None

    @classmethod
    def start(
        cls,
        scene: str,
        key: str,
        boundary_at: datetime,
        transition: Transition | None,
        reason: str,
    ) -> SwitchJob:
        record = SwitchRecord(
            scene=scene,
            key=key,
            reason=reason,
            boundary_at=boundary_at,
            transition=transition.name if transition else None,
        )
        future = asyncio.get_running_loop().create_future()
        return cls(scene, key, boundary_at, transition, future, record, reason=reason)

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

    def cancel_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def announce(self) -> timedelta | None:
        """Note that the current attempt's request went out; its delay, or None if noted."""
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
        return delay

    def confirm(self, now: datetime) -> timedelta:
        """Note OBS's confirmation at `now`; the delay since the boundary."""
        confirm_delay = now - self.boundary_at
        self.record = replace(
            self.record,
            confirmed_at=now,
            confirm_delay=confirm_delay,
            outcome=SwitchOutcome.CONFIRMED,
            attempts=self.attempt,
            error=None,
        )
        return confirm_delay

    def note_error(self, error: str) -> None:
        self.record = replace(self.record, error=error, attempts=self.attempt)

    def finish(self, outcome: SwitchOutcome, error: str | None) -> None:
        self.cancel_timer()
        self.phase = "done"
        self.record = replace(self.record, outcome=outcome, error=error, attempts=self.attempt)
