"""The port: what timekeeper needs from OBS Studio, as a small typed protocol.

The controller, the preflight check and the tests talk to this protocol only;
`timekeeper.obs.client.ObsClient` implements it over obs-websocket 5 (through
`simpleobsws`), and the in-process fake server (`tests/obs/fake.py`) lets the real client be tested
without OBS. Every method either returns plain frozen data or raises one of
the `timekeeper.errors.ObsError` subclasses — never a library's own exception:

- `ObsConnectionError`: not connected, nothing answers, or the connection
  dropped while the request was in flight (the request may or may not have
  been carried out).
- `ObsAuthError`: OBS rejected the password or needs one (only from `connect`).
- `ObsTimeoutError`: OBS did not answer in time (it may still carry it out).
- `ObsRequestError`: OBS answered with an error status; `.code` is
  obs-websocket's RequestStatus (600 = no such source/scene, 500 = output
  already running, 501 = output not running, 506 = studio mode not active).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from timekeeper.errors import ObsRequestError

# obs-websocket RequestStatus codes that callers branch on.
CODE_OUTPUT_RUNNING = 500
CODE_OUTPUT_NOT_RUNNING = 501
CODE_STUDIO_MODE_NOT_ACTIVE = 506
CODE_RESOURCE_NOT_FOUND = 600

# WebSocket close codes obs-websocket uses.
CLOSE_AUTHENTICATION_FAILED = 4009
CLOSE_SERVER_STOPPING = 1001


@dataclass(frozen=True)
class ObsInfo:
    """What OBS said about itself when we connected."""

    obs_version: str
    websocket_version: str
    rpc_version: int


@dataclass(frozen=True)
class SceneList:
    """Scenes in the order OBS's scene list shows them (top first)."""

    scenes: tuple[str, ...]
    program: str
    preview: str | None  # None unless studio mode is on


@dataclass(frozen=True)
class TransitionList:
    names: tuple[str, ...]
    current: str | None


@dataclass(frozen=True)
class InputInfo:
    name: str
    kind: str  # unversioned, e.g. "text_ft2_source", "text_gdiplus"


@dataclass(frozen=True)
class OutputStatus:
    """State of the stream or record output."""

    active: bool
    reconnecting: bool = False
    timecode: str | None = None


@dataclass(frozen=True)
class VideoSettings:
    fps: float
    base_width: int
    base_height: int

    @property
    def frame_interval(self) -> float:
        """Seconds between two rendered frames: the granularity of a program scene change."""
        return 1.0 / self.fps if self.fps > 0 else 0.0


# ----------------------------------------------------------------------- events from OBS


@dataclass(frozen=True)
class ProgramSceneChanged:
    """OBS put `scene` on program (obs-websocket's CurrentProgramSceneChanged)."""

    scene: str


@dataclass(frozen=True)
class PreviewSceneChanged:
    scene: str


@dataclass(frozen=True)
class StudioModeChanged:
    enabled: bool


@dataclass(frozen=True)
class StreamStateChanged:
    active: bool
    state: str  # e.g. "OBS_WEBSOCKET_OUTPUT_STARTED"


@dataclass(frozen=True)
class RecordStateChanged:
    active: bool
    state: str
    path: str | None = None


@dataclass(frozen=True)
class SceneCreated:
    scene: str


@dataclass(frozen=True)
class SceneRemoved:
    scene: str


@dataclass(frozen=True)
class SceneRenamed:
    """obs-websocket's SceneNameChanged."""

    old: str
    new: str


@dataclass(frozen=True)
class SceneListChanged:
    """The whole scene list, top first (as `SceneList.scenes`)."""

    scenes: tuple[str, ...]


@dataclass(frozen=True)
class ExitStarted:
    """OBS is shutting down cleanly (the connection closes with 1001 right after)."""


@dataclass(frozen=True)
class CustomEvent:
    """Another obs-websocket client's BroadcastCustomEvent (our own come back too)."""

    data: dict[str, Any]


@dataclass(frozen=True)
class Disconnected:
    """An identified connection ended, for whatever reason (also after `close()`)."""

    code: int | None
    reason: str
    by_client: bool = False


PortEvent = (
    ProgramSceneChanged
    | PreviewSceneChanged
    | StudioModeChanged
    | StreamStateChanged
    | RecordStateChanged
    | SceneCreated
    | SceneRemoved
    | SceneRenamed
    | SceneListChanged
    | ExitStarted
    | CustomEvent
    | Disconnected
)
EventHandler = Callable[[PortEvent], None]


