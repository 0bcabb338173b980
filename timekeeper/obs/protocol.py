"""obs-websocket 5 as plain data: event subscriptions, events, request statuses, messages.

Owns the translation between obs-websocket 5's messages and the port's types
(`port_event`: OBS events -> `PortEvent`s; `error_of`/`check`: a reply's
`requestStatus` -> `ObsRequestError`; `output_status`), the event
subscription bits timekeeper asks for, what the operator is told when a
connection is refused or a password is missing or wrong, and the `Secret`
that keeps the password out of reprs. It must not import simpleobsws or
open connections (that is `client`, the only module importing simpleobsws).
"""

from __future__ import annotations

from typing import Any

from timekeeper.errors import ObsRequestError
from timekeeper.obs.port import (
    CustomEvent,
    ExitStarted,
    OutputStatus,
    PortEvent,
    PreviewSceneChanged,
    ProgramSceneChanged,
    RecordStateChanged,
    SceneCreated,
    SceneListChanged,
    SceneRemoved,
    SceneRenamed,
    StreamStateChanged,
    StudioModeChanged,
)

DEFAULT_URL = "ws://127.0.0.1:4455"

# obs-websocket EventSubscription bits. Not "All": the Transitions category
# (SceneTransitionStarted, ...) arrives right before a switch's reply, which is
# exactly what triggers the Nagle/delayed-ACK stall; we confirm switches with
# CurrentProgramSceneChanged (Scenes) and need nothing from Transitions.
SUB_GENERAL = 1 << 0  # ExitStarted, CustomEvent
SUB_SCENES = (
    1 << 2
)  # Current{Program,Preview}SceneChanged, Scene{Created,Removed,NameChanged,ListChanged}
SUB_OUTPUTS = 1 << 6  # StreamStateChanged, RecordStateChanged
SUB_UI = 1 << 10  # StudioModeStateChanged
EVENT_SUBSCRIPTIONS = SUB_GENERAL | SUB_SCENES | SUB_OUTPUTS | SUB_UI


class Secret:
    """A string that does not show itself in reprs, tracebacks' locals or f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str | None) -> None:
        self._value = value or ""

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "<hidden>" if self._value else "<empty>"

    __str__ = __repr__


def refused_message(url: str) -> str:
    """What to tell the operator when nothing listens at `url`."""
    return (
        f"nothing answers at {url} — is OBS running with its WebSocket server enabled "
        "(Tools > WebSocket Server Settings)?"
    )


def missing_password_message(password_env: str | None) -> str:
    if password_env:
        return (
            f"OBS requires a password: set the environment variable {password_env} "
            "to the WebSocket server password"
        )
    return (
        "OBS requires a password: name an environment variable in the programme's "
        "obs.password_env and set it to the WebSocket server password"
    )


def wrong_password_message(password_env: str | None) -> str:
    where = f" (from ${password_env})" if password_env else ""
    return (
        f"OBS rejected the password{where}: compare it with "
        "Tools > WebSocket Server Settings > Show Connect Info"
    )


def check(request_type: str, response: Any) -> None:
    error = error_of(response, request_type)
    if error is not None:
        raise error


def error_of(response: Any, request_type: str | None = None) -> ObsRequestError | None:
    status = response.requestStatus
    if status.result:
        return None
    return ObsRequestError(
        request_type or response.requestType, int(status.code or 0), str(status.comment or "")
    )


def output_status(d: dict[str, Any]) -> OutputStatus:
    return OutputStatus(
        active=bool(d.get("outputActive")),
        reconnecting=bool(d.get("outputReconnecting", False)),
        timecode=d.get("outputTimecode"),
    )


def port_event(event_type: str, data: dict[str, Any]) -> PortEvent | None:
    """obs-websocket event -> PortEvent (None for events the port does not expose)."""
    if event_type == "CurrentProgramSceneChanged":
        return ProgramSceneChanged(scene=str(data.get("sceneName", "")))
    if event_type == "CurrentPreviewSceneChanged":
        return PreviewSceneChanged(scene=str(data.get("sceneName", "")))
    if event_type == "StudioModeStateChanged":
        return StudioModeChanged(enabled=bool(data.get("studioModeEnabled")))
    if event_type == "StreamStateChanged":
        return StreamStateChanged(
            active=bool(data.get("outputActive")), state=str(data.get("outputState", ""))
        )
    if event_type == "RecordStateChanged":
        return RecordStateChanged(
            active=bool(data.get("outputActive")),
            state=str(data.get("outputState", "")),
            path=data.get("outputPath"),
        )
    if event_type in ("SceneCreated", "SceneRemoved") and not data.get("isGroup"):
        scene = str(data.get("sceneName", ""))
        return SceneCreated(scene) if event_type == "SceneCreated" else SceneRemoved(scene)
    if event_type == "SceneNameChanged":
        return SceneRenamed(
            old=str(data.get("oldSceneName", "")), new=str(data.get("sceneName", ""))
        )
    if event_type == "SceneListChanged":
        listed = [s for s in data.get("scenes") or [] if isinstance(s, dict)]
        listed.sort(key=lambda s: -int(s.get("sceneIndex", 0)))
        return SceneListChanged(scenes=tuple(str(s.get("sceneName", "")) for s in listed))
    if event_type == "ExitStarted":
        return ExitStarted()
    if event_type == "CustomEvent":
        return CustomEvent(data=dict(data))
    return None
