"""The fence on the wire: every request that changes OBS passes `clear` first.

Owns one rule's enforcement point (the rule itself is `takeover.Fencing.clear`,
on `announce_rules.lease_fresh`): a standby or a fenced run sends nothing that
changes program, preview, studio mode, transitions, texts, stream or record,
whichever part asks, and a pair's driver resumed from a freeze reads what OBS
said meanwhile before it sends. `FencedPort` wraps the port the parts use
(`ObsContext.port`); reads, announcements and the connection pass through
untouched. `clear` returns at once while the driver's lease is fresh (no loop
hop on a boundary's path); it raises `FencedOff` to refuse (nothing was sent:
the shells drop the reply, the stand-down already finished the job).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from timekeeper.errors import ObsRequestError
from timekeeper.obs.port import (
    EventHandler,
    InputInfo,
    ObsInfo,
    ObsPort,
    OutputStatus,
    SceneList,
    TransitionList,
    VideoSettings,
)

Clear = Callable[[str], Awaitable[None]]  # raises FencedOff: not sent


class FencedOff(ObsRequestError):
    """Not sent: this run stands by, or stood down while the request waited for its lease."""

    def __init__(self, request: str, role: str) -> None:
        super().__init__(request, 0, f"not sent: this run is {role}")


class FencedPort:
    """An `ObsPort` whose requests that change OBS wait for (or are refused by) `clear`."""

    def __init__(self, port: ObsPort, clear: Clear) -> None:
        self._port = port
        self._clear = clear

    # ------------------------------------------------------------------ passed through

    @property
    def url(self) -> str:
        return self._port.url

    @property
    def connected(self) -> bool:
        return self._port.connected

    async def connect(self) -> ObsInfo:
        return await self._port.connect()

    async def close(self) -> None:
        await self._port.close()

    def subscribe(self, handler: EventHandler) -> Callable[[], None]:
        return self._port.subscribe(handler)

    async def get_scene_list(self) -> SceneList:
        return await self._port.get_scene_list()

    async def get_current_program_scene(self) -> str:
        return await self._port.get_current_program_scene()

    async def get_current_preview_scene(self) -> str:
        return await self._port.get_current_preview_scene()

    async def get_studio_mode(self) -> bool:
        return await self._port.get_studio_mode()

    async def get_transition_list(self) -> TransitionList:
        return await self._port.get_transition_list()

    async def get_input_list(self, kind: str | None = None) -> tuple[InputInfo, ...]:
        return await self._port.get_input_list(kind)

    async def get_video_settings(self) -> VideoSettings:
        return await self._port.get_video_settings()

    async def get_stream_status(self) -> OutputStatus:
        return await self._port.get_stream_status()

    async def get_record_status(self) -> OutputStatus:
        return await self._port.get_record_status()

    async def broadcast_custom_event(self, data: dict[str, Any]) -> None:
        await self._port.broadcast_custom_event(data)

    # ------------------------------------------------------------------ fenced

    async def set_current_program_scene(self, scene: str) -> None:
        await self._clear("SetCurrentProgramScene")
        await self._port.set_current_program_scene(scene)

    async def switch(
        self,
        scene: str,
        *,
        transition: str | None = None,
        duration_ms: int | None = None,
        from_preview: bool = False,
    ) -> tuple[ObsRequestError, ...]:
        await self._clear("SetCurrentProgramScene")
        return await self._port.switch(
            scene, transition=transition, duration_ms=duration_ms, from_preview=from_preview
        )

    async def switch_if(
        self,
        still: Callable[[], bool],
        scene: str,
        *,
        transition: str | None = None,
        duration_ms: int | None = None,
        from_preview: bool = False,
    ) -> tuple[ObsRequestError, ...] | None:
        """`switch`, unless `still()` is False once cleared (None: not sent). A switch that
        waited for the lease may have been superseded meanwhile; the newer one may already
        have left, and sending this one after it would leave OBS on the older scene."""
        await self._clear("SetCurrentProgramScene")
        if not still():
            return None
        return await self._port.switch(
            scene, transition=transition, duration_ms=duration_ms, from_preview=from_preview
        )

    async def set_current_preview_scene(self, scene: str) -> None:
        await self._clear("SetCurrentPreviewScene")
        await self._port.set_current_preview_scene(scene)

    async def set_studio_mode(self, enabled: bool) -> None:
        await self._clear("SetStudioModeEnabled")
        await self._port.set_studio_mode(enabled)

    async def trigger_studio_mode_transition(self) -> None:
        await self._clear("TriggerStudioModeTransition")
        await self._port.trigger_studio_mode_transition()

    async def set_current_scene_transition(self, name: str, duration_ms: int | None = None) -> None:
        await self._clear("SetCurrentSceneTransition")
        await self._port.set_current_scene_transition(name, duration_ms)

    async def set_text(self, source: str, text: str) -> None:
        await self._clear("SetInputSettings")
        await self._port.set_text(source, text)

    async def start_stream(self) -> None:
        await self._clear("StartStream")
        await self._port.start_stream()

    async def stop_stream(self) -> None:
        await self._clear("StopStream")
        await self._port.stop_stream()

    async def start_record(self) -> None:
        await self._clear("StartRecord")
        await self._port.start_record()

    async def stop_record(self) -> None:
        await self._clear("StopRecord")
        await self._port.stop_record()
