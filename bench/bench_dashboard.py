"""Benchmark the operator dashboard: CPU against a bare Digits clock, first frame, peak memory.

Both apps run as real processes in a pseudo-terminal (as an operator's terminal
would host them):

(a) CPU: process CPU time over `--seconds` of a live slot (the keynote of a
    dry run started at 15:40, OBS configured but not running), against a bare
    Textual app that only updates a Digits clock at 4 Hz; the ratio should be
    <= 1.5. The two run alternately, `--rounds` times (the order flips each
    round), so both see the same load; each round's ratio is printed with the
    load average, and the median decides.
(b) First frame: from spawning `timekeeper run ... --dry-run` to its first
    painted screen (the REHEARSAL banner appearing on the terminal); < 1 s.
(c) Peak memory: the dashboard's resident set (ru_maxrss); < 80 MB.

`--count` measures what load does not change instead: over the same window, the
work each app does per second (event-loop wake-ups, callbacks by name, widgets
rendered, frames composited, TCP connects); with BENCH_PROFILE=FILE set, the
window is also profiled (cProfile) into FILE.dashboard and FILE.bare.

Linux only (reads /proc for CPU time of a running process).
Run: `python bench/bench_dashboard.py [--seconds 60] [--rounds 3] [--count]`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import fcntl
import json
import os
import resource
import runpy
import select
import selectors
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLS, ROWS = 100, 30
TARGET_RATIO, TARGET_FIRST_FRAME, TARGET_MB = 1.5, 1.0, 80.0
BARE_HZ = 4.0  # the reference: a bare clock at 4 Hz
TICKS = os.sysconf("SC_CLK_TCK")
WINDOW = signal.SIGUSR1  # sent to a counted child at the start and the end of the window


@dataclass
class Run:
    first_frame: float  # seconds from spawn to the marker on the terminal
    cpu: float  # CPU seconds spent during the measured window
    maxrss_mb: float
    terminal_bytes: int  # written to the terminal during the window


def _cpu_seconds(pid: int) -> float:
    """utime + stime of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _drain(fd: int, until: float, marker: bytes | None = None) -> int | None:
    """Read the terminal until `until` (monotonic): the bytes read, or None as soon as
    `marker` shows up (or the terminal closes)."""
    seen = b""
    total = 0
    while (left := until - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], min(left, 0.05))
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return None
        total += len(chunk)
        if marker is not None:
            seen = (seen + chunk)[-4096:]
            if marker in seen:
                return None
    return total


def run_in_pty(
    argv: list[str], marker: bytes, seconds: float, quit_keys: bytes, *, signal_window: bool = False
) -> Run:
    """Spawn `argv` on a pseudo-terminal, wait for `marker`, measure CPU over `seconds`.

    `signal_window`: send the child WINDOW at the start and the end of the window.
    """
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    start = time.monotonic()
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, start_new_session=True
    )
    os.close(slave)
    try:
        if _drain(master, start + 15, marker) is not None:
            raise SystemExit(f"no first frame from {' '.join(argv)} within 15 s")
        first_frame = time.monotonic() - start
        _drain(master, time.monotonic() + 1.0)  # settle: the first second is start-up work
        if signal_window:
            proc.send_signal(WINDOW)
        cpu0 = _cpu_seconds(proc.pid)
        written = _drain(master, time.monotonic() + seconds) or 0
        cpu = _cpu_seconds(proc.pid) - cpu0
        if signal_window:
            proc.send_signal(WINDOW)
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
    return Run(first_frame, cpu, usage.ru_maxrss / 1024, written)


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


# ---------------------------------------------------------------- counting (--count)


def _callback_name(callback: object) -> str:
    """What an event-loop callback runs: a task's coroutine, or the function's name."""
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, asyncio.Task):
        coro = owner.get_coro()
        return f"task {getattr(coro, '__qualname__', type(coro).__name__)}"
    return str(getattr(callback, "__qualname__", type(callback).__name__))


def _refresh_label(widget: object, *_: object, **kwargs: object) -> str:
    layout = " (layout)" if kwargs.get("layout") else ""
    return f"refresh {type(widget).__name__}#{getattr(widget, 'id', None)}{layout}"


def counted_child(out: str, argv: list[str]) -> None:
    """Run `argv` (a module or script and its arguments) counting its work in the window.

    Counts event-loop wake-ups (the main thread's selector returning), callbacks
    run by name, widgets rendered, frames composited and TCP connects; WINDOW
    snapshots the counts; the difference of the two snapshots is written to `out`.
    """
    from textual._compositor import Compositor
    from textual.widget import Widget

    counts: Counter[str] = Counter()
    snaps: list[Counter[str]] = []
    main = threading.main_thread()

    def wrap(owner: type, name: str, key: object) -> None:
        original = getattr(owner, name)

        def counted(*args: object, **kwargs: object) -> object:
            label = key(*args, **kwargs) if callable(key) else key
            if label is not None:
                counts[str(label)] += 1
            return original(*args, **kwargs)

        setattr(owner, name, counted)

    wrap(
        selectors.EpollSelector,
        "select",
        lambda *_, **__: "loop wake-ups" if threading.current_thread() is main else None,
    )
    wrap(asyncio.Handle, "_run", lambda h, **_: f"callback {_callback_name(h._callback)}")
    wrap(Widget, "render_lines", lambda w, *_, **__: f"render_lines {type(w).__name__}#{w.id}")
    wrap(Widget, "render", lambda w, **_: f"render {type(w).__name__}#{w.id}")
    wrap(Widget, "refresh", _refresh_label)
    wrap(Compositor, "render_update", "frames composited")
    wrap(socket.socket, "connect", "tcp connects")
    wrap(socket.socket, "connect_ex", "tcp connects")

    profile_to = os.environ.get("BENCH_PROFILE")  # also a cProfile of the window, to this file
    if profile_to:
        profile_to += ".bare" if "--bare" in argv else ".dashboard"
    profiler = cProfile.Profile() if profile_to else None

    def snapshot(*_: object) -> None:
        snaps.append(Counter(counts))
        if profiler is not None and len(snaps) == 1:
            profiler.enable()
        if len(snaps) == 2:
            Path(out).write_text(json.dumps(snaps[1] - snaps[0]))
            if profiler is not None and profile_to:
                profiler.disable()
                profiler.dump_stats(profile_to)

    signal.signal(WINDOW, snapshot)
    sys.argv = argv
    if argv[0] == "-m":
        sys.argv = argv[1:]
        sys.path.insert(0, os.getcwd())  # as `python -m` does: the checkout under test first
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    else:
        runpy.run_path(argv[0], run_name="__main__")


