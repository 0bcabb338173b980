"""The real parts of a chaos run: headless OBS, mosquitto, and `timekeeper run` as a room.

`Show` is the operator's command (`timekeeper run PROGRAMME --headless` as a dress
rehearsal at high speed, publishing a room to the broker, with the control API on),
started again with exactly the same argv after every crash. Every process is started
here and signalled only by its own PID. Each process's stdout lines are kept with the
real instant they arrived (the harness reads them to time recoveries, never to judge).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from tests.obs.headless import HeadlessObs
from tests.rooms.broker import Broker
from timekeeper.core.clock import SystemClock

from .programme import PASSWORD_ENV, SCENES

ROOT = Path(__file__).resolve().parents[2]
CLOCK = SystemClock()
ROOM = "Main hall"
VENUE = "venue"  # what a room run without --venue publishes under
TOKEN = "chaos-harness-token-0123456789abcdefghijklmnopqrstu"  # a local, throwaway token


@dataclass
class Line:
    real: datetime
    data: dict[str, Any]


@dataclass
class Process:
    """One `timekeeper run` process: its argv, its lines as they came, its exit."""

    proc: subprocess.Popen[str]
    started: datetime
    lines: list[Line] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def events(self, kind: str) -> list[Line]:
        return [ln for ln in list(self.lines) if ln.data.get("event") == kind]


def _pump(stream: IO[str], into: list[Line]) -> None:
    for text in stream:
        try:
            data = json.loads(text)
        except ValueError:
            data = {"event": "not_json", "text": text.rstrip()}
        into.append(Line(CLOCK.now(), data if isinstance(data, dict) else {"event": "?"}))


def _pump_err(stream: IO[str], into: list[str]) -> None:
    for text in stream:
        into.append(text.rstrip())


class Show:
    """The same command, every time: a dress rehearsal of `programme` as a room."""

    def __init__(
        self, programme: Path, logs: Path, obs: HeadlessObs, broker: Broker, *,
        at: datetime, speed: float, port: int,
    ) -> None:  # fmt: skip
        self.logs = logs
        self.port = port
        self.argv = [
            sys.executable, "-m", "timekeeper.cli", "run", str(programme), "--headless",
            "--at", at.isoformat(), "--speed", f"{speed:g}", "--log", str(logs),
            "--mqtt", broker.url, "--room", ROOM, "--port", str(port), "--control",
            "--accept-changes",
        ]  # fmt: skip
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TK_")}
        self.env.update(
            {PASSWORD_ENV: obs.password, "TIMEKEEPER_CONTROL_TOKEN": TOKEN,
             "PYTHONUNBUFFERED": "1"}
        )  # fmt: skip
        self.runs: list[Process] = []

    @property
    def current(self) -> Process:
        return self.runs[-1]

    def start(self) -> Process:
        proc = subprocess.Popen(
            self.argv, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
        )  # fmt: skip
        run = Process(proc, CLOCK.now())
        assert proc.stdout is not None and proc.stderr is not None
        threading.Thread(target=_pump, args=(proc.stdout, run.lines), daemon=True).start()
        threading.Thread(target=_pump_err, args=(proc.stderr, run.stderr), daemon=True).start()
        self.runs.append(run)
        return run

    def signal(self, sig: signal.Signals) -> None:
        """Signal the current run, by its own PID."""
        if self.current.alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.current.pid, sig)

    def kill(self) -> None:
        """SIGKILL (a crash) and reap."""
        self.signal(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.current.proc.wait(10)

    def dump(self, folder: Path) -> None:
        """Each run's stdout lines (with their real arrival) and stderr, for reproductions."""
        for n, run in enumerate(self.runs, 1):
            with (folder / f"run-{n}.stdout.jsonl").open("w", encoding="utf-8") as f:
                for line in list(run.lines):
                    f.write(json.dumps({"real": line.real.isoformat(), **line.data}) + "\n")
            (folder / f"run-{n}.stderr.txt").write_text("\n".join(run.stderr), encoding="utf-8")
            (folder / f"run-{n}.exit.txt").write_text(f"{run.proc.poll()}\n", encoding="utf-8")

    def close(self, timeout: float = 10) -> list[str]:
        """Make sure no run is left: SIGCONT and SIGTERM, SIGKILL after `timeout`; what it took."""
        said = []
        for run in self.runs:
            if run.alive():
                t0 = time.monotonic()
                with contextlib.suppress(ProcessLookupError):
                    os.kill(run.pid, signal.SIGCONT)
                    os.kill(run.pid, signal.SIGTERM)
                try:
                    code = run.proc.wait(timeout)
                    said.append(f"SIGTERM ended pid {run.pid} in {time.monotonic() - t0:.1f} s "
                                f"(exit {code})")  # fmt: skip
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(run.pid, signal.SIGKILL)
                    run.proc.wait(10)
                    said.append(f"SIGTERM did not end pid {run.pid} within {timeout:g} s: SIGKILL")
        return said


def start_obs(root: Path) -> HeadlessObs:
    obs = HeadlessObs(root / "obs", scenes=SCENES, fps=30)
    obs.start()
    with obs.session() as s:
        s.request("SetCurrentSceneTransition", {"transitionName": "Cut"})
        s.request("SetCurrentProgramScene", {"sceneName": SCENES[0]})
    return obs


def start_broker(root: Path) -> Broker:
    broker = Broker(root / "broker")
    broker.start()
    return broker
