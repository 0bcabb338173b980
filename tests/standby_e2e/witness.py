"""OBS as the witness of a takeover: its own events, recorded from outside timekeeper.

`ObsWitness` holds a websocket of its own to OBS (like bench/chaos/observers.py, which
it extends with the General events): every `CustomEvent` that is a timekeeper's
announcement (its run id, epoch and role: `obs/announce_rules.heard`), every
`CurrentProgramSceneChanged`, every stream/record state change, each with the real
instant it arrived, and the program scene OBS reports on each (re)connection. The
judge (`judge.py`) reads these plain records; nothing here reads timekeeper's output.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from websockets.exceptions import WebSocketException
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from tests.obs.headless import auth_string
from timekeeper.core.clock import SystemClock
from timekeeper.obs.announce_rules import heard

CLOCK = SystemClock()
GENERAL_SCENES_OUTPUTS = 1 | 4 | 64  # obs-websocket EventSubscription: General | Scenes | Outputs


@dataclass(frozen=True)
class Seen:
    """One thing OBS said, at `mono` (time.monotonic of this process) and `real` (the clock).

    kind: `announce` (run_id, epoch, role, pid), `scene`, `output` (output, state),
    `connected` (scene: what OBS reports on a new connection), `lost`."""

    mono: float
    real: datetime
    kind: str
    scene: str = ""
    output: str = ""
    state: str = ""
    run_id: str = ""
    epoch: int = 0
    role: str = ""
    pid: int = 0


class ObsWitness:
    """A thread with its own websocket to OBS; reconnects every 50 ms while OBS is away."""

    def __init__(self, url: str, password: str) -> None:
        self.url, self._password = url, password
        self.seen: list[Seen] = []
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="obs-witness", daemon=True)

    def start(self, timeout: float = 10) -> None:
        self._thread.start()
        self.wait(lambda s: s.kind == "connected", timeout, "the witness's connection")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def __enter__(self) -> ObsWitness:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def mark(self) -> int:
        """An index into `seen`: what comes after it is news."""
        return len(self.seen)

    def wait(self, match: Any, timeout: float, what: str, after: int = 0) -> Seen:
        """The first record (from index `after`) that `match` accepts; fails after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for s in self.seen[after:]:
                    if match(s):
                        return s
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"OBS never showed {what} within {timeout:g} s")
                self._changed.wait(min(left, 0.1))

    def _add(self, seen: Seen) -> None:
        with self._changed:
            self.seen.append(seen)
            self._changed.notify_all()

    def _loop(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(OSError, TimeoutError, WebSocketException, ValueError):
                self._session()
            if self.seen and self.seen[-1].kind != "lost":
                self._add(_seen("lost"))
            self._stop.wait(0.05)

    def _session(self) -> None:
        with connect(
            self.url, subprotocols=[Subprotocol("obswebsocket.json")], open_timeout=1
        ) as ws:
            hello = json.loads(ws.recv(timeout=2))["d"]
            identify: dict[str, Any] = {
                "rpcVersion": 1,
                "eventSubscriptions": GENERAL_SCENES_OUTPUTS,
            }
            if "authentication" in hello:
                a = hello["authentication"]
                identify["authentication"] = auth_string(self._password, a["salt"], a["challenge"])
            ws.send(json.dumps({"op": 1, "d": identify}))
            if json.loads(ws.recv(timeout=2)).get("op") != 2:
                raise ValueError("not identified")
            rid = str(uuid.uuid4())
            ask = {"requestType": "GetCurrentProgramScene", "requestId": rid}
            ws.send(json.dumps({"op": 6, "d": ask}))
            while not self._stop.is_set():
                try:
                    msg = json.loads(ws.recv(timeout=0.2))
                except TimeoutError:
                    continue
                d = msg.get("d", {})
                if msg.get("op") == 7 and d.get("requestId") == rid:
                    scene = (d.get("responseData") or {}).get("currentProgramSceneName", "")
                    self._add(_seen("connected", scene=str(scene)))
                elif msg.get("op") == 5:
                    self._event(str(d.get("eventType")), d.get("eventData") or {})

    def _event(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "CurrentProgramSceneChanged":
            self._add(_seen("scene", scene=str(data.get("sceneName"))))
        elif kind in ("StreamStateChanged", "RecordStateChanged"):
            output = "stream" if kind.startswith("Stream") else "record"
            self._add(_seen("output", output=output, state=str(data.get("outputState"))))
        elif kind == "CustomEvent":
            who = heard(data)
            if who is not None:
                role = who.role.value
                fields = {"run_id": who.run_id, "epoch": who.epoch, "role": role, "pid": who.pid}
                self._add(_seen("announce", **fields))


def _seen(kind: str, **fields: Any) -> Seen:
    return Seen(time.monotonic(), CLOCK.now(), kind, **fields)
