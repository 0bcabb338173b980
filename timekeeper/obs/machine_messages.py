"""What the sans-I/O OBS parts are told and what they ask for: inputs, replies, commands, steps.

Plain frozen data shared by the pure rules (`switching.SwitchMachine`,
`output_rules.OutputBook`, `preview_rules.PreviewBook`, `scenewatch.SceneWatch`,
`announce_rules.AnnounceBook`) and their asyncio shells: a `Moment` comes with every
input, OBS's answer to a switch request is a `SwitchReply`, and every input
returns a `Step` (the new status and the `Command`s to carry out). No behaviour
here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from timekeeper.core.programme import ObsAction, Transition
from timekeeper.obs import events as ev
from timekeeper.obs.status import ActionRecord, ObsStatus, SwitchRecord

SceneCue = tuple[str, str, Transition | None]  # scene, key (for the log), transition


class TimerSlot(Enum):
    """The machine's two timers: one per job (confirmation or retry), one for a hand switch."""

    JOB = "job"
    OVERRIDE = "override"


# ---------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Moment:
    """What the machine is told with every input."""

    now: datetime
    status: ObsStatus
    connected: bool  # the port's link is up (a send is possible)


@dataclass(frozen=True)
class Accepted:
    """OBS answered the switch request with success (transition warnings, if any)."""

    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Refused:
    """OBS answered with an error status."""

    error: str
    code: int | None


@dataclass(frozen=True)
class Lost:
    """The link dropped before the reply (the request may or may not have been carried out)."""


@dataclass(frozen=True)
class NoAnswer:
    """OBS did not answer in time; the confirmation timer decides."""


@dataclass(frozen=True)
class Broken:
    """An unexpected error in the driver (logged there)."""


@dataclass(frozen=True)
class NotSent:
    """Never sent: superseded while it waited for the driver's lease (see `SwitchBook.sending`)."""


SwitchReply = Accepted | Refused | Lost | NoAnswer | Broken | NotSent


# ---------------------------------------------------------------------- commands


@dataclass(frozen=True)
class SendSwitch:
    """Ask OBS to put `scene` on program; feed the reply to `switch_replied(job, attempt, …)`."""

    job: int
    attempt: int
    scene: str
    transition: str | None
    duration_ms: int | None


@dataclass(frozen=True)
class ReadProgram:
    """Read OBS's program scene; feed it (None if the read failed) to `program_read(job, …)`."""

    job: int


@dataclass(frozen=True)
class ReleaseAt:
    """Feed `released(job)` at the clock instant `at`, on time even on a busy machine."""

    job: int
    at: datetime


@dataclass(frozen=True)
class StartTimer:
    """Call `timer_fired(slot, token)` after `seconds` real seconds (replaces the slot's timer)."""

    slot: TimerSlot
    seconds: float
    token: tuple[int, int]


@dataclass(frozen=True)
class CancelTimer:
    slot: TimerSlot


@dataclass(frozen=True)
class Broadcast:
    """Send obs-websocket's BroadcastCustomEvent with `data` (the run's announcement)."""

    data: Mapping[str, object]


@dataclass(frozen=True)
class StandDown:
    """A driver of a higher `epoch` (run `by`) is heard: stop changing OBS at once."""

    epoch: int
    by: str


@dataclass(frozen=True)
class SetStudioMode:
    """Turn OBS's studio mode on; feed the outcome to `studio_mode_set`."""


@dataclass(frozen=True)
class SetPreview:
    """Put `scene` on OBS's preview; feed the outcome to `preview_set`."""

    scene: str


@dataclass(frozen=True)
class ReadOutput:
    """Read the stream's (`stream`) or the recording's state for action `key`."""

    key: str
    attempt: int
    stream: bool


@dataclass(frozen=True)
class SendAction:
    """Start or stop the output (`action`) for `key`."""

    key: str
    attempt: int
    action: ObsAction


@dataclass(frozen=True)
class ActionTimer:
    """Feed `retry(key, attempt)` after `seconds` real seconds."""

    key: str
    attempt: int
    seconds: float


@dataclass(frozen=True)
class CancelActionTimer:
    key: str


@dataclass(frozen=True)
class ResolveAction:
    """Action `key` has its outcome: hand `record` to whoever waits for it."""

    key: str
    record: ActionRecord


@dataclass(frozen=True)
class Emit:
    event: ev.ObsEvent


@dataclass(frozen=True)
class Resolve:
    """Job `job` has its outcome: hand `record` to whoever waits for it."""

    job: int
    record: SwitchRecord


Command = (
    SendSwitch
    | ReadProgram
    | ReleaseAt
    | StartTimer
    | CancelTimer
    | Emit
    | Resolve
    | Broadcast
    | StandDown
    | SetStudioMode
    | SetPreview
    | ReadOutput
    | SendAction
    | ActionTimer
    | CancelActionTimer
    | ResolveAction
)


@dataclass(frozen=True)
class Step:
    """The machine's answer to one input: the new status and what the driver must do."""

    status: ObsStatus
    commands: tuple[Command, ...] = ()
    job: int | None = None  # the job this input created, if any
