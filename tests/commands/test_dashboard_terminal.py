"""The dashboard as an operator runs it: a real process on a pseudo-terminal, keys typed at a
person's pace, and the exit status a supervisor would see."""

from __future__ import annotations

import fcntl
import json
import os
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COLS, ROWS = 100, 30
PACE = 0.6  # seconds between keys: past the burst guard and a dialog's 300 ms arming


class Terminal:
    """One `timekeeper` process on a pseudo-terminal of 100x30."""

    def __init__(self, *args: str) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "timekeeper.cli", *args],
            stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, start_new_session=True,
        )  # fmt: skip
        os.close(slave)
        self.seen = b""

    def read(self, seconds: float, until: bytes | None = None) -> bool:
        """Read the screen for `seconds`, or until `until` appears (True)."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            ready, _, _ = select.select([self.master], [], [], min(left, 0.05))
            if ready:
                try:
                    self.seen += os.read(self.master, 65536)
                except OSError:
                    return False
                if until is not None and until in self.seen[-8192:]:
                    return True
        return False

    def type(self, *keys: str) -> None:
        for key in keys:
            os.write(self.master, key.encode())
            self.read(PACE)

    def wait(self, seconds: float = 15) -> int:
        end = time.monotonic() + seconds
        while self.proc.poll() is None and time.monotonic() < end:
            self.read(0.1)
        if self.proc.poll() is None:
            self.proc.kill()
        return self.proc.wait()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)


def test_quit_while_obs_is_unreachable_is_a_clean_exit(tmp_path: Path) -> None:
    """The seed names an OBS that is not running here: connect failures repeat while the show
    runs. `q`, then `y`, must end the run with exit 0 and a closed as-run log (a crash on the
    way out, once, turned every quit into exit 1 and a traceback)."""
    log = tmp_path / "run.jsonl"
    term = Terminal(
        "run", "programme.yaml", "--dry-run", "--at", "15:40", "--port", "0", "--log", str(log)
    )
    try:
        assert term.read(20, until=b"REHEARSAL"), term.seen[-2000:]
        term.read(4)  # a few failed connection attempts to the absent OBS
        term.type("q")
        assert term.read(10, until=b"Quit timekeeper"), "q did not ask"
        term.read(PACE)  # the dialog takes no answer in its first 300 ms
        term.type("y")
        code = term.wait()
        assert code == 0, term.seen[-3000:].decode(errors="replace")
    finally:
        term.close()
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert records[-1]["record"] == "close"
    assert b"Traceback" not in term.seen
