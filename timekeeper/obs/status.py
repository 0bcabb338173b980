"""What the OBS side reports and is configured with: states, modes, policies, snapshots.

Owns the plain, frozen data shared by the controller's parts and shown by the
dashboard: `ObsState`, `SwitchOutcome`, the `RetryPolicy` and
`SwitchPolicy` (policies as data), the `SwitchRecord`/`ActionRecord` results,
`MissingScene`, the `RunIdentity` a run announces itself with (its `Role` and
epoch, which fence two drivers of one OBS), the `HeardDriver` a standby
watches and the `ObsStatus` snapshot. No behaviour beyond small derived properties: it must
not talk to OBS, read the clock or hold mutable state.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from timekeeper.core.modes import RunMode
from timekeeper.core.programme import ObsAction


class ObsState(StrEnum):
    NOT_CONFIGURED = "not_configured"  # the programme has no obs section / no port given
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"  # between attempts; see next_retry_at
    AUTH_FAILED = "auth_failed"  # still retried (slowly): someone may fix the password in OBS


class SwitchOutcome(StrEnum):
    PENDING = "pending"  # requested, or waiting to (retry, reconnect)
    CONFIRMED = "confirmed"  # OBS's CurrentProgramSceneChanged named the scene
    FAILED = "failed"  # refused or unconfirmed after the retries: alarm until re-sent
    SKIPPED = "skipped"  # dry run / automatic switching off: only reported
    SUPERSEDED = "superseded"  # a newer switch_scene() replaced it before it finished
    OVERRIDDEN = "overridden"  # someone switched by hand while it was pending
    CANCELLED = "cancelled"  # automatic switching turned off, or the controller stopped


@dataclass(frozen=True)
class RetryPolicy:
    """Reconnect backoff as data: attempt n waits min(maximum, initial·factor^(n-1)) ± jitter.

    Jitter spreads reconnects of several instances; the first reconnect after
    a drop is immediate (OBS restarted is usually back in ~1–2 s, a dropped
    network link in milliseconds).
    """

    initial: float = 0.5
    factor: float = 2.0
    maximum: float = 10.0
    jitter: float = 0.1  # fraction of the delay, ±

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Real seconds to wait before reconnect attempt `attempt` (1-based)."""
        base = min(self.maximum, self.initial * self.factor ** max(0, attempt - 1))
        spread = base * self.jitter
        return max(0.0, base + (rng or random).uniform(-spread, spread))


@dataclass(frozen=True)
class SwitchPolicy:
    """What happens when a scene switch is refused or not confirmed.

    A switch counts as done only when OBS's CurrentProgramSceneChanged names
    the scene, within `confirm_timeout` (+ the transition's duration). If it
    is refused (any error but "no such scene") or not confirmed, it is re-sent
    after `retry_interval`, up to `retries` more times; then it stays failed
    (alarm) until the operator re-sends or the next boundary switches. A
    missing scene (code 600) is not retried: only a person can fix that. A
    switch that cannot be sent because OBS is down is sent on reconnect.
    """

    confirm_timeout: float = 2.0
    retries: int = 3
    retry_interval: float = 1.0


@dataclass(frozen=True)
class SwitchRecord:
    """One scene switch as it happened (or did not): what the dashboard and the as-run log show."""

    scene: str
    key: str
    reason: str  # boundary | retry | reconnect | operator
    boundary_at: datetime
    requested_at: datetime | None = None
    confirmed_at: datetime | None = None
    request_delay: timedelta | None = None  # boundary -> request sent
    confirm_delay: timedelta | None = None  # boundary -> OBS's confirming event
    outcome: SwitchOutcome = SwitchOutcome.PENDING
    attempts: int = 0
    error: str | None = None
    transition: str | None = None
    already: bool = False  # confirmed with nothing sent: OBS already showed the scene

    @property
    def ok(self) -> bool:
        return self.outcome is SwitchOutcome.CONFIRMED


@dataclass(frozen=True)
class ActionRecord:
    action: ObsAction
    key: str
    outcome: str  # done | already_done | skipped | failed | cancelled
    note: str | None = None


class Role(StrEnum):
    """What a run does to OBS, as it announces it (issue 24's standby)."""

    DRIVER = "driver"  # switches scenes and starts/stops outputs
    STANDBY = "standby"  # follows a driver, ready to take over; never changes OBS
    WATCH = "watch"  # a dry run or a follower: never drives


