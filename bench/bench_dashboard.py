"""Benchmark the operator dashboard: CPU against a bare Digits clock, first frame, peak memory.

Both apps run as real processes in a pseudo-terminal (as an operator's terminal
would host them), at the dashboard's refresh rate:

(a) CPU: process CPU time over `--seconds` of a live slot (the keynote of a
    dry run started at 15:40), against a bare Textual app that only updates a
    Digits clock at the same rate and at 4 Hz; each ratio should be <= 1.5.
(b) First frame: from spawning `timekeeper run ... --dry-run` to its first
    painted screen (the REHEARSAL banner appearing on the terminal); < 1 s.
(c) Peak memory: the dashboard's resident set (ru_maxrss); < 80 MB.

Linux only (reads /proc for CPU time of a running process).
Run: `python bench/bench_dashboard.py [--seconds 60] [--programme programme.yaml]`.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import resource
import select
import signal
import socket
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLS, ROWS = 100, 30
TARGET_RATIO, TARGET_FIRST_FRAME, TARGET_MB = 1.5, 1.0, 80.0
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    first_frame: float  # seconds from spawn to the marker on the terminal
    cpu: float  # CPU seconds spent during the measured window
    maxrss_mb: float


def _cpu_seconds(pid: int) -> float:
    """utime + stime of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _drain(fd: int, until: float, marker: bytes | None = None) -> bool:
    """Read the terminal until `until` (monotonic); True as soon as `marker` shows up."""
    seen = b""
    while (left := until - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], min(left, 0.05))
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return False
        if marker is not None:
            seen = (seen + chunk)[-4096:]
            if marker in seen:
                return True
    return False


def run_in_pty(argv: list[str], marker: bytes, seconds: float, quit_keys: bytes) -> Run:
    """Spawn `argv` on a pseudo-terminal, wait for `marker`, measure CPU over `seconds`."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    start = time.monotonic()
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, start_new_session=True
    )
    os.close(slave)
    try:
        if not _drain(master, start + 15, marker):
            raise SystemExit(f"no first frame from {' '.join(argv)} within 15 s")
        first_frame = time.monotonic() - start
        _drain(master, time.monotonic() + 1.0)  # settle: the first second is start-up work
        cpu0 = _cpu_seconds(proc.pid)
        _drain(master, time.monotonic() + seconds)
        cpu = _cpu_seconds(proc.pid) - cpu0
        for key in quit_keys:
            os.write(master, bytes([key]))
            _drain(master, time.monotonic() + 0.6)  # a person's pace: past the burst guard and
            # the dialog's 300 ms arming
        usage = _reap(proc, master)
    finally:
        if proc.returncode is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return Run(first_frame, cpu, usage.ru_maxrss / 1024)


def _reap(proc: subprocess.Popen[bytes], master: int) -> resource.struct_rusage:
    """Wait (5 s, then SIGTERM) for the child to exit; its own resource usage."""
    deadline = time.monotonic() + 5
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return usage
        if time.monotonic() > deadline:
            proc.send_signal(signal.SIGTERM)
            deadline += 5
        _drain(master, time.monotonic() + 0.1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bare_app(hz: float) -> None:
    """The baseline: a Textual app that only shows a Digits clock at the dashboard's rate."""
    from textual.app import App, ComposeResult
    from textual.binding import Binding
    from textual.widgets import Digits, Label

    from timekeeper.core.clock import SystemClock

    clock = SystemClock()

    class Bare(App[None]):
        BINDINGS = [Binding("q", "quit")]  # noqa: RUF012

        def compose(self) -> ComposeResult:
            yield Label("BARE CLOCK")
            yield Digits(id="clock")

        def on_mount(self) -> None:
            self.set_interval(1 / hz, self.tick)

        def tick(self) -> None:
            self.query_one(Digits).update(f"{clock.now():%H:%M:%S}")

    Bare().run()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="measured window (60)")
    parser.add_argument("--programme", default="programme.yaml", help="programme to run")
    parser.add_argument("--at", default="15:40:00", help="pretend time: a live slot (15:40:00)")
    parser.add_argument(
        "--no-speaker", action="store_true", help="without the speaker-screen server (--port 0)"
    )
    parser.add_argument("--bare", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare is not None:
        bare_app(args.bare)
        return 0
    from timekeeper.ui.app import REFRESH_HZ

    python = sys.executable
    port = "0" if args.no_speaker else str(_free_port())  # as the operator runs it: served
    dashboard = [
        python, "-m", "timekeeper.cli", "run", args.programme,
        "--dry-run", "--at", args.at, "--port", port,
    ]  # fmt: skip
    print(f"dashboard: {' '.join(dashboard[1:])}  ({COLS}x{ROWS}, {args.seconds:g} s)", flush=True)
    dash = run_in_pty(dashboard, b"REHEARSAL", args.seconds, b"qy")
    print(f"bare clock: Textual + Digits at {REFRESH_HZ:g} Hz ({args.seconds:g} s)", flush=True)
    bare = run_in_pty(
        [python, __file__, "--bare", str(REFRESH_HZ)], b"BARE CLOCK", args.seconds, b"q"
    )
    print(f"bare clock: Textual + Digits at 4 Hz ({args.seconds:g} s)", flush=True)
    bare4 = run_in_pty([python, __file__, "--bare", "4"], b"BARE CLOCK", args.seconds, b"q")
    ratio = dash.cpu / bare.cpu if bare.cpu > 0 else float("inf")
    ratio4 = dash.cpu / bare4.cpu if bare4.cpu > 0 else float("inf")
    rows = [
        (
            f"(a) CPU dashboard / bare clock at {REFRESH_HZ:g} Hz",
            f"{ratio:.2f}  ({dash.cpu:.2f} s vs {bare.cpu:.2f} s CPU)",
            f"<= {TARGET_RATIO}",
            ratio <= TARGET_RATIO,
        ),
        (
            "(a') CPU dashboard / bare clock at 4 Hz",
            f"{ratio4:.2f}  ({dash.cpu:.2f} s vs {bare4.cpu:.2f} s CPU)",
            f"<= {TARGET_RATIO}",
            ratio4 <= TARGET_RATIO,
        ),
        (
            "(b) command to first frame",
            f"{dash.first_frame * 1000:.0f} ms",
            f"< {TARGET_FIRST_FRAME * 1000:.0f} ms",
            dash.first_frame < TARGET_FIRST_FRAME,
        ),
        (
            "(c) peak memory (ru_maxrss)",
            f"{dash.maxrss_mb:.1f} MB  (bare: {bare.maxrss_mb:.1f} MB)",
            f"< {TARGET_MB:.0f} MB",
            dash.maxrss_mb < TARGET_MB,
        ),
    ]
    for name, value, target, ok in rows:
        print(f"{name:<44} {value:<34} target {target:<9} {'ok' if ok else 'MISSED'}")
    return 0 if all(ok for *_, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
