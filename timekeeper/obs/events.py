"""What the OBS controller reports: frozen events, one class per `kind`.

The dashboard shows them, the as-run log keeps them and `--headless` prints
them as JSON lines (`event.to_json()`). Each has `at` (the injected clock's
instant), a `kind` string and a human `message`; every field is plain data
(`to_dict()` turns datetimes into ISO strings and timedeltas into milliseconds).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, ClassVar

JsonValue = str | int | float | bool | None | list[Any] | dict[str, Any]


def _plain(value: Any) -> JsonValue:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return round(value.total_seconds() * 1000, 3)
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, tuple | list | frozenset | set):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _ms(delta: timedelta | None) -> str:
    return "?" if delta is None else f"{delta.total_seconds() * 1000:.0f} ms"


@dataclass(frozen=True)
class ObsEvent:
    """Base of every controller event."""

    kind: ClassVar[str] = "obs_event"
    #: which events should raise a visible alarm on the dashboard
    alarm: ClassVar[bool] = False

    at: datetime

    @property
    def message(self) -> str:
        return self.kind.replace("_", " ")

    def to_dict(self) -> dict[str, JsonValue]:
        out: dict[str, JsonValue] = {"kind": self.kind}
        for f in fields(self):
            out[f.name] = _plain(getattr(self, f.name))
        out["message"] = self.message
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)


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
    alarm: ClassVar[bool] = True
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
    alarm: ClassVar[bool] = True
    url: str
    error: str

    @property
    def message(self) -> str:
        return self.error


@dataclass(frozen=True)
class ObsDisconnected(ObsEvent):
    kind: ClassVar[str] = "obs_disconnected"
    alarm: ClassVar[bool] = True
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
    alarm: ClassVar[bool] = True

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
    alarm: ClassVar[bool] = True
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
    reason: str  # dry_run | auto_switch_off | not_configured
    boundary_at: datetime

    @property
    def message(self) -> str:
        why = {"dry_run": "dry run", "auto_switch_off": "automatic switching is off"}
        return f"would switch to {self.scene} ({why.get(self.reason, 'OBS not configured')})"


@dataclass(frozen=True)
class SceneOverride(ObsEvent):
    """Someone put another scene on program by hand: not fought until the next boundary."""

    kind: ClassVar[str] = "scene_override"
    alarm: ClassVar[bool] = True
    scene: str
    desired: str | None

    @property
    def message(self) -> str:
        return (
            f"{self.scene} put on program by hand (the programme wants {self.desired}); "
            "leaving it until the next slot"
        )


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
    alarm: ClassVar[bool] = True
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


# ---------------------------------------------------------------------- outputs


@dataclass(frozen=True)
class StreamStarted(ObsEvent):
    kind: ClassVar[str] = "stream_started"

    @property
    def message(self) -> str:
        return "OBS is streaming"


@dataclass(frozen=True)
class StreamStopped(ObsEvent):
    kind: ClassVar[str] = "stream_stopped"

    @property
    def message(self) -> str:
        return "OBS stopped streaming"


@dataclass(frozen=True)
class RecordStarted(ObsEvent):
    kind: ClassVar[str] = "record_started"
    path: str | None = None

    @property
    def message(self) -> str:
        return "OBS is recording"


@dataclass(frozen=True)
class RecordStopped(ObsEvent):
    kind: ClassVar[str] = "record_stopped"
    path: str | None = None

    @property
    def message(self) -> str:
        return f"OBS stopped recording ({self.path})" if self.path else "OBS stopped recording"


# ---------------------------------------------------------------------- one-shot actions

_ACTION_WORDS = {
    "start_streaming": "start streaming",
    "stop_streaming": "stop streaming",
    "start_recording": "start recording",
    "stop_recording": "stop recording",
}


def action_words(action: str) -> str:
    return _ACTION_WORDS.get(action, action.replace("_", " "))


@dataclass(frozen=True)
class ActionSent(ObsEvent):
    kind: ClassVar[str] = "action_sent"
    action: str
    key: str

    @property
    def message(self) -> str:
        return f"asked OBS to {action_words(self.action)}"


@dataclass(frozen=True)
class ActionDone(ObsEvent):
    """A keyed action took effect: persist `key` so it is never sent again (as-run log)."""

    kind: ClassVar[str] = "action_done"
    action: str
    key: str
    note: str | None = None

    @property
    def message(self) -> str:
        note = f" ({self.note})" if self.note else ""
        return f"{action_words(self.action)}: done{note}"


@dataclass(frozen=True)
class ActionQueued(ObsEvent):
    kind: ClassVar[str] = "action_queued"
    action: str
    key: str

    @property
    def message(self) -> str:
        return f"OBS not connected: will {action_words(self.action)} when it is"


@dataclass(frozen=True)
class ActionFailed(ObsEvent):
    kind: ClassVar[str] = "action_failed"
    alarm: ClassVar[bool] = True
    action: str
    key: str
    error: str
    code: int | None
    will_retry: bool

    @property
    def message(self) -> str:
        then = "will retry" if self.will_retry else "not retried"
        return f"{action_words(self.action)} failed: {self.error} ({then})"


@dataclass(frozen=True)
class ActionSkipped(ObsEvent):
    kind: ClassVar[str] = "action_skipped"
    action: str
    key: str
    reason: str  # already_done | dry_run | dress_rehearsal | not_configured

    @property
    def message(self) -> str:
        if self.reason == "already_done":
            return f"{action_words(self.action)}: already done ({self.key}), not sent again"
        return f"would {action_words(self.action)} ({self.reason.replace('_', ' ')})"


# ---------------------------------------------------------------------- text sources


@dataclass(frozen=True)
class TextSet(ObsEvent):
    kind: ClassVar[str] = "text_set"
    source: str
    text: str
    sent: bool = True

    @property
    def message(self) -> str:
        verb = "set" if self.sent else "would set"
        return f"{verb} {self.source} to {self.text!r}"


@dataclass(frozen=True)
class TextFailed(ObsEvent):
    kind: ClassVar[str] = "text_failed"
    alarm: ClassVar[bool] = True
    source: str
    error: str

    @property
    def message(self) -> str:
        return f"cannot set text of {self.source}: {self.error}"
