"""sleep_until: precise on an idle loop, follows the injected clock."""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import UTC, datetime, timedelta

from timekeeper.core.clock import ManualClock, SimulatedClock, SystemClock
from timekeeper.show.timing import sleep_until


async def test_never_wakes_early_and_not_grossly_late() -> None:
    """Never before the instant (a cue must not fire early); how close after it is a figure
    for bench/bench_obs_switch.py (about 1 ms), not for a test on a machine of unknown load."""
    clock = SystemClock()
    errors = []
    for _ in range(10):
        target = clock.now() + timedelta(milliseconds=30)
        await sleep_until(clock, target)
        errors.append((clock.now() - target).total_seconds())
    assert min(errors) >= -0.0005  # never early (beyond clock granularity)
    assert statistics.median(errors) < 0.025  # a tick-sized sleep, not a lost wake-up


async def test_past_instant_returns_at_once_with_how_late() -> None:
    clock = SystemClock()
    t0 = time.perf_counter()
    late = await sleep_until(clock, clock.now() - timedelta(seconds=2))
    assert time.perf_counter() - t0 < 0.01
    assert 1.9 < late < 2.1


async def test_follows_a_simulated_clock_speed() -> None:
    clock = SimulatedClock(datetime(2030, 1, 1, tzinfo=UTC), speed=10)
    t0 = time.perf_counter()
    await sleep_until(clock, clock.now() + timedelta(seconds=1))  # 0.1 s real
    assert 0.09 < time.perf_counter() - t0 < 0.15


async def test_manual_clock_waits_until_moved() -> None:
    clock = ManualClock(datetime(2030, 1, 1, tzinfo=UTC))
    target = clock.now() + timedelta(minutes=5)
    task = asyncio.ensure_future(sleep_until(clock, target, chunk=0.01))
    await asyncio.sleep(0.05)
    assert not task.done()
    clock.set(target)
    await asyncio.wait_for(task, 1)
