"""The fake OBS's state and how each obs-websocket request changes it (see `fake`).

Owns what the fake keeps of OBS (scenes, program/preview, studio mode,
transitions, text inputs, stream/record) and the request handlers (`_r_<RequestType>`),
with the OBS 29 behaviours timekeeper depends on: error codes 600/500/501/506,
no CurrentProgramSceneChanged when switching to the scene already on program,
the event a frame after the reply, output events in two steps. It must not
speak the protocol: `FakeObs` in `fake` owns the server, sessions and sending.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

STARTED = "OBS_WEBSOCKET_OUTPUT_STARTED"
STARTING = "OBS_WEBSOCKET_OUTPUT_STARTING"
STOPPED = "OBS_WEBSOCKET_OUTPUT_STOPPED"
STOPPING = "OBS_WEBSOCKET_OUTPUT_STOPPING"


class RequestRefused(Exception):
    """A request OBS answers with an error status (`code`, optional `comment`)."""

    def __init__(self, code: int, comment: str = "") -> None:
        super().__init__(comment)
        self.code = code
        self.comment = comment


class FakeRequests:
    """The request handlers of `FakeObs`, over its state fields (declared here, set there)."""

    scenes: list[str]
    transitions: list[str]
    inputs: dict[str, str]
    fps: int
    event_delay: float
    emit_program_events: bool
    program: str
    preview: str
    studio_mode: bool
    streaming: bool
    recording: bool
    current_transition: str
    transition_duration: int
    input_settings: dict[str, dict[str, Any]]
    record_files: list[str]

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        raise NotImplementedError

    async def _broadcast(self, event_type: str, data: dict[str, Any]) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ requests

    def _scene(self, name: str) -> str:
        if name not in self.scenes:
            raise RequestRefused(600, f"No source was found by the name of `{name}`.")
        return name

    def _r_GetVersion(self, d: dict[str, Any]) -> dict[str, Any]:
        return {"obsVersion": "29.0.2-fake", "obsWebSocketVersion": "5.1.0", "rpcVersion": 1}

    def _r_GetSceneList(self, d: dict[str, Any]) -> dict[str, Any]:
        n = len(self.scenes)
        return {
            "currentProgramSceneName": self.program,
            "currentPreviewSceneName": self.preview if self.studio_mode else None,
            "scenes": [
                {"sceneName": s, "sceneIndex": n - 1 - i} for i, s in enumerate(self.scenes)
            ][::-1],
        }

    def _r_GetCurrentProgramScene(self, d: dict[str, Any]) -> dict[str, Any]:
        return {"currentProgramSceneName": self.program}

    def _r_SetCurrentProgramScene(self, d: dict[str, Any]) -> None:
        scene = self._scene(d["sceneName"])
        self._spawn(self._change_program(scene, self.event_delay))

    def _r_GetCurrentPreviewScene(self, d: dict[str, Any]) -> dict[str, Any]:
        self._need_studio()
        return {"currentPreviewSceneName": self.preview}

    def _r_SetCurrentPreviewScene(self, d: dict[str, Any]) -> None:
        self._need_studio()
        self.preview = self._scene(d["sceneName"])
        self._spawn(self._broadcast("CurrentPreviewSceneChanged", {"sceneName": self.preview}))

    def _r_GetStudioModeEnabled(self, d: dict[str, Any]) -> dict[str, Any]:
        return {"studioModeEnabled": self.studio_mode}

    def _r_SetStudioModeEnabled(self, d: dict[str, Any]) -> None:
        enabled = bool(d["studioModeEnabled"])
        if enabled != self.studio_mode:
            self.studio_mode = enabled
            self.preview = self.program
            self._spawn(self._broadcast("StudioModeStateChanged", {"studioModeEnabled": enabled}))

    def _r_TriggerStudioModeTransition(self, d: dict[str, Any]) -> None:
        self._need_studio()
        old, new = self.program, self.preview
        self.preview = old
        self._spawn(self._change_program(new, self.event_delay, also_preview=old))

    def _r_GetSceneTransitionList(self, d: dict[str, Any]) -> dict[str, Any]:
        return {
            "currentSceneTransitionName": self.current_transition,
            "transitions": [{"transitionName": t} for t in self.transitions],
        }

    def _r_SetCurrentSceneTransition(self, d: dict[str, Any]) -> None:
        name = d["transitionName"]
        if name not in self.transitions:
            raise RequestRefused(600, "No scene transition was found by that name.")
        self.current_transition = name

    def _r_SetCurrentSceneTransitionDuration(self, d: dict[str, Any]) -> None:
        ms = int(d["transitionDuration"])
        if not 50 <= ms <= 20000:
            raise RequestRefused(402, "The field value of `transitionDuration` is out of range.")
        self.transition_duration = ms

    def _r_GetInputList(self, d: dict[str, Any]) -> dict[str, Any]:
        kind = d.get("inputKind")
        return {
            "inputs": [
                {"inputName": n, "inputKind": k, "unversionedInputKind": k.removesuffix("_v2")}
                for n, k in self.inputs.items()
                if kind is None or k.removesuffix("_v2") == kind or k == kind
            ]
        }

    def _r_SetInputSettings(self, d: dict[str, Any]) -> None:
        name = d["inputName"]
        if name not in self.inputs:
            raise RequestRefused(600, f"No source was found by the name of `{name}`.")
        self.input_settings.setdefault(name, {}).update(d["inputSettings"])

    def _r_GetInputSettings(self, d: dict[str, Any]) -> dict[str, Any]:
        name = d["inputName"]
        if name not in self.inputs:
            raise RequestRefused(600, f"No source was found by the name of `{name}`.")
        return {
            "inputSettings": dict(self.input_settings.get(name, {})),
            "inputKind": self.inputs[name],
        }

    def _r_GetVideoSettings(self, d: dict[str, Any]) -> dict[str, Any]:
        return {
            "fpsNumerator": self.fps,
            "fpsDenominator": 1,
            "baseWidth": 640,
            "baseHeight": 360,
            "outputWidth": 640,
            "outputHeight": 360,
        }

    def _r_GetStreamStatus(self, d: dict[str, Any]) -> dict[str, Any]:
        return {"outputActive": self.streaming, "outputReconnecting": False}

    def _r_GetRecordStatus(self, d: dict[str, Any]) -> dict[str, Any]:
        return {"outputActive": self.recording, "outputPaused": False}

    def _r_StartStream(self, d: dict[str, Any]) -> None:
        if self.streaming:
            raise RequestRefused(500)
        self.streaming = True
        self._spawn(self._output_events("StreamStateChanged", True, None))

    def _r_StopStream(self, d: dict[str, Any]) -> None:
        if not self.streaming:
            raise RequestRefused(501)
        self.streaming = False
        self._spawn(self._output_events("StreamStateChanged", False, None))

    def _r_StartRecord(self, d: dict[str, Any]) -> None:
        if self.recording:
            raise RequestRefused(500)
        self.recording = True
        path = f"/tmp/fake-recording-{len(self.record_files) + 1}.mkv"
        self.record_files.append(path)
        self._spawn(self._output_events("RecordStateChanged", True, path))

    def _r_StopRecord(self, d: dict[str, Any]) -> dict[str, Any]:
        if not self.recording:
            raise RequestRefused(501)
        self.recording = False
        path = self.record_files[-1] if self.record_files else None
        self._spawn(self._output_events("RecordStateChanged", False, path))
        return {"outputPath": path}

    def _r_BroadcastCustomEvent(self, d: dict[str, Any]) -> None:
        data = d["eventData"]
        if not isinstance(data, dict):
            raise RequestRefused(400, "The field value of `eventData` must be an object.")
        self._spawn(self._broadcast("CustomEvent", data))

    def _r_CreateScene(self, d: dict[str, Any]) -> None:
        name = d["sceneName"]
        if name in self.scenes:
            raise RequestRefused(601, "A source already exists by that scene name.")
        self.scenes.append(name)

    def _r_SetSceneName(self, d: dict[str, Any]) -> None:
        old, new = self._scene(d["sceneName"]), d["newSceneName"]
        if new in self.scenes:
            raise RequestRefused(601, "A source already exists by that new scene name.")
        self.scenes[self.scenes.index(old)] = new
        self.program = new if self.program == old else self.program
        self.preview = new if self.preview == old else self.preview
        self._spawn(
            self._scenes_changed("SceneNameChanged", {"oldSceneName": old, "sceneName": new})
        )

    def _r_RemoveScene(self, d: dict[str, Any]) -> None:
        scene = self._scene(d["sceneName"])
        if len(self.scenes) == 1:
            raise RequestRefused(703, "You cannot remove the last scene in the collection.")
        self.scenes.remove(scene)
        self._spawn(self._scenes_changed("SceneRemoved", {"sceneName": scene, "isGroup": False}))
        if self.program == scene:
            self.program = self.scenes[0]
            self._spawn(self._broadcast("CurrentProgramSceneChanged", {"sceneName": self.program}))

    def _need_studio(self) -> None:
        if not self.studio_mode:
            raise RequestRefused(506, "Studio mode is not enabled.")

    # ------------------------------------------------------------------ events

    async def _change_program(
        self, scene: str, delay: float, also_preview: str | None = None
    ) -> None:
        if delay:
            await asyncio.sleep(delay)
        if scene == self.program and also_preview is None:
            return  # as real OBS: switching to the scene on program sends no event
        self.program = scene
        if also_preview is not None:
            await self._broadcast("CurrentPreviewSceneChanged", {"sceneName": also_preview})
        if self.emit_program_events:
            await self._broadcast("CurrentProgramSceneChanged", {"sceneName": scene})

    async def _scenes_changed(self, event_type: str, data: dict[str, Any]) -> None:
        await self._broadcast(event_type, data)
        n = len(self.scenes)
        listed = [{"sceneName": s, "sceneIndex": n - 1 - i} for i, s in enumerate(self.scenes)]
        await self._broadcast("SceneListChanged", {"scenes": listed})

    async def _output_events(self, event_type: str, active: bool, path: str | None) -> None:
        first, last = (STARTING, STARTED) if active else (STOPPING, STOPPED)
        await self._broadcast(event_type, {"outputActive": False, "outputState": first})
        await asyncio.sleep(0.005)
        data: dict[str, Any] = {"outputActive": active, "outputState": last}
        if event_type == "RecordStateChanged":
            data["outputPath"] = path
        await self._broadcast(event_type, data)
