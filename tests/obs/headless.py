"""Run the real OBS Studio headless for integration tests and benchmarks.

What docs/obs-headless.md describes (and measured), as code: a private config
seeded in a temp folder (global.ini with the first-run and obs-websocket keys, a small 30 fps
profile recording to `recordings/`, a scene collection with one scene), Xvfb
on a free display found with -displayfd, OBS in its own session, ready when
obs-websocket's Hello arrives; the other scenes and a text source are then
created over the websocket. Only the processes started here are ever
signalled. Importable without pytest (bench/ uses it).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import secrets
import select
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from websockets.exceptions import WebSocketException
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from timekeeper.core.clock import SystemClock

DEFAULT_SCENES = ("Holding", "Intro", "Keynote", "Panel", "Q&A", "Reception")
TEXT_SOURCE = "Countdown"
INSTALL = "apt-get install obs-studio obs-plugins xvfb xauth libgl1-mesa-dri"
LAST_VERSION = 486539266  # OBS 29.0.2: without it the first-run wizard opens


def obs_missing_reason() -> str | None:
    """Why the real OBS cannot run here, or None if it can."""
    for tool in ("obs", "Xvfb"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed ({INSTALL})"
    plugin_dirs = (
        "/usr/lib/x86_64-linux-gnu/obs-plugins",
        "/usr/lib/aarch64-linux-gnu/obs-plugins",
    )
    if not any(Path(d, "obs-websocket.so").exists() for d in plugin_dirs) and not list(
        Path("/usr/lib").glob("*/obs-plugins/obs-websocket.so")
    ):
        return f"the obs-websocket plugin is not installed ({INSTALL})"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def auth_string(password: str, salt: str, challenge: str) -> str:
    secret = base64.b64encode(hashlib.sha256((password + salt).encode()).digest())
    return base64.b64encode(hashlib.sha256(secret + challenge.encode()).digest()).decode()


class HeadlessObsError(RuntimeError):
    pass


class HeadlessObs:
    """One OBS (plus its Xvfb) in `root`. start() / kill_obs() / start_obs() / stop()."""

    def __init__(
        self,
        root: Path,
        *,
        scenes: Sequence[str] = DEFAULT_SCENES,
        password: str | None = None,
        port: int | None = None,
        fps: int = 30,
        size: tuple[int, int] = (640, 360),
    ) -> None:
        self.root = Path(root)
        self.scenes = tuple(scenes)
        self.password = password if password is not None else secrets.token_urlsafe(16)
        self.port = port or free_port()
        self.fps = fps
        self.size = size
        self.config = self.root / "config"
        self.recordings = self.root / "recordings"
        self.obs_log = self.root / "obs.log"
        self.xvfb: subprocess.Popen[bytes] | None = None
        self.obs: subprocess.Popen[bytes] | None = None
        self.display: int | None = None
        self.ready_seconds: float | None = None

    def __repr__(self) -> str:  # no password
        return f"HeadlessObs(url={self.url!r}, root={str(self.root)!r})"

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    # ------------------------------------------------------------------ lifecycle

    def start(self, timeout: float = 60) -> None:
        self.seed()
        self.start_xvfb()
        try:
            self.start_obs(timeout)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        self.stop_obs()
        if self.xvfb is not None:
            _terminate(self.xvfb, signal.SIGTERM, 5)
            self.xvfb = None

    def __enter__(self) -> HeadlessObs:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def seed(self) -> None:
        """Write the private config (always afresh)."""
        shutil.rmtree(self.config, ignore_errors=True)
        cfg = self.config / "obs-studio"
        (cfg / "basic" / "scenes").mkdir(parents=True)
        (cfg / "basic" / "profiles" / "Headless").mkdir(parents=True)
        self.recordings.mkdir(parents=True, exist_ok=True)
        (self.root / "home").mkdir(exist_ok=True)
        if "\n" in self.password:
            raise ValueError("password must not contain a newline")
        (cfg / "global.ini").write_text(
            "[General]\nFirstRun=true\n"
            f"LastVersion={LAST_VERSION}\n"
            "Pre19Defaults=false\nPre21Defaults=false\nPre23Defaults=false\n"
            "Pre24.1Defaults=false\nConfirmOnExit=false\nEnableAutoUpdates=false\n\n"
            "[Basic]\nProfile=Headless\nProfileDir=Headless\n"
            "SceneCollection=Headless\nSceneCollectionFile=headless\n\n"
            "[BasicWindow]\nPreviewEnabled=false\nSysTrayEnabled=false\n"
            "SysTrayWhenStarted=false\nWarnBeforeStartingStream=false\n"
            "WarnBeforeStoppingStream=false\nWarnBeforeStoppingRecord=false\n\n"
            "[OBSWebSocket]\nFirstLoad=false\nServerEnabled=true\n"
            f"ServerPort={self.port}\nAlertsEnabled=false\n"
            f"AuthRequired={'true' if self.password else 'false'}\n"
            f"ServerPassword={self.password}\n"
        )
        w, h = self.size
        (cfg / "basic" / "profiles" / "Headless" / "basic.ini").write_text(
            "[General]\nName=Headless\n\n"
            f"[Video]\nBaseCX={w}\nBaseCY={h}\nOutputCX={w}\nOutputCY={h}\n"
            f"FPSType=1\nFPSInt={self.fps}\n\n"
            "[Output]\nMode=Simple\n\n"
            f"[SimpleOutput]\nFilePath={self.recordings}\nRecFormat=mkv\nRecQuality=Stream\n"
            "VBitrate=500\nABitrate=64\nPreset=ultrafast\nFileNameWithoutSpace=true\n\n"
            "[Audio]\nSampleRate=48000\nChannelSetup=Stereo\n"
        )
        first = self.scenes[0]
        collection = {
            "name": "Headless",
            "current_scene": first,
            "current_program_scene": first,
            "current_transition": "Fade",
            "transition_duration": 300,
            "scene_order": [{"name": first}],
            "sources": [
                {
                    "id": "scene", "versioned_id": "scene", "name": first, "enabled": True,
                    "flags": 0, "mixers": 0, "volume": 1.0, "muted": False, "sync": 0,
                    "private_settings": {}, "hotkeys": {},
                    "settings": {"custom_size": False, "id_counter": 0, "items": []},
                }
            ],
            "groups": [], "transitions": [], "quick_transitions": [], "saved_projectors": [],
            "modules": {}, "preview_locked": False, "scaling_enabled": False,
        }  # fmt: skip
        (cfg / "basic" / "scenes" / "headless.json").write_text(json.dumps(collection, indent=2))

    def start_xvfb(self) -> None:
        read_fd, write_fd = os.pipe()
        try:
            with open(self.root / "xvfb.log", "ab") as log:
                self.xvfb = subprocess.Popen(
                    ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x720x24",
                     "-nolisten", "tcp", "-noreset"],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    pass_fds=(write_fd,), start_new_session=True,
                )  # fmt: skip
            os.close(write_fd)
            write_fd = -1
            # Xvfb writes the number, then "\n" in a second write: read up to the newline,
            # or closing the pipe early makes that write fail and Xvfb exit ("Cannot write
            # display number").
            raw = b""
            deadline = time.monotonic() + 10
            while b"\n" not in raw and time.monotonic() < deadline:
                wait = max(0.0, deadline - time.monotonic())
                ready, _, _ = select.select([read_fd], [], [], wait)
                chunk = os.read(read_fd, 64) if ready else b""
                if not chunk:
                    break
                raw += chunk
        finally:
            os.close(read_fd)
            if write_fd >= 0:
                os.close(write_fd)
        digits = raw.decode().strip()
        if not digits.isdigit():
            self.stop()
            raise HeadlessObsError(f"Xvfb gave no display number; see {self.root / 'xvfb.log'}")
        self.display = int(digits)

    def start_obs(self, timeout: float = 60) -> None:
        """(Re)start OBS on the running Xvfb and wait for its Hello; then ensure scenes exist."""
        if self.obs is not None and self.obs.poll() is None:
            raise HeadlessObsError("OBS is still running")
        if _port_open(self.port):
            raise HeadlessObsError(f"something already answers on 127.0.0.1:{self.port}")
        xdg = self.root / "xdg"
        xdg.mkdir(mode=0o700, exist_ok=True)
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "HOME": str(self.root / "home"),
            "XDG_CONFIG_HOME": str(self.config),
            "XDG_RUNTIME_DIR": str(xdg),
            "DISPLAY": f":{self.display}",
            "QT_QPA_PLATFORM": "xcb",
            "LIBGL_ALWAYS_SOFTWARE": "1",
        }
        t0 = time.monotonic()
        with open(self.obs_log, "ab") as log:
            log.write(b"===== start\n")
            self.obs = subprocess.Popen(
                ["obs", "--multi", "--disable-updater", "--disable-missing-files-check",
                 "--profile", "Headless", "--collection", "Headless"],
                cwd=self.root, env=env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = t0 + timeout
        while True:
            if self.obs.poll() is not None:
                raise HeadlessObsError(f"OBS died during startup:\n{self.log_tail()}")
            if self._hello():
                break
            if time.monotonic() > deadline:
                raise HeadlessObsError(f"OBS websocket not ready in {timeout}s:\n{self.log_tail()}")
            time.sleep(0.1)
        self.ready_seconds = time.monotonic() - t0
        self.ensure_scenes()

    def wait_hello(self, timeout: float = 60, interval: float = 0.01) -> datetime:
        """Poll until obs-websocket sends its Hello; return when OBS became ready (UTC).

        Conservative: the instant returned is the end of the last poll that got no
        Hello, so a reconnection measured from it is at most `interval` (plus one
        poll) longer than the truth, never shorter.
        """
        deadline = time.monotonic() + timeout
        not_yet = SystemClock().now()
        while time.monotonic() < deadline:
            if self._hello():
                return not_yet
            not_yet = SystemClock().now()
            time.sleep(interval)
        raise HeadlessObsError(f"no obs-websocket Hello within {timeout} s")

    def kill_obs(self) -> None:
        """SIGKILL OBS (a crash); wait until it is gone."""
        if self.obs is not None and self.obs.poll() is None:
            self.obs.kill()
            self.obs.wait(10)

    def stop_obs(self) -> None:
        """SIGINT OBS (a clean exit, state saved), escalating if it hangs."""
        if self.obs is not None:
            _terminate(self.obs, signal.SIGINT, 15)

    @property
    def obs_running(self) -> bool:
        return self.obs is not None and self.obs.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.obs_log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no OBS log)"

    # ------------------------------------------------------------------ websocket helpers

    def _hello(self) -> bool:
        try:
            with connect(
                self.url, subprotocols=[Subprotocol("obswebsocket.json")], open_timeout=1
            ) as ws:
                msg = json.loads(ws.recv(timeout=1))
                return bool(msg.get("op") == 0)
        except (OSError, TimeoutError, WebSocketException, ValueError):
            return False

    def session(self) -> ObsSession:
        return ObsSession(self.url, self.password)

    def request(self, request_type: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        """One request on a short-lived connection; raises on an error status."""
        with self.session() as s:
            return s.request(request_type, data)

    def ensure_scenes(self) -> None:
        """Create the scenes and the text source the tests use (idempotent)."""
        with self.session() as s:
            existing = {x["sceneName"] for x in s.request("GetSceneList")["scenes"]}
            for scene in self.scenes:
                if scene not in existing:
                    s.request("CreateScene", {"sceneName": scene})
            inputs = {i["inputName"] for i in s.request("GetInputList")["inputs"]}
            if TEXT_SOURCE not in inputs:
                s.request(
                    "CreateInput",
                    {
                        "sceneName": self.scenes[0],
                        "inputName": TEXT_SOURCE,
                        "inputKind": "text_ft2_source_v2",
                        "inputSettings": {"text": "--:--"},
                    },
                )


class ObsSession:
    """A minimal synchronous obs-websocket client (JSON), independent of the code under test."""

    def __init__(self, url: str, password: str) -> None:
        self.url = url
        self._password = password
        self._ws: ClientConnection | None = None
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> ObsSession:
        ws = self._stack.enter_context(
            connect(self.url, subprotocols=[Subprotocol("obswebsocket.json")], open_timeout=5)
        )
        hello = json.loads(ws.recv(timeout=5))["d"]
        identify: dict[str, Any] = {"rpcVersion": 1, "eventSubscriptions": 0}
        if "authentication" in hello:
            a = hello["authentication"]
            identify["authentication"] = auth_string(self._password, a["salt"], a["challenge"])
        ws.send(json.dumps({"op": 1, "d": identify}))
        if json.loads(ws.recv(timeout=5)).get("op") != 2:
            self._stack.close()
            raise HeadlessObsError("OBS did not identify the helper session")
        self._ws = ws
        return self

    def __exit__(self, *exc: object) -> None:
        self._ws = None
        with contextlib.suppress(Exception):
            self._stack.close()

    def request(self, request_type: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        assert self._ws is not None
        rid = str(uuid.uuid4())
        d: dict[str, Any] = {"requestType": request_type, "requestId": rid}
        if data is not None:
            d["requestData"] = data
        self._ws.send(json.dumps({"op": 6, "d": d}))
        while True:
            msg = json.loads(self._ws.recv(timeout=10))
            if msg.get("op") == 7 and msg["d"].get("requestId") == rid:
                status = msg["d"]["requestStatus"]
                if not status["result"]:
                    raise HeadlessObsError(
                        f"{request_type} failed: {status.get('code')} {status.get('comment')}"
                    )
                return dict(msg["d"].get("responseData") or {})


def _port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 0.5).close()
        return True
    except OSError:
        return False


def _terminate(proc: subprocess.Popen[bytes], sig: int, grace: float) -> None:
    """Signal a process we started; escalate to SIGTERM then SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    for s, wait in ((sig, grace), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(s)
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def reset(obs: HeadlessObs) -> None:
    """Back to a known state: first scene on program, Cut, studio mode off, not recording."""
    with obs.session() as s:
        if s.request("GetStudioModeEnabled")["studioModeEnabled"]:
            s.request("SetStudioModeEnabled", {"studioModeEnabled": False})
        if s.request("GetRecordStatus")["outputActive"]:
            s.request("StopRecord")
        # The seeded collection fades (300 ms); a Cut lands on the next frame, so the
        # confirmation measures timekeeper and OBS, not the length of a fade.
        s.request("SetCurrentSceneTransition", {"transitionName": "Cut"})
        first = obs.scenes[0]
        s.request("SetCurrentProgramScene", {"sceneName": first})
        deadline = time.monotonic() + 3
        while s.request("GetCurrentProgramScene")["currentProgramSceneName"] != first:
            assert time.monotonic() < deadline, "OBS did not go back to the first scene"
            time.sleep(0.02)
        deadline = time.monotonic() + 10
        while s.request("GetRecordStatus")["outputActive"]:
            assert time.monotonic() < deadline, "OBS did not stop recording"
            time.sleep(0.05)