class ObsPort(Protocol):
    """Everything timekeeper asks of OBS. See the module docstring for the errors."""

    @property
    def url(self) -> str:
        """The websocket URL (never contains the password)."""
        ...

    @property
    def connected(self) -> bool:
        """True while identified with obs-websocket and the receive side is alive."""
        ...

    async def connect(self) -> ObsInfo:
        """Open and identify a connection (closing any previous one first).

        Raises ObsConnectionError (refused, unreachable, not obs-websocket),
        ObsAuthError (wrong or missing password — quickly, not after a timeout)
        or ObsTimeoutError (no identification within the connect timeout).
        """
        ...

    async def close(self) -> None:
        """Close the connection if open; never raises. Emits Disconnected(by_client=True)."""
        ...

    def subscribe(self, handler: EventHandler) -> Callable[[], None]:
        """Call `handler` (on the event loop, synchronously) for each PortEvent.

        Subscriptions survive reconnects. Returns a function that unsubscribes.
        A handler that raises is logged and otherwise ignored.
        """
        ...

    async def get_scene_list(self) -> SceneList:
        """All scenes, and the program and preview scenes."""
        ...

    async def get_current_program_scene(self) -> str:
        """Name of the scene on program (what the stream shows)."""
        ...

    async def set_current_program_scene(self, scene: str) -> None:
        """Ask OBS to put `scene` on program with the current transition.

        Success means OBS accepted the request, not that the scene is on air:
        that is confirmed only by a ProgramSceneChanged event. Raises
        ObsRequestError code 600 if no such scene.
        """
        ...

    async def switch(
        self,
        scene: str,
        *,
        transition: str | None = None,
        duration_ms: int | None = None,
        from_preview: bool = False,
    ) -> tuple[ObsRequestError, ...]:
        """Put `scene` on program in ONE message (a serial request batch).

        Why one message: the transition must be set before the switch, and
        sending it first and waiting for the reply would add a round trip
        between the boundary and the switch.

        `from_preview`: OBS is in studio mode and already shows `scene` on
        preview; transition it with TriggerStudioModeTransition. Only pass it
        when a CurrentPreviewSceneChanged event has confirmed the preview:
        OBS 29 applies a preview change asynchronously (on its UI thread), and
        a trigger sent right after SetCurrentPreviewScene transitions the
        *old* preview (measured: 7 of 12 wrong).

        Raises ObsRequestError if the switch itself was refused (600: no such
        scene). Returns the errors of the transition part, which do not stop
        the switch (it then runs with OBS's current transition).
        """
        ...

    async def get_current_preview_scene(self) -> str:
        """The preview scene; ObsRequestError 506 when studio mode is off."""
        ...

    async def set_current_preview_scene(self, scene: str) -> None:
        """Set the preview scene; ObsRequestError 506 when studio mode is off, 600 if missing."""
        ...

    async def get_studio_mode(self) -> bool:
        """Whether OBS is in studio mode (preview and program separate)."""
        ...

    async def set_studio_mode(self, enabled: bool) -> None:
        """Turn studio mode on or off."""
        ...

    async def trigger_studio_mode_transition(self) -> None:
        """Transition preview to program; ObsRequestError 506 when studio mode is off."""
        ...

    async def get_transition_list(self) -> TransitionList:
        """The scene transitions OBS has, and the current one."""
        ...

    async def set_current_scene_transition(self, name: str, duration_ms: int | None = None) -> None:
        """Make `name` the current transition (600 if missing), optionally with a duration."""
        ...

    async def get_input_list(self, kind: str | None = None) -> tuple[InputInfo, ...]:
        """Inputs (sources), optionally only those of an unversioned input kind."""
        ...

    async def set_text(self, source: str, text: str) -> None:
        """Set the `text` setting of a text source (600 if no such input)."""
        ...

    async def get_video_settings(self) -> VideoSettings:
        """Canvas size and frame rate."""
        ...

    async def get_stream_status(self) -> OutputStatus:
        """Whether the stream output is active."""
        ...

    async def get_record_status(self) -> OutputStatus:
        """Whether the record output is active."""
        ...

    async def start_stream(self) -> None:
        """Start streaming; ObsRequestError 500 if already streaming."""
        ...

    async def stop_stream(self) -> None:
        """Stop streaming; ObsRequestError 501 if not streaming."""
        ...

    async def start_record(self) -> None:
        """Start recording; ObsRequestError 500 if already recording."""
        ...

    async def stop_record(self) -> None:
        """Stop recording; ObsRequestError 501 if not recording."""
        ...

    async def broadcast_custom_event(self, data: dict[str, Any]) -> None:
        """Send `data` to every client of this OBS as a CustomEvent (changes nothing in OBS)."""
        ...