@dataclass(frozen=True)
class RunIdentity:
    """A `timekeeper run` as it announces itself to OBS (see `announce`): who, where, what.

    `epoch` fences drivers: 0 is a run outside a standby pair (or an announcement of an
    older timekeeper, which has none); a pair's first driver drives epoch 1, each
    takeover or handover the previous + 1 (see `outranks`)."""

    run_id: str
    host: str
    pid: int
    title: str  # the programme's event title
    mode: str  # a RunMode's obs_word
    epoch: int = 0
    role: Role = Role.DRIVER

    @property
    def drives(self) -> bool:
        """A dry run, a standby or a watcher only watches; a driving live show or dress
        rehearsal drives OBS."""
        return self.role is Role.DRIVER and self.mode != RunMode.DRY.obs_word

    def outranks(self, other: RunIdentity) -> bool:
        """The fencing order: the higher epoch wins; of equal epochs, the smaller run id."""
        return (self.epoch, other.run_id) > (other.epoch, self.run_id)

    def describe(self) -> str:
        """The words of the panel: "another timekeeper (stage-pc, 4242) drives this OBS"."""
        if self.mode == RunMode.DRY.obs_word:
            verb = "watches this OBS (dry run)"
        elif self.role is Role.STANDBY:
            verb = "stands by on this OBS"
        elif self.role is Role.WATCH:
            verb = "watches this OBS"
        else:
            verb = "drives this OBS"
        epoch = f" (epoch {self.epoch})" if self.epoch else ""
        return f"another timekeeper ({self.host}, {self.pid}) {verb}{epoch}"


@dataclass(frozen=True)
class HeardDriver:
    """The last announcement of a driver heard on this OBS: what a standby watches."""

    run_id: str
    host: str
    pid: int
    epoch: int
    at: datetime  # the injected clock's instant it was heard (for the dashboard)
    mono: float  # real seconds (the announcer's monotonic clock) it was heard: for delays


@dataclass(frozen=True)
class MissingScene:
    """A scene the programme names that OBS does not have (now)."""

    scene: str
    suggestion: str | None  # what it was renamed to, else the closest existing name
    slots: tuple[str, ...]  # the slots that name it


@dataclass(frozen=True)
class ObsStatus:
    """A snapshot of everything the dashboard's OBS panel shows. Compare with `!=`."""

    state: ObsState
    url: str | None = None
    mode: RunMode = RunMode.LIVE
    auto_switch: bool = True
    override: bool = False  # someone switched by hand; not fought until the next boundary
    desired_scene: str | None = None  # what the live slot wants
    program_scene: str | None = None
    preview_scene: str | None = None
    studio_mode: bool | None = None
    streaming: bool | None = None  # None: unknown (never connected)
    recording: bool | None = None
    last_switch: SwitchRecord | None = None
    alarm: str | None = None  # a switch that failed for good: shown until fixed
    last_error: str | None = None
    reconnect_attempt: int = 0
    next_retry_at: datetime | None = None  # clock instant of the next connection attempt
    obs_version: str | None = None
    connected_since: datetime | None = None
    # While not connected: the instant the scene and output fields above stopped being
    # current (the connection was lost). None while connected, or never connected.
    last_known_at: datetime | None = None
    obs_rtt: float | None = None  # real seconds a request last took to be answered
    scenes: tuple[str, ...] | None = None  # OBS's scene list, kept live (None: never read)
    missing_scenes: tuple[MissingScene, ...] = ()  # programme scenes not in `scenes`
    others: tuple[RunIdentity, ...] = ()  # other timekeepers heard on this OBS, first heard first
    role: Role = Role.DRIVER  # standby: never changes OBS (see `watch_reason`)
    epoch: int = 0  # the epoch this run drives (or last drove) under; 0: no standby pair
    fenced_by: RunIdentity | None = None  # the driver of a higher epoch that stopped this run
    driver_heard: HeardDriver | None = None  # the other driver last heard on this OBS
    # Real seconds (monotonic) since this run hears OBS's announcements without a break:
    # a driver's silence counts from here at most. None while not connected.
    heard_since: float | None = None
    # Monotonic instant at which the latest of our announcements that OBS has echoed back
    # (and this run has read, with everything OBS sent before it) was sent: the driver's
    # lease (see announce_rules.lease_fresh). None while not connected.
    echo_sent: float | None = None

    @property
    def connected(self) -> bool:
        return self.state is ObsState.CONNECTED

    @property
    def watch_reason(self) -> str | None:
        """Why nothing that changes OBS is sent (a dry run, a standby), or None: it drives."""
        if self.mode is RunMode.DRY:
            return "dry_run"
        if self.role is not Role.DRIVER:
            return "standby"
        return None
