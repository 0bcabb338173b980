"""Releasing a request at a clock instant, on time even while other processes load the CPUs.

An `asyncio.sleep` to the instant (or to 2 ms before it, then a busy wait)
is late by up to 10–15 ms when both cores are busy: the process waits for a
CPU when its timer fires. So `release_at` wakes `early` (20 ms) ahead, then
naps in half-millisecond sleeps — each wake-up is a fresh claim on a CPU that
the scheduler grants at once to a task that has barely run — and busy-waits
only the last millisecond. Measured with `stress-ng --cpu 2` on 2 cores: at
most about 4 ms late instead of 12–15 ms (bench/bench_obs_frames.py). The
cost: the event loop is blocked for `early` seconds per released request.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

from timekeeper.core.clock import Clock

EARLY = 0.020  # seconds before the instant the loop is taken over
NAP = 0.0005  # one short sleep of the final stretch
SPIN = 0.001  # the last stretch, busy-waited
CHUNK = 0.5  # longest coarse sleep before the clock is read again


async def release_at(clock: Clock, instant: datetime, *, early: float = EARLY) -> float:
    """Return at `instant` on `clock`; how late it returned, in real seconds (≥ 0)."""
    remaining = clock.real_seconds_until(instant)
    while remaining > early + CHUNK:
        await asyncio.sleep(CHUNK)
        remaining = clock.real_seconds_until(instant)
    if remaining > early:
        await asyncio.sleep(remaining - early)
        remaining = clock.real_seconds_until(instant)
    deadline = time.perf_counter() + remaining
    while deadline - time.perf_counter() > SPIN:
        time.sleep(NAP)
    while time.perf_counter() < deadline:
        pass
    return max(0.0, time.perf_counter() - deadline)
