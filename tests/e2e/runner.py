"""`timekeeper` as a subprocess: its JSON lines read as they come, waits that poll with a timeout.

Every process started here is killed by its own PID (`Run.kill`, `Run.close`);
nothing is ever signalled by name.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[2]
Line = dict[str, Any]


def timekeeper_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "timekeeper.cli", *args]


def run_argv(programme: Path, log: Path, *extra: str) -> list[str]:
    """`timekeeper run PROGRAMME --headless --port 0 --log LOG` (the LIVE show unless `extra`)."""
    return timekeeper_argv(
        "run", str(programme), "--headless", "--port", "0", "--log", str(log), *extra
    )


def environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TK_TEST_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


class Run:
    """One `timekeeper run --headless`: stdout parsed line by line on a thread."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str]) -> None:
        self.argv = list(argv)
        self.lines: list[Line] = []
        self.raw: list[str] = []
        self._queue: queue.Queue[Line | None] = queue.Queue()
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.stderr = ""
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self._out = threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True)
        self._err = threading.Thread(target=self._read_err, args=(self.proc.stderr,), daemon=True)
        self._out.start()
        self._err.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read(self, stream: IO[str]) -> None:
        for text in stream:
            self.raw.append(text)
            try:
                line = json.loads(text)
            except ValueError:
                line = {"event": "not_json", "text": text}
            self._queue.put(line)
        self._queue.put(None)

    def _read_err(self, stream: IO[str]) -> None:
        self.stderr = stream.read()

    def _pump(self, timeout: float) -> bool:
        """Move one line from the reader to `lines`; False at the end of the output."""
        try:
            line = self._queue.get(timeout=timeout)
        except queue.Empty:
            return True
        if line is None:
            self._queue.put(None)  # keep the end marker for the next caller
            return False
        self.lines.append(line)
        return True

    def wait_for(
        self,
        match: Callable[[Line], bool] | str,
        *,
        timeout: float,
        after: int = 0,
        what: str = "",
    ) -> tuple[int, Line]:
        """The first line (at index >= `after`) that matches; its index. Fails on timeout/exit."""
        test = (lambda ln: ln.get("event") == match) if isinstance(match, str) else match
        deadline = time.monotonic() + timeout
        index = after
        while True:
            while index < len(self.lines):
                if test(self.lines[index]):
                    return index, self.lines[index]
                index += 1
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"no {what or match} line within {timeout:g} s; got {self.kinds()}\n"
                    f"stderr: {self.stderr[-2000:]}"
                )
            if not self._pump(min(left, 0.05)) and index >= len(self.lines):
                raise AssertionError(
                    f"the run exited ({self.proc.poll()}) without a {what or match} line; "
                    f"got {self.kinds()}\nstderr: {self.stderr[-2000:]}"
                )

    def finish(self, timeout: float) -> int:
        """Wait for the exit; read every line; the exit code."""
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(
                f"the run did not exit within {timeout:g} s; got {self.kinds()}"
            ) from None
        self._drain()
        return code

    def _drain(self) -> None:
        """After the exit: every line the reader thread still holds."""
        self._out.join(10)
        self._err.join(10)
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                self.lines.append(item)
        self._queue.put(None)  # later waits see the end of the output

    def kill(self) -> None:
        """SIGKILL (a crash), by this run's own PID; reap it."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(10)
        self._drain()

    def close(self) -> None:
        """For finally blocks: make sure the process is gone."""
        if self.proc.poll() is None:
            self.kill()

    # ------------------------------------------------------------------ reading the output

    def kinds(self) -> list[str]:
        return [str(line.get("event")) for line in self.lines]

    def of(self, kind: str, **match: Any) -> list[Line]:
        return [
            line
            for line in self.lines
            if line.get("event") == kind and all(line.get(k) == v for k, v in match.items())
        ]

    def text(self) -> str:
        return "".join(self.raw) + self.stderr


def read_jsonl(path: Path) -> list[Line]:
    """The records of an as-run log (a cut-off last line is left out)."""
    out = []
    for text in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if text.endswith("\n"):
            out.append(json.loads(text))
    return out


def cli(
    *args: str, env: Mapping[str, str], timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        timekeeper_argv(*args),
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
