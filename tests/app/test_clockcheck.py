"""The clock itself checked: time sync at start and every minute, alarms before doors open."""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime

import pytest

from timekeeper.app.clockcheck import (
    INTERVAL,
    ClockCheck,
    parse_chrony,
    parse_timedatectl,
    system_time_sync,
    timex_sync,
)
from timekeeper.core.clock import ManualClock
from timekeeper.core.timesync import ClockReport, TimeSync
from timekeeper.obs.status import ObsState, ObsStatus
from timekeeper.ui.obspanel import describe_obs

T0 = datetime(2023, 11, 20, 14, 0, tzinfo=UTC)
SYNCED = TimeSync(True, 0.0004, "chronyc")
UNSYNCED = TimeSync(False, None, "adjtimex")


class StepTimer:
    """Sleeps only when the test lets it: each release ends one sleep."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []
        self._steps: asyncio.Queue[None] = asyncio.Queue()

    def monotonic(self) -> float:
        return sum(self.sleeps)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await self._steps.get()

    def release(self) -> None:
        self._steps.put_nowait(None)


class Scripted:
    """A time-sync probe answering from a list (the last answer repeats)."""

    def __init__(self, *answers: TimeSync) -> None:
        self.answers = list(answers)
        self.calls = 0
        self.called = asyncio.Event()

    async def __call__(self) -> TimeSync:
        self.calls += 1
        self.called.set()
        return self.answers[min(self.calls, len(self.answers)) - 1]


async def calls(probe: Scripted, n: int) -> None:
    async def wait() -> None:
        while probe.calls < n:
            probe.called.clear()
            await probe.called.wait()

    await asyncio.wait_for(wait(), 2)


async def test_checked_at_start_then_every_minute_recording_only_changes() -> None:
    records: list[dict[str, object]] = []
    probe = Scripted(SYNCED, SYNCED, UNSYNCED, UNSYNCED, SYNCED)
    timer = StepTimer()
    check = ClockCheck(ManualClock(T0), on_record=records.append, probe=probe, timer=timer)
    await check.start()
    try:
        await calls(probe, 1)  # at start, before any wait
        assert timer.sleeps == [INTERVAL] and INTERVAL == 60.0
        assert [r["event"] for r in records] == ["clock_check"]
        assert records[0]["synced"] is True and records[0]["offset_ms"] == 0.4
        for n in range(2, 6):
            timer.release()
            await calls(probe, n)
    finally:
        await check.stop()
    # the same result every minute is not written again: one line per change
    assert [r["event"] for r in records] == ["clock_check", "clock_alarm", "clock_check"]
    assert "NOT synchronised (adjtimex)" in str(records[1]["message"])
    assert check.report is not None and check.report.alarm is None


@pytest.mark.parametrize(
    ("sync", "alarm"),
    [
        (TimeSync(True, 0.099, "chronyc"), None),
        (TimeSync(True, -0.15, "chronyc"), "off by -150 ms"),
        (TimeSync(False, None, "timedatectl"), "NOT synchronised (timedatectl)"),
        (TimeSync(None, None, "none", "nothing could tell"), None),
    ],
)
def test_not_synchronised_or_over_100_ms_is_an_alarm_unknown_is_not(
    sync: TimeSync, alarm: str | None
) -> None:
    report = ClockReport(T0, sync)
    if alarm is None:
        assert report.alarm is None
    else:
        assert report.alarm is not None and alarm in report.alarm


async def test_a_failing_probe_reads_unknown() -> None:
    async def broken() -> TimeSync:
        raise OSError("no such thing")

    records: list[dict[str, object]] = []
    report = await ClockCheck(ManualClock(T0), on_record=records.append, probe=broken).check()
    assert report.sync.synced is None and report.alarm is None
    assert "unknown" in str(records[0]["message"])


def test_chrony_tracking_is_read() -> None:
    fast = (
        "Reference ID    : C0A80001 (ntp.example)\nStratum         : 3\n"
        "System time     : 0.000123456 seconds fast of NTP time\n"
        "Last offset     : -0.000012 seconds\nLeap status     : Normal\n"
    )
    sync = parse_chrony(fast)
    assert sync is not None and sync.synced is True and sync.source == "chronyc"
    assert sync.offset == pytest.approx(0.000123456)
    slow = fast.replace("0.000123456 seconds fast", "0.250000 seconds slow")
    lost = slow.replace("Normal", "Not synchronised")
    assert parse_chrony(slow).offset == pytest.approx(-0.25)  # type: ignore[union-attr]
    assert parse_chrony(lost).synced is False  # type: ignore[union-attr]
    assert parse_chrony("506 Cannot talk to daemon") is None


def test_timedatectl_is_read() -> None:
    sync = parse_timedatectl("NTP=yes\nNTPSynchronized=yes\n", "  Offset: -345us\n")
    assert sync is not None and sync.synced is True and sync.offset == pytest.approx(-0.000345)
    no = parse_timedatectl("NTP=no\nNTPSynchronized=no\n")
    assert no is not None and no.synced is False and no.offset is None
    assert parse_timedatectl("") is None


def test_adjtimex_states() -> None:
    assert timex_sync(5, 0x40, 0, 16_000_000).synced is False  # TIME_ERROR, STA_UNSYNC
    micro = timex_sync(0, 0x0001, 1500, 2000)
    assert micro.synced is True and micro.offset == pytest.approx(0.0015)
    nano = timex_sync(0, 0x2001, 1_500_000, 2000)  # STA_NANO: the offset is in ns
    assert nano.offset == pytest.approx(0.0015)


async def test_the_real_probe_on_this_machine_is_sane_or_unknown() -> None:
    sync = await system_time_sync()
    assert sync.source in ("chronyc", "timedatectl", "adjtimex", "none")
    if sync.synced is None:
        assert sync.source == "none" and sync.offset is None
    if sync.offset is not None:
        assert math.isfinite(sync.offset) and abs(sync.offset) < 86400
    print(f"\nthis machine: {ClockReport(T0, sync).message}")


def test_the_panel_shows_the_clock_and_obs_round_trip() -> None:
    connected = ObsStatus(state=ObsState.CONNECTED, url="ws://x", obs_rtt=0.0021)
    ok = describe_obs(connected, clock=ClockReport(T0, SYNCED)).lines[-1]
    assert ok == ("Clock ✓ +0.4 ms · OBS rtt 2 ms", "")
    bad = describe_obs(connected, clock=ClockReport(T0, UNSYNCED)).lines[-1]
    assert bad == ("Clock ✗ NOT SYNCED · OBS rtt 2 ms", "bold red")
    off = describe_obs(connected, clock=ClockReport(T0, TimeSync(True, 0.2, "chronyc")))
    assert off.lines[-1][0] == "Clock ✗ off +200 ms · OBS rtt 2 ms"
    away = ObsStatus(state=ObsState.DISCONNECTED, url="ws://x", obs_rtt=0.0021)
    unknown = ClockReport(T0, TimeSync(None, None, "none"))
    assert describe_obs(away, clock=unknown).lines[-1][0] == "Clock ? sync unknown"  # no stale rtt
