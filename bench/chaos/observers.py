"""What really happened, seen from outside timekeeper: OBS's own events and a speaker follower.

`ObsObserver` is a separate obs-websocket client (its own connection, independent of
timekeeper's code): it records every `CurrentProgramSceneChanged` and output state
change with the real time it arrived, and, on every (re)connection, the program scene
OBS reports (OBS comes back from a kill on its last *saved* scene, not the last one
switched to). `FollowerObserver` runs the room follower the terminal speaker screen
uses (`timekeeper speaker --mqtt`) against the real broker and samples, every 50 ms,
the countdown it would draw: the segment, its deadline and the follower's own idea of
the show time. Both keep plain records for the judge; neither reads timekeeper's output.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from websockets.exceptions import WebSocketException
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from tests.obs.headless import auth_string
from timekeeper.core.clock import SystemClock
from timekeeper.rooms.follower import RoomFollower
from timekeeper.rooms.link import Backoff, LinkState
from timekeeper.rooms.settings import BrokerSettings
from timekeeper.rooms.topics import RoomTopics

CLOCK = SystemClock()
SCENES_AND_OUTPUTS = 4 | 64  # obs-websocket EventSubscription: Scenes | Outputs


@dataclass(frozen=True)
class ObsSeen:
    """One thing OBS said: `kind` scene (a program scene change), connected (the scene
    OBS reports on a new connection), output (a stream/record state), lost; or trouble
    (the observer's own connection failed other than by a refusal: `state` says how; not
    evidence, only to explain a verdict)."""

    real: datetime
    kind: str
    scene: str = ""
    output: str = ""
    state: str = ""


class ObsObserver:
    """A thread holding its own websocket to OBS; reconnects every 50 ms while OBS is away."""

    def __init__(self, url: str, password: str) -> None:
        self.url, self._password = url, password
        self.seen: list[ObsSeen] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="obs-observer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _loop(self) -> None:
        said = ""
        while not self._stop.is_set():
            try:
                self._session()
            except ConnectionRefusedError:
                said = ""
            except (OSError, TimeoutError, WebSocketException, ValueError) as exc:
                trouble = f"{type(exc).__name__}: {exc}"[:120]
                if trouble != said:  # once per kind of trouble, not every 50 ms
                    self.seen.append(ObsSeen(CLOCK.now(), "trouble", state=trouble))
                said = trouble
            said_last = [x.kind for x in self.seen if x.kind != "trouble"][-1:]
            if said_last and said_last[0] != "lost":
                self.seen.append(ObsSeen(CLOCK.now(), "lost"))
            self._stop.wait(0.05)

    def _session(self) -> None:
        with connect(
            self.url, subprotocols=[Subprotocol("obswebsocket.json")], open_timeout=1
        ) as ws:
            hello = json.loads(ws.recv(timeout=2))["d"]
            identify: dict[str, Any] = {"rpcVersion": 1, "eventSubscriptions": SCENES_AND_OUTPUTS}
            if "authentication" in hello:
                a = hello["authentication"]
                identify["authentication"] = auth_string(self._password, a["salt"], a["challenge"])
            ws.send(json.dumps({"op": 1, "d": identify}))
            if json.loads(ws.recv(timeout=2)).get("op") != 2:
                raise ValueError("not identified")
            rid = str(uuid.uuid4())
            ws.send(json.dumps({"op": 6, "d": {"requestType": "GetCurrentProgramScene",
                                               "requestId": rid}}))  # fmt: skip
            while not self._stop.is_set():
                try:
                    msg = json.loads(ws.recv(timeout=0.2))
                except TimeoutError:
                    continue
                now = CLOCK.now()
                d = msg.get("d", {})
                if msg.get("op") == 7 and d.get("requestId") == rid:
                    scene = (d.get("responseData") or {}).get("currentProgramSceneName", "")
                    self.seen.append(ObsSeen(now, "connected", scene=str(scene)))
                elif msg.get("op") == 5:
                    self._event(now, str(d.get("eventType")), d.get("eventData") or {})

    def _event(self, now: datetime, kind: str, data: dict[str, Any]) -> None:
        if kind == "CurrentProgramSceneChanged":
            self.seen.append(ObsSeen(now, "scene", scene=str(data.get("sceneName"))))
        elif kind in ("StreamStateChanged", "RecordStateChanged"):
            output = "stream" if kind.startswith("Stream") else "record"
            self.seen.append(ObsSeen(now, "output", output=output, state=str(data["outputState"])))


@dataclass(frozen=True)
class FollowerSample:
    """What the follower's screen showed at `real`: the live segment (slot title and
    speaker, or the mode when no slot is live), the instant its digits count to, and the
    show time the follower believes it is. `fresh`: connected, the room online, and a
    status received since the follower last (re)connected."""

    real: datetime
    fresh: bool
    segment: str
    deadline: datetime | None
    shown_now: datetime | None
    status_real: datetime | None = None  # when the room sent the status shown (its sent_at)
    beat_real: datetime | None = None  # when the room's last heartbeat arrived (0.5 s apart)


class FollowerObserver:
    """The speaker screen's room follower on a thread of its own, sampled every 50 ms."""

    def __init__(self, mqtt_url: str, venue: str, room: str, every: float = 0.05) -> None:
        self.settings = BrokerSettings.from_url(mqtt_url, username_env="", password_env="")
        self.topics = RoomTopics.named(venue, room)
        self.every = every
        self.samples: list[FollowerSample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, name="follower", daemon=True)
        self.connected = False

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _main(self) -> None:
        asyncio.run(self._run())

    async def _run(self) -> None:
        follower = RoomFollower(
            self.settings, self.topics, CLOCK, backoff=Backoff(initial=0.05, maximum=0.2)
        )
        # the statuses taken when the link (re)connected, counted at that very instant (the
        # link says so before it hands over any message): sampled every 50 ms instead, a
        # status that came within the sample's window counted as old, and the follower looked
        # stale until the next change of the show (a long slot away at ×30: the soak)
        at_connect = [0]
        on_state = follower.link.on_state

        def connected_now(state: LinkState) -> None:
            if state.connected:
                at_connect[0] = follower.received
            if on_state is not None:
                on_state(state)

        follower.link.on_state = connected_now
        task = asyncio.get_running_loop().create_task(follower.run())
        try:
            while not self._stop.is_set():
                self.connected = follower.connected
                fresh = (
                    follower.connected
                    and follower.online is True
                    and follower.received > at_connect[0]
                )
                self.samples.append(_sample(follower, fresh))
                await asyncio.sleep(self.every)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 5)


def _sample(follower: RoomFollower, fresh: bool) -> FollowerSample:
    real = CLOCK.now()
    snap, anchor = follower.snapshot, follower.anchor
    beat = None
    if follower.last_beat is not None:
        beat = real - timedelta(seconds=follower.monotonic() - follower.last_beat)
    if snap is None or anchor is None:
        return FollowerSample(real, False, "", None, None, beat_real=beat)
    shown_now = anchor.show_at(real)
    if snap.mode == "live" and snap.live is not None:
        if snap.turn is not None:
            segment = f"{snap.live.id}/{snap.turn.index}"
            times = snap.turn.countdown
        else:
            segment, times = snap.live.id, snap.live.countdown
        return FollowerSample(
            real, fresh, segment, times.deadline, shown_now, anchor.local_ref, beat
        )
    return FollowerSample(real, fresh, snap.mode, None, shown_now, anchor.local_ref, beat)
