"""A fast in-process fake obs-websocket 5 server, for tests of the adapter and the controller.

It speaks the real protocol on 127.0.0.1 (Hello with an authentication
challenge when a password is set, Identify -> Identified, Request ->
RequestResponse, RequestBatch -> RequestBatchResponse, Event), in msgpack or
JSON as the client asks, so the real `ObsClient` (through simpleobsws) is what
gets tested. It keeps the state timekeeper touches (scenes, program/preview,
studio mode, transitions, text inputs, stream/record) and mirrors the real
OBS 29 behaviours recorded in docs/obs-headless.md: no
CurrentProgramSceneChanged when switching to the scene already on program,
the event after the reply and a frame later, 600/500/501/506 error codes,
4009 on a bad password, 1001 on a clean stop. This module owns the server
side (sessions, authentication, dispatch, batches, events out, the knobs);
the state and the request handlers are in `fake_requests`.

Knobs to misbehave: `reply_delay`, `event_delay`, `emit_program_events`,
`fail_next()`, `drop()`, `stalled`, `refuse_auth`, `send_garbage()`,
`manual_switch()`, `stop()` / `start()` on the same port; someone editing OBS's
scenes: `rename_scene()`, `remove_scene()` (as the SetSceneName / RemoveScene requests).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import os
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

import msgpack  # type: ignore[import-untyped]
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from tests.obs.fake_requests import (
    STARTED,
    STARTING,
    STOPPED,
    STOPPING,
    FakeRequests,
    RequestRefused,
)

# Event categories (obs-websocket EventSubscription bits) of the events the fake sends.
_CATEGORY = {
    "ExitStarted": 1 << 0,
    "SceneCreated": 1 << 2,
    "SceneRemoved": 1 << 2,
    "SceneNameChanged": 1 << 2,
    "SceneListChanged": 1 << 2,
    "CurrentProgramSceneChanged": 1 << 2,
    "CurrentPreviewSceneChanged": 1 << 2,
    "StreamStateChanged": 1 << 6,
    "RecordStateChanged": 1 << 6,
    "StudioModeStateChanged": 1 << 10,
}
_ALL_NON_HIGH_VOLUME = 0x7FF

__all__ = ["STARTED", "STARTING", "STOPPED", "STOPPING", "FakeObs", "RequestRefused"]


@dataclass(eq=False)
class _Session:
    conn: ServerConnection
    binary: bool
    identified: bool = False
    subscriptions: int = _ALL_NON_HIGH_VOLUME


@dataclass
class FakeObs(FakeRequests):
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

    def rename_scene(self, old: str, new: str) -> None:
        """Someone renames a scene in OBS: SceneNameChanged, then SceneListChanged."""
        self._r_SetSceneName({"sceneName": old, "newSceneName": new})

    def remove_scene(self, scene: str) -> None:
        """Someone removes a scene in OBS: SceneRemoved, then SceneListChanged."""
        self._r_RemoveScene({"sceneName": scene})

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
                raise RequestRefused(*queued.pop(0))
            handler = getattr(self, f"_r_{request_type}", None)
            if handler is None:
                raise RequestRefused(204, "Your request type is not valid.")
            body = handler(data)
        except RequestRefused as f:
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

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _auth(password: str, salt: str, challenge: str) -> str:
    """obs-websocket 5's authentication string for a password, salt and challenge."""
    secret = base64.b64encode(hashlib.sha256((password + salt).encode()).digest())
    return base64.b64encode(hashlib.sha256(secret + challenge.encode()).digest()).decode()