def count(
    label: str, argv: list[str], marker: bytes, seconds: float, quit_keys: bytes
) -> dict[str, float]:
    """Per-second counts of `argv`'s work over the window (see `counted_child`)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp, "counts.json")
        wrapped = [sys.executable, __file__, "--counted", str(out), "--", *argv]
        run = run_in_pty(wrapped, marker, seconds, quit_keys, signal_window=True)
        counts: dict[str, int] = json.loads(out.read_text()) if out.exists() else {}
    rates = {key: n / seconds for key, n in counts.items()}
    rates["terminal bytes"] = run.terminal_bytes / seconds
    print(f"{label}: per second over {seconds:g} s")
    for key, rate in sorted(rates.items(), key=lambda kv: -kv[1]):
        if rate >= 0.05:
            print(f"  {rate:9.2f}  {key}")
    return rates


# ---------------------------------------------------------------- main


def _dashboard_argv(args: argparse.Namespace) -> list[str]:
    port = "0" if args.no_speaker else str(_free_port())  # as the operator runs it: served
    return [
        "-m", "timekeeper.cli", "run", args.programme,
        "--dry-run", "--at", args.at, "--port", port,
    ]  # fmt: skip


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="measured window (60)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (3)")
    parser.add_argument("--programme", default="programme.yaml", help="programme to run")
    parser.add_argument("--at", default="15:40:00", help="pretend time: a live slot (15:40:00)")
    parser.add_argument(
        "--no-speaker", action="store_true", help="without the speaker-screen server (--port 0)"
    )
    parser.add_argument(
        "--count", action="store_true", help="count work per second instead of timing CPU"
    )
    parser.add_argument("--bare", type=float, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--counted", default=None, help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.counted is not None:
        counted_child(args.counted, rest[1:] if rest[:1] == ["--"] else rest)
        return 0
    if args.bare is not None:
        bare_app(args.bare)
        return 0
    python = sys.executable
    dashboard = _dashboard_argv(args)
    bare = [__file__, "--bare", str(BARE_HZ)]
    print(f"dashboard: {' '.join(dashboard[1:])}  ({COLS}x{ROWS}, {args.seconds:g} s)", flush=True)
    if args.count:
        count("dashboard", dashboard, b"REHEARSAL", args.seconds, b"qy")
        count(f"bare clock at {BARE_HZ:g} Hz", bare, b"BARE CLOCK", args.seconds, b"q")
        return 0
    ratios: list[float] = []
    dash_runs: list[Run] = []
    for n in range(args.rounds):
        load = _load()
        runs: dict[str, Run] = {}
        order = ("dash", "bare") if n % 2 == 0 else ("bare", "dash")
        for which in order:
            if which == "dash":
                runs[which] = run_in_pty([python, *dashboard], b"REHEARSAL", args.seconds, b"qy")
            else:
                runs[which] = run_in_pty([python, *bare], b"BARE CLOCK", args.seconds, b"q")
        dash, base = runs["dash"], runs["bare"]
        ratio = dash.cpu / base.cpu if base.cpu > 0 else float("inf")
        ratios.append(ratio)
        dash_runs.append(dash)
        print(
            f"round {n + 1}: {ratio:.2f}  (dashboard {dash.cpu:.2f} s vs bare {base.cpu:.2f} s CPU;"
            f" {_load()} after, {load} before; first {' then '.join(order)})",
            flush=True,
        )
    ratio = statistics.median(ratios)
    first_frame = statistics.median(r.first_frame for r in dash_runs)
    maxrss = max(r.maxrss_mb for r in dash_runs)
    rows = [
        (
            f"(a) CPU dashboard / bare clock at {BARE_HZ:g} Hz",
            f"{ratio:.2f} median  ({min(ratios):.2f}-{max(ratios):.2f})",
            f"<= {TARGET_RATIO}",
            ratio <= TARGET_RATIO,
        ),
        (
            "(b) command to first frame (median)",
            f"{first_frame * 1000:.0f} ms",
            f"< {TARGET_FIRST_FRAME * 1000:.0f} ms",
            first_frame < TARGET_FIRST_FRAME,
        ),
        (
            "(c) peak memory (ru_maxrss)",
            f"{maxrss:.1f} MB",
            f"< {TARGET_MB:.0f} MB",
            maxrss < TARGET_MB,
        ),
    ]
    for name, value, target, ok in rows:
        print(f"{name:<44} {value:<34} target {target:<9} {'ok' if ok else 'MISSED'}")
    return 0 if all(ok for *_, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
