"""The port's typed requests, each one obs-websocket 5 request (or a serial batch).

Owns how each `ObsPort` request maps to obs-websocket 5 request types and
their fields, and how their replies become the port's data (`SceneList`,
`TransitionList`, `InputInfo`, `VideoSettings`, `OutputStatus`), including
`switch`: transition and duration set in the same in-order batch as the switch,
a failed transition reported but not stopping the switch. It must not import
simpleobsws nor manage the connection: `ObsClient` (in `client`) provides
`_call` and `_batch`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from timekeeper.errors import ObsRequestError
from timekeeper.obs.port import InputInfo, OutputStatus, SceneList, TransitionList, VideoSettings
from timekeeper.obs.protocol import error_of, output_status


class ObsRequests:
    """The typed half of `ObsClient`: every request of the port, over `_call` and `_batch`."""

    async def _call(self, request_type: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        raise NotImplementedError

    async def _batch(
        self, requests: Sequence[tuple[str, dict[str, Any] | None]], *, halt: bool
    ) -> list[Any]:
        raise NotImplementedError

    async def get_scene_list(self) -> SceneList:
        d = await self._call("GetSceneList")
        scenes = sorted(d.get("scenes") or [], key=lambda s: -int(s.get("sceneIndex", 0)))
        return SceneList(
            scenes=tuple(str(s["sceneName"]) for s in scenes),
            program=str(d.get("currentProgramSceneName") or ""),
            preview=d.get("currentPreviewSceneName"),
        )

    async def get_current_program_scene(self) -> str:
        d = await self._call("GetCurrentProgramScene")
        return str(d.get("currentProgramSceneName") or d.get("sceneName") or "")

    async def set_current_program_scene(self, scene: str) -> None:
        await self._call("SetCurrentProgramScene", {"sceneName": scene})

    async def switch(
        self,
        scene: str,
        *,
        transition: str | None = None,
        duration_ms: int | None = None,
        from_preview: bool = False,
    ) -> tuple[ObsRequestError, ...]:
        prep: list[tuple[str, dict[str, Any] | None]] = []
        if transition is not None:
            prep.append(("SetCurrentSceneTransition", {"transitionName": transition}))
        if duration_ms is not None:
            prep.append(("SetCurrentSceneTransitionDuration", {"transitionDuration": duration_ms}))
        final: tuple[str, dict[str, Any] | None] = (
            ("TriggerStudioModeTransition", None)
            if from_preview
            else ("SetCurrentProgramScene", {"sceneName": scene})
        )
        if not prep:
            await self._call(*final)
            return ()
        # haltOnFailure off: a transition that cannot be set must not stop the switch.
        results = await self._batch([*prep, final], halt=False)
        if len(results) != len(prep) + 1:
            raise ObsRequestError(final[0], 0, "incomplete batch reply")
        last = error_of(results[-1])
        if last is not None:
            raise last
        return tuple(e for e in map(error_of, results[:-1]) if e is not None)

    async def get_current_preview_scene(self) -> str:
        d = await self._call("GetCurrentPreviewScene")
        return str(d.get("currentPreviewSceneName") or d.get("sceneName") or "")

    async def set_current_preview_scene(self, scene: str) -> None:
        await self._call("SetCurrentPreviewScene", {"sceneName": scene})

    async def get_studio_mode(self) -> bool:
        d = await self._call("GetStudioModeEnabled")
        return bool(d.get("studioModeEnabled"))

    async def set_studio_mode(self, enabled: bool) -> None:
        await self._call("SetStudioModeEnabled", {"studioModeEnabled": enabled})

    async def trigger_studio_mode_transition(self) -> None:
        await self._call("TriggerStudioModeTransition")

    async def get_transition_list(self) -> TransitionList:
        d = await self._call("GetSceneTransitionList")
        return TransitionList(
            names=tuple(str(t["transitionName"]) for t in d.get("transitions") or []),
            current=d.get("currentSceneTransitionName"),
        )

    async def set_current_scene_transition(self, name: str, duration_ms: int | None = None) -> None:
        await self._call("SetCurrentSceneTransition", {"transitionName": name})
        if duration_ms is not None:
            await self._call(
                "SetCurrentSceneTransitionDuration", {"transitionDuration": duration_ms}
            )

    async def get_input_list(self, kind: str | None = None) -> tuple[InputInfo, ...]:
        d = await self._call("GetInputList", {"inputKind": kind} if kind else None)
        return tuple(
            InputInfo(
                name=str(i["inputName"]),
                kind=str(i.get("unversionedInputKind") or i.get("inputKind") or ""),
            )
            for i in d.get("inputs") or []
        )

    async def set_text(self, source: str, text: str) -> None:
        await self._call(
            "SetInputSettings",
            {"inputName": source, "inputSettings": {"text": text}, "overlay": True},
        )

    async def get_video_settings(self) -> VideoSettings:
        d = await self._call("GetVideoSettings")
        num, den = float(d.get("fpsNumerator") or 0), float(d.get("fpsDenominator") or 1)
        return VideoSettings(
            fps=num / den if den else 0.0,
            base_width=int(d.get("baseWidth") or 0),
            base_height=int(d.get("baseHeight") or 0),
        )

    async def get_stream_status(self) -> OutputStatus:
        return output_status(await self._call("GetStreamStatus"))

    async def get_record_status(self) -> OutputStatus:
        return output_status(await self._call("GetRecordStatus"))

    async def start_stream(self) -> None:
        await self._call("StartStream")

    async def stop_stream(self) -> None:
        await self._call("StopStream")

    async def start_record(self) -> None:
        await self._call("StartRecord")

    async def stop_record(self) -> None:
        await self._call("StopRecord")

    async def broadcast_custom_event(self, data: dict[str, Any]) -> None:
        await self._call("BroadcastCustomEvent", {"eventData": data})
