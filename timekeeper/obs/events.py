"""What the OBS controller reports: frozen events, one class per `kind`.

The dashboard shows them, the as-run log keeps them and `--headless` prints
them as JSON lines (`event.to_json()`). Each has `at` (the injected clock's
instant), a `kind` string and a human `message`; every field is plain data
(`to_dict()` turns datetimes into ISO strings and timedeltas into milliseconds).

This module owns the connection and scene events; the output, action and text
events are in `output_events` and the base in `event_base`, all importable
from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from timekeeper.obs.event_base import JsonValue, ObsEvent
from timekeeper.obs.event_base import ms as _ms
from timekeeper.obs.output_events import (
    ActionDone,
    ActionFailed,
    ActionQueued,
    ActionSent,
    ActionSkipped,
    RecordStarted,
    RecordStopped,
    RehearsalOnLiveOutput,
    StreamStarted,
    StreamStopped,
    TextFailed,
    TextSet,
    action_words,
)

__all__ = [
    "ActionDone",
    "ActionFailed",
    "ActionQueued",
    "ActionSent",
    "ActionSkipped",
    "AutoSwitchChanged",
    "JsonValue",
    "ObsAuthFailed",
    "ObsConnectFailed",
    "ObsConnected",
    "ObsDisconnected",
    "ObsEvent",
    "ObsExiting",
    "RecordStarted",
    "RecordStopped",
    "RehearsalOnLiveOutput",
    "SceneBack",
    "SceneMissing",
    "SceneOverride",
    "ScenePreviewSet",
    "SceneSwitchConfirmed",
    "SceneSwitchFailed",
    "SceneSwitchRequested",
    "SceneSwitchSkipped",
    "StreamStarted",
    "StreamStopped",
    "StudioModeChanged",
    "TextFailed",
    "TextSet",
    "TransitionFailed",
    "action_words",
]


# ---------------------------------------------------------------------- connection


@dataclass(frozen=True)
class ObsConnected(ObsEvent):
    kind: ClassVar[str] = "obs_connected"
    url: str
    obs_version: str
    websocket_version: str
    program_scene: str | None

    @property
    def message(self) -> str:
        return f"connected to OBS {self.obs_version} at {self.url} (program: {self.program_scene})"


@dataclass(frozen=True)
class ObsConnectFailed(ObsEvent):
    kind: ClassVar[str] = "obs_connect_failed"
    url: str
    error: str
    attempt: int
    retry_in: float  # real seconds until the next attempt

    @property
    def message(self) -> str:
        retry = f"attempt {self.attempt}, retry in {self.retry_in:.1f} s"
        return f"cannot connect to OBS: {self.error} ({retry})"


@dataclass(frozen=True)
class ObsAuthFailed(ObsEvent):
    kind: ClassVar[str] = "obs_auth_failed"
    url: str
    error: str

    @property
    def message(self) -> str:
        return self.error


@dataclass(frozen=True)
class ObsDisconnected(ObsEvent):
    kind: ClassVar[str] = "obs_disconnected"
    url: str
    reason: str
    code: int | None

    @property
    def message(self) -> str:
        code = f", code {self.code}" if self.code is not None else ""
        return f"lost the connection to OBS ({self.reason}{code}); reconnecting"


@dataclass(frozen=True)
class ObsExiting(ObsEvent):
    kind: ClassVar[str] = "obs_exiting"

    @property
    def message(self) -> str:
        return "OBS is shutting down"


# ---------------------------------------------------------------------- scenes


@dataclass(frozen=True)
class SceneSwitchRequested(ObsEvent):
    kind: ClassVar[str] = "scene_switch_requested"
    scene: str
    key: str
    reason: str  # boundary | retry | reconnect | operator
    boundary_at: datetime
    requested_at: datetime
    request_delay: timedelta
    attempt: int
    transition: str | None = None

    @property
    def message(self) -> str:
        via = f" via {self.transition}" if self.transition else ""
        delay = _ms(self.request_delay)
        return f"switch to {self.scene}{via} requested {delay} after the boundary ({self.reason})"


@dataclass(frozen=True)
class SceneSwitchConfirmed(ObsEvent):
    kind: ClassVar[str] = "scene_switch_confirmed"
    scene: str
    key: str
    reason: str
    boundary_at: datetime
    request_delay: timedelta | None
    confirm_delay: timedelta
    attempt: int
    already: bool = False  # OBS already showed this scene: nothing was sent

    @property
    def message(self) -> str:
        if self.already:
            return f"{self.scene} already on program"
        return f"{self.scene} on program {_ms(self.confirm_delay)} after the boundary"


@dataclass(frozen=True)
class SceneSwitchFailed(ObsEvent):
    kind: ClassVar[str] = "scene_switch_failed"
    scene: str
    key: str
    error: str
    code: int | None
    attempt: int
    will_retry: bool

    @property
    def message(self) -> str:
        then = "will retry" if self.will_retry else "press re-send when fixed"
        return f"switch to {self.scene} failed: {self.error} ({then})"


@dataclass(frozen=True)
class SceneSwitchSkipped(ObsEvent):
    """A switch the controller would have made (dry run, or automatic switching off)."""

    kind: ClassVar[str] = "scene_switch_skipped"
    scene: str
    key: str
    reason: str  # dry_run | standby | auto_switch_off | not_configured
    boundary_at: datetime

    @property
    def message(self) -> str:
        why = {
            "dry_run": "dry run",
            "auto_switch_off": "automatic switching is off",
            "standby": "standby: another timekeeper drives",
        }
        return f"would switch to {self.scene} ({why.get(self.reason, 'OBS not configured')})"


@dataclass(frozen=True)
class SceneOverride(ObsEvent):
    """Someone put another scene on program by hand: not fought until the next boundary."""

    kind: ClassVar[str] = "scene_override"
    scene: str
    desired: str | None

    @property
    def message(self) -> str:
        return (
            f"{self.scene} put on program by hand (the programme wants {self.desired}); "
            "leaving it until the next slot"
        )


@dataclass(frozen=True)
class SceneMissing(ObsEvent):
    """A scene the programme names is gone from OBS (renamed, removed): said once per loss."""

    kind: ClassVar[str] = "scene_missing"
    scene: str
    slots: tuple[str, ...]  # ids of the slots that name it
    suggestion: str | None  # the scene it was renamed to, else the closest existing name
    cause: str  # renamed | removed | gone (not in OBS's list after a reconnect)

    @property
    def message(self) -> str:
        users = f" (needed by {', '.join(self.slots)})" if self.slots else ""
        if self.cause == "renamed" and self.suggestion:
            what = f"was renamed to {self.suggestion!r} in OBS"
        else:
            what = "was removed from OBS" if self.cause == "removed" else "is not in OBS"
            if self.suggestion:
                what += f"; closest: {self.suggestion!r}"
        return f"scene {self.scene!r}{users} {what}: rename it back or fix the programme"


@dataclass(frozen=True)
class SceneBack(ObsEvent):
    """A scene reported missing exists in OBS again."""

    kind: ClassVar[str] = "scene_back"
    scene: str

    @property
    def message(self) -> str:
        return f"scene {self.scene!r} exists in OBS again"


@dataclass(frozen=True)
class ScenePreviewSet(ObsEvent):
    kind: ClassVar[str] = "scene_preview_set"
    scene: str
    sent: bool

    @property
    def message(self) -> str:
        return f"{self.scene} on preview" if self.sent else f"would put {self.scene} on preview"


@dataclass(frozen=True)
class TransitionFailed(ObsEvent):
    """The switch went ahead, but with OBS's current transition instead of the asked one."""

    kind: ClassVar[str] = "transition_failed"
    scene: str
    transition: str
    error: str

    @property
    def message(self) -> str:
        return f"transition {self.transition} for {self.scene} failed: {self.error}"


@dataclass(frozen=True)
class AutoSwitchChanged(ObsEvent):
    kind: ClassVar[str] = "auto_switch_changed"
    enabled: bool

    @property
    def message(self) -> str:
        return "automatic scene switching ON" if self.enabled else "automatic scene switching OFF"


@dataclass(frozen=True)
class StudioModeChanged(ObsEvent):
    kind: ClassVar[str] = "studio_mode_changed"
    enabled: bool
