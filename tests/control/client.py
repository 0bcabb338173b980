"""A real `timekeeper run … --control --osc` in a subprocess, and plain HTTP/OSC clients for it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "test-token-0123456789-abcdefghijklmnop"
PACE = 0.2  # seconds between a paced client's actions: a person's, well over the 80 ms burst gap


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Run:
    """A running show: its server, OSC port, log folder and process."""

    proc: subprocess.Popen[str]
    port: int
    osc: int
    logs: Path
    _last_act: float = -1e9

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        token: str | None = TOKEN,
        client: str | None = "deck",
        headers: dict[str, str] | None = None,
        retry: bool = True,
    ) -> Answer:
        """One request; a 429 is retried after its Retry-After, as a polite client does
        (`retry=False` to see it)."""
        for _ in range(5):
            answer = self._once(method, path, body, token, client, headers)
            if answer.status != 429 or not retry:
                return answer
            time.sleep(float(answer.headers.get("Retry-After", "1")))
        return answer

    def _once(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        token: str | None,
        client: str | None,
        headers: dict[str, str] | None,
    ) -> Answer:
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        if client is not None:
            sent["X-Timekeeper-Client"] = client
        data = json.dumps(body).encode() if body is not None else None
        if data is not None:
            sent["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                raw, status, got = resp.read(), resp.status, dict(resp.headers)
        except urllib.error.HTTPError as err:
            raw, status, got = err.read(), err.code, dict(err.headers)
        try:
            parsed = json.loads(raw) if raw else {}
        except ValueError:
            parsed = {"text": raw.decode()}
        return Answer(status, parsed, got)

    def act(
        self, name: str, body: dict[str, Any] | None = None, *, paced: bool = True, **kw: Any
    ) -> Answer:
        """POST an action; `paced` keeps a person's pace (the gate refuses a second
        show-moving action within 80 ms of the last as a burst)."""
        if paced:
            time.sleep(max(0.0, self._last_act + PACE - time.monotonic()))
        try:
            return self.request("POST", f"/api/actions/{name}", body, **kw)
        finally:
            self._last_act = time.monotonic()

    def status(self) -> dict[str, Any]:
        answer = self.request("GET", "/api/status")
        assert answer.status == 200, answer
        return answer.body

    def osc_send(self, address: str, *args: Any) -> OscMessage:
        """Send one OSC message (at a person's pace) and return the server's reply."""
        time.sleep(max(0.0, self._last_act + PACE - time.monotonic()))
        self._last_act = time.monotonic()
        builder = OscMessageBuilder(address)
        for arg in args:
            builder.add_arg(arg)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(10)
            s.sendto(builder.build().dgram, ("127.0.0.1", self.osc))
            return OscMessage(s.recv(65536))

    def ws_handshake(self, headers: dict[str, str]) -> int:
        """The HTTP status a WebSocket upgrade to /ws gets with these headers."""
        lines = [
            "GET /ws HTTP/1.1",
            f"Host: 127.0.0.1:{self.port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version: 13",
        ]
        lines = [line for line in lines if line.split(":")[0] not in headers]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
            s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            first = s.recv(4096).split(b"\r\n", 1)[0].decode()
        return int(first.split()[1])

    def stop(self) -> tuple[str, str]:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=30)
        return out, err

    def as_run_log(self) -> Path:
        return next(p for p in self.logs.glob("*.jsonl"))


def env(token: str | None = TOKEN) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k != "TIMEKEEPER_CONTROL_TOKEN"}
    if token is not None:
        out["TIMEKEEPER_CONTROL_TOKEN"] = token
    return out


def timekeeper(*args: str, token: str | None = TOKEN) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "timekeeper.cli", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env=env(token),
    )  # fmt: skip


@contextmanager
def running(logs: Path, *extra: str, programme: str = "programme.yaml") -> Iterator[Run]:
    """A headless dry run from 15:00 (half an hour before the first slot) with --control and OSC."""
    port, osc = free_port(), free_port(socket.SOCK_DGRAM)
    proc = subprocess.Popen(
        [sys.executable, "-m", "timekeeper.cli", "run", programme, "--dry-run",
         "--at", "15:00", "--headless", "--control", "--port", str(port), "--osc", str(osc),
         "--obs-url", f"ws://127.0.0.1:{free_port()}", "--log", str(logs), *extra],
        cwd=ROOT, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    run = Run(proc, port, osc, logs)
    deadline = time.monotonic() + 60  # a loaded machine starts Python slowly
    try:
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"the run exited: {proc.stderr.read() if proc.stderr else ''}")
            try:
                if run.request("GET", "/api/openapi.json").status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("the control API did not come up within 60 s")
            time.sleep(0.1)
        yield run
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)
