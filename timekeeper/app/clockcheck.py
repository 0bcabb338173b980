"""The clock itself, checked: is this machine's time synchronised, and how far off is it?

Every countdown timekeeper shows is computed from this machine's time of day,
so a clock that is not synchronised (or is off by more than `core.timesync.MAX_OFFSET`) is an
alarm before doors open. Owns the probe of the machine's time synchronisation
(`system_time_sync`: `chronyc tracking`, else `timedatectl`, else the kernel's
`adjtimex` through ctypes; none of them usable reads honestly as "unknown",
never as fine) and `ClockCheck`, the run's service that checks at start and then every
`INTERVAL` on an injected timer, and records the first result and every change
of alarm (not every minute's). It must not read the show's clock for anything
but stamping its records, nor talk to OBS (the OBS round trip is the
controller's `obs_rtt`).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import re
import sys
from collections.abc import Awaitable, Callable, Mapping

from timekeeper.core.clock import Clock
from timekeeper.core.timesync import UNKNOWN, ClockReport, Record, TimeSync
from timekeeper.obs.probe import LoopTimer, Timer

INTERVAL = 60.0  # real seconds between checks
COMMAND_TIMEOUT = 2.0

SyncProbe = Callable[[], Awaitable[TimeSync]]


class ClockCheck:
    """The run's clock check: at start, then every `interval` real seconds (a Service)."""

    name = "clock"

    def __init__(
        self,
        clock: Clock,
        *,
        on_record: Callable[[Record], None],
        probe: SyncProbe | None = None,
        timer: Timer | None = None,
        interval: float = INTERVAL,
    ) -> None:
        self._clock = clock
        self._on_record = on_record
        self._probe = probe or system_time_sync
        self._timer = timer or LoopTimer()
        self._interval = interval
        self._task: asyncio.Task[None] | None = None
        self.report: ClockReport | None = None

    async def start(self, runtime: object = None) -> None:
        self._task = asyncio.create_task(self._loop(), name="clock-check")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def check(self) -> ClockReport:
        """One check; recorded if it is the first or its alarm differs from the last one's."""
        try:
            sync = await self._probe()
        except Exception as exc:  # a broken probe is "unknown", never a crash
            sync = TimeSync(None, None, "none", f"the check failed: {exc}")
        report = ClockReport(self._clock.now(), sync)
        before, self.report = self.report, report
        if before is None or before.alarm != report.alarm:
            self._on_record(report.record())
        return report

    async def _loop(self) -> None:
        while True:
            await self.check()
            await self._timer.sleep(self._interval)


# ---------------------------------------------------------------------- the machine's probes


async def system_time_sync() -> TimeSync:
    """chrony if it runs, else systemd's view, else the kernel's; else unknown."""
    for probe in (chrony, timedatectl):
        sync = await probe()
        if sync is not None:
            return sync
    return adjtimex() or UNKNOWN


async def _run(*argv: str) -> str | None:
    """A command's stdout, or None if it is missing, fails or takes too long."""
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
    except OSError:
        return None
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), COMMAND_TIMEOUT)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        return None
    return out.decode(errors="replace") if proc.returncode == 0 else None


def _fields(text: str, sep: str) -> Mapping[str, str]:
    pairs = (line.split(sep, 1) for line in text.splitlines() if sep in line)
    return {k.strip(): v.strip() for k, v in pairs}


async def chrony() -> TimeSync | None:
    out = await _run("chronyc", "tracking")
    return None if out is None else parse_chrony(out)


def parse_chrony(text: str) -> TimeSync | None:
    fields = _fields(text, ":")
    leap = fields.get("Leap status")
    if leap is None:
        return None
    offset = None
    m = re.match(r"([\d.]+) seconds (fast|slow)", fields.get("System time", ""))
    if m:
        offset = float(m.group(1)) * (1 if m.group(2) == "fast" else -1)
    synced = leap.lower() != "not synchronised"
    return TimeSync(synced, offset, "chronyc", f"leap status {leap}")


async def timedatectl() -> TimeSync | None:
    out = await _run("timedatectl", "show", "-p", "NTPSynchronized", "-p", "NTP")
    if out is None:
        return None
    status = await _run("timedatectl", "timesync-status")
    return parse_timedatectl(out, status)


def parse_timedatectl(show: str, timesync: str | None = None) -> TimeSync | None:
    value = _fields(show, "=").get("NTPSynchronized")
    if value not in ("yes", "no"):
        return None
    offset = None
    m = re.search(r"Offset:\s*([+-]?[\d.]+)\s*(us|µs|ms|s)\b", timesync or "")
    if m:
        offset = float(m.group(1)) * {"us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0}[m.group(2)]
    return TimeSync(value == "yes", offset, "timedatectl", f"NTPSynchronized={value}")


class _Timeval(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_usec", ctypes.c_long)]


class _Timex(ctypes.Structure):
    """struct timex of <sys/timex.h> (Linux)."""

    _fields_ = [
        ("modes", ctypes.c_uint), ("offset", ctypes.c_long), ("freq", ctypes.c_long),
        ("maxerror", ctypes.c_long), ("esterror", ctypes.c_long), ("status", ctypes.c_int),
        ("constant", ctypes.c_long), ("precision", ctypes.c_long),
        ("tolerance", ctypes.c_long), ("time", _Timeval), ("tick", ctypes.c_long),
        ("ppsfreq", ctypes.c_long), ("jitter", ctypes.c_long), ("shift", ctypes.c_int),
        ("stabil", ctypes.c_long), ("jitcnt", ctypes.c_long), ("calcnt", ctypes.c_long),
        ("errcnt", ctypes.c_long), ("stbcnt", ctypes.c_long), ("tai", ctypes.c_int),
        ("_reserved", ctypes.c_int * 11),
    ]  # fmt: skip


TIME_ERROR = 5
STA_UNSYNC = 0x0040
STA_NANO = 0x2000


def adjtimex() -> TimeSync | None:
    """The kernel's NTP state (read only: modes 0); None where there is no adjtimex."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        tx = _Timex()
        state = int(libc.adjtimex(ctypes.byref(tx)))
    except (OSError, AttributeError):
        return None
    if state < 0:
        return None
    return timex_sync(state, tx.status, tx.offset, tx.esterror)


def timex_sync(state: int, status: int, offset: int, esterror: int) -> TimeSync:
    """adjtimex's answer as a TimeSync (offset in µs, or ns with STA_NANO; esterror in µs)."""
    if state == TIME_ERROR or status & STA_UNSYNC:
        return TimeSync(False, None, "adjtimex", "the kernel's clock is not NTP-disciplined")
    seconds = offset * (1e-9 if status & STA_NANO else 1e-6)
    return TimeSync(True, seconds, "adjtimex", f"estimated error ±{esterror / 1000:.1f} ms")
