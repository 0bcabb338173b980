"""A fast in-process fake obs-websocket 5 server, for tests of the adapter and the controller.

It speaks the real protocol on 127.0.0.1 (Hello with an authentication
challenge when a password is set, Identify -> Identified, Request ->
RequestResponse, RequestBatch -> RequestBatchResponse, Event), in msgpack or
JSON as the client asks, so the real `ObsClient` (through simpleobsws) is what
gets tested. It keeps the state timekeeper touches (scenes, program/preview,
studio mode, transitions, text inputs, stream/record) and mirrors the real
OBS 29 behaviours recorded in ../shared/obs-headless.md: no
CurrentProgramSceneChanged when switching to the scene already on program,
the event after the reply and a frame later, 600/500/501/506 error codes,
4009 on a bad password, 1001 on a clean stop.

Knobs to misbehave: `reply_delay`, `event_delay`, `emit_program_events`,
`fail_next()`, `drop()`, `stalled`, `refuse_auth`, `send_garbage()`,
`manual_switch()`, `stop()` / `start()` on the same port.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Any

import msgpack  # type: ignore[import-untyped]
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

# Event categories (obs-websocket EventSubscription bits) of the events the fake sends.
_CATEGORY = {
    "ExitStarted": 1 << 0,
    "SceneCreated": 1 << 2,
    "SceneListChanged": 1 << 2,
    "CurrentProgramSceneChanged": 1 << 2,
    "CurrentPreviewSceneChanged": 1 << 2,
    "StreamStateChanged": 1 << 6,
    "RecordStateChanged": 1 << 6,
    "StudioModeStateChanged": 1 << 10,
}
_ALL_NON_HIGH_VOLUME = 0x7FF

STARTED = "OBS_WEBSOCKET_OUTPUT_STARTED"
STARTING = "OBS_WEBSOCKET_OUTPUT_STARTING"
STOPPED = "OBS_WEBSOCKET_OUTPUT_STOPPED"
STOPPING = "OBS_WEBSOCKET_OUTPUT_STOPPING"


class _Fail(Exception):
    def __init__(self, code: int, comment: str = "") -> None:
        super().__init__(comment)
        self.code = code
        self.comment = comment


@dataclass(eq=False)
class _Session:
    conn: ServerConnection
    binary: bool
    identified: bool = False
    subscriptions: int = _ALL_NON_HIGH_VOLUME


@dataclass
class FakeObs:
    """The server and its OBS state. Use `async with FakeObs(...) as obs:` or start()/stop()."""

    scenes: list[str] = field(
        default_factory=lambda: ["Holding", "Intro", "Keynote", "Panel", "Q&A"]
    )
    password: str | None = None
    transitions: list[str] = field(default_factory=lambda: ["Cut", "Fade"])
    inputs: dict[str, str] = field(default_factory=lambda: {"Countdown": "text_ft2_source_v2"})
    fps: int = 30
    event_delay: float = 0.01  # request -> CurrentProgramSceneChanged (OBS: next frame)
    reply_delay: float = 0.0  # request -> reply
    emit_program_events: bool = True  # False: the scene changes but no event is sent
    stalled: bool = False  # True: read everything, answer nothing
    refuse_auth: bool = False  # True: every Identify is rejected with 4009

    program: str = ""
    preview: str = ""
    studio_mode: bool = False
    streaming: bool = False
    recording: bool = False
    current_transition: str = "Fade"
    transition_duration: int = 300
    input_settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    identified_count: int = 0
    record_files: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.program = self.program or self.scenes[0]
        self.preview = self.preview or self.program
        self._failures: dict[str, list[tuple[int, str]]] = {}
        self._sessions: set[_Session] = set()
        self._server: Server | None = None
        self._port = 0
        self._tasks: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> FakeObs:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    async def start(self) -> None:
        """Listen (again) — on the same port after a stop(), so clients can reconnect."""
        self._server = await serve(
            self._handle,
            "127.0.0.1",
            self._port,
            subprotocols=[Subprotocol("obswebsocket.msgpack"), Subprotocol("obswebsocket.json")],
            ping_interval=None,
        )
        self._port = self._server.sockets[0].getsockname()[1] if not self._port else self._port

    async def stop(self, *, clean: bool = True) -> None:
        """Stop listening and end every session: clean = ExitStarted + close 1001, as OBS does."""
        server, self._server = self._server, None
        if server is None:
            return
        if clean:
            await self._broadcast("ExitStarted", {})
            for s in list(self._sessions):
                with contextlib.suppress(Exception):
                    await s.conn.close(1001, "Server stopping.")
        else:
            self.drop()
        server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 2)
        for task in list(self._tasks):
            task.cancel()

    def drop(self) -> None:
        """Cut every connection abruptly (the client sees 1006, like a killed OBS)."""
        for s in list(self._sessions):
            s.conn.transport.abort()

    async def send_garbage(self) -> None:
        """Send a message without 'op': it kills simpleobsws's receive task (still identified)."""
        for s in list(self._sessions):
            await self._send(s, {"d": {}})

    def fail_next(self, request_type: str, code: int, comment: str = "", times: int = 1) -> None:
        """Answer the next `times` requests of this type with an error status."""
        self._failures.setdefault(request_type, []).extend([(code, comment)] * times)

    def manual_switch(self, scene: str) -> None:
        """Someone clicks a scene in OBS: program changes and the event goes out."""
        self._spawn(self._change_program(scene, 0.0))

    def count(self, request_type: str) -> int:
        return sum(1 for t, _ in self.requests if t == request_type)

    # ------------------------------------------------------------------ protocol

    async def _handle(self, conn: ServerConnection) -> None:
        session = _Session(conn=conn, binary=conn.subprotocol == "obswebsocket.msgpack")
        self._sessions.add(session)
        try:
            if self.stalled:
                await conn.wait_closed()
                return
            salt, challenge = _b64(os.urandom(12)), _b64(os.urandom(12))
            hello: dict[str, Any] = {"obsWebSocketVersion": "5.1.0", "rpcVersion": 1}
            if self.password is not None:
                hello["authentication"] = {"challenge": challenge, "salt": salt}
            await self._send(session, {"op": 0, "d": hello})
            async for raw in conn:
                msg = msgpack.unpackb(raw) if isinstance(raw, bytes) else json.loads(raw)
                if self.stalled:
                    continue
                await self._dispatch(session, msg, salt, challenge)
        except ConnectionClosed:
            pass
        finally:
            self._sessions.discard(session)

    async def _dispatch(self, s: _Session, msg: dict[str, Any], salt: str, challenge: str) -> None:
        op, d = msg.get("op"), msg.get("d") or {}
        if op == 1:
            if self.refuse_auth or (
                self.password is not None
                and d.get("authentication") != _auth(self.password, salt, challenge)
            ):
                await s.conn.close(4009, "Authentication failed.")
                return
            s.subscriptions = int(d.get("eventSubscriptions", _ALL_NON_HIGH_VOLUME))
            s.identified = True
            self.identified_count += 1
            await self._send(s, {"op": 2, "d": {"negotiatedRpcVersion": 1}})
        elif not s.identified:
            await s.conn.close(4007, "Not identified.")
        elif op == 6:
            self._spawn(self._answer(s, d))
        elif op == 8:
            self._spawn(self._answer_batch(s, d))

    async def _answer(self, s: _Session, d: dict[str, Any]) -> None:
        if self.reply_delay:
            await asyncio.sleep(self.reply_delay)
        reply = self._execute(str(d.get("requestType")), d.get("requestData") or {})
        if self.stalled:
            return
        reply["requestId"] = d.get("requestId")
        await self._send(s, {"op": 7, "d": reply})

    async def _answer_batch(self, s: _Session, d: dict[str, Any]) -> None:
        if self.reply_delay:
            await asyncio.sleep(self.reply_delay)
        results = []
        for r in d.get("requests") or []:
            reply = self._execute(str(r.get("requestType")), r.get("requestData") or {})
            results.append(reply)
            if d.get("haltOnFailure") and not reply["requestStatus"]["result"]:
                break
        if self.stalled:
            return
        await self._send(s, {"op": 9, "d": {"requestId": d.get("requestId"), "results": results}})

    def _execute(self, request_type: str, data: dict[str, Any]) -> dict[str, Any]:
        self.requests.append((request_type, data))
        reply: dict[str, Any] = {"requestType": request_type}
        try:
            queued = self._failures.get(request_type)
            if queued:
                raise _Fail(*queued.pop(0))
            handler = getattr(self, f"_r_{request_type}", None)
            if handler is None:
                raise _Fail(204, "Your request type is not valid.")
            body = handler(data)
        except _Fail as f:
            reply["requestStatus"] = {"result": False, "code": f.code}
            if f.comment:
                reply["requestStatus"]["comment"] = f.comment
            return reply
        except KeyError as e:
            reply["requestStatus"] = {
                "result": False,
                "code": 300,
                "comment": f"Your request is missing the `{e.args[0]}` field.",
            }
            return reply
        reply["requestStatus"] = {"result": True, "code": 100}
        if body is not None:
            reply["responseData"] = body
        return reply

    # ------------------------------------------------------------------ requests

    def _scene(self, name: str) -> str:
        if name not in self.scenes:
            raise _Fail(600, f"No source was found by the name of `{name}`.")
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
            raise _Fail(600, "No scene transition was found by that name.")
        self.current_transition = name

    def _r_SetCurrentSceneTransitionDuration(self, d: dict[str, Any]) -> None:
        ms = int(d["transitionDuration"])
        if not 50 <= ms <= 20000:
            raise _Fail(402, "The field value of `transitionDuration` is out of range.")
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
            raise _Fail(600, f"No source was found by the name of `{name}`.")
        self.input_settings.setdefault(name, {}).update(d["inputSettings"])

    def _r_GetInputSettings(self, d: dict[str, Any]) -> dict[str, Any]:
        name = d["inputName"]
        if name not in self.inputs:
            raise _Fail(600, f"No source was found by the name of `{name}`.")
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
            raise _Fail(500)
        self.streaming = True
        self._spawn(self._output_events("StreamStateChanged", True, None))

    def _r_StopStream(self, d: dict[str, Any]) -> None:
        if not self.streaming:
            raise _Fail(501)
        self.streaming = False
        self._spawn(self._output_events("StreamStateChanged", False, None))

    def _r_StartRecord(self, d: dict[str, Any]) -> None:
        if self.recording:
            raise _Fail(500)
        self.recording = True
        path = f"/tmp/fake-recording-{len(self.record_files) + 1}.mkv"
        self.record_files.append(path)
        self._spawn(self._output_events("RecordStateChanged", True, path))

    def _r_StopRecord(self, d: dict[str, Any]) -> dict[str, Any]:
        if not self.recording:
            raise _Fail(501)
        self.recording = False
        path = self.record_files[-1] if self.record_files else None
        self._spawn(self._output_events("RecordStateChanged", False, path))
        return {"outputPath": path}

    def _r_CreateScene(self, d: dict[str, Any]) -> None:
        name = d["sceneName"]
        if name in self.scenes:
            raise _Fail(601, "A source already exists by that scene name.")
        self.scenes.append(name)

    def _need_studio(self) -> None:
        if not self.studio_mode:
            raise _Fail(506, "Studio mode is not enabled.")

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

    async def _output_events(self, event_type: str, active: bool, path: str | None) -> None:
        first, last = (STARTING, STARTED) if active else (STOPPING, STOPPED)
        await self._broadcast(event_type, {"outputActive": False, "outputState": first})
        await asyncio.sleep(0.005)
        data: dict[str, Any] = {"outputActive": active, "outputState": last}
        if event_type == "RecordStateChanged":
            data["outputPath"] = path
        await self._broadcast(event_type, data)

    async def _broadcast(self, event_type: str, data: dict[str, Any]) -> None:
        if self.stalled:
            return
        category = _CATEGORY.get(event_type, 1)
        msg = {"op": 5, "d": {"eventType": event_type, "eventIntent": category, "eventData": data}}
        for s in list(self._sessions):
            if s.identified and s.subscriptions & category:
                await self._send(s, msg)

    async def _send(self, s: _Session, msg: dict[str, Any]) -> None:
        with contextlib.suppress(ConnectionClosed):
            if s.binary:
                await s.conn.send(msgpack.packb(msg))
            else:
                await s.conn.send(json.dumps(msg))

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _auth(password: str, salt: str, challenge: str) -> str:
    """obs-websocket 5's authentication string for a password, salt and challenge."""
    secret = base64.b64encode(hashlib.sha256((password + salt).encode()).digest())
    return base64.b64encode(hashlib.sha256(secret + challenge.encode()).digest()).decode()
