"""Hitting an instant precisely on an asyncio loop.

`asyncio.sleep` wakes up to a millisecond or so early or late (epoll's
millisecond timeout, the loop's clock resolution, other callbacks), which is
too coarse for "the request leaves within a few milliseconds of the
boundary". So: sleep coarsely until `spin` seconds before the instant, then
busy-wait the last stretch on `time.perf_counter`. The busy wait blocks the
loop for at most ~`spin` + the sleep's inaccuracy, a few milliseconds per
boundary.

Long waits are cut into chunks that re-read the clock, so a clock that is
corrected (NTP), simulated at another speed or moved by hand (ManualClock in
tests) is followed; the final stretch is timed on the monotonic counter.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

from timekeeper.core.clock import Clock

SPIN = 0.002  # seconds busy-waited before the instant
CHUNK = 0.5  # longest coarse sleep before the clock is read again


async def sleep_until(
    clock: Clock, instant: datetime, *, spin: float = SPIN, chunk: float = CHUNK
) -> float:
    """Return at `instant` on `clock`, precise to well under a millisecond on an idle loop.

    Returns how late it returned, in real seconds (0 or a little more; larger
    if `instant` had already passed when called).
    """
    remaining = clock.real_seconds_until(instant)
    while remaining > spin + chunk:
        await asyncio.sleep(chunk)
        remaining = clock.real_seconds_until(instant)
    deadline = time.perf_counter() + remaining
    if remaining > spin:
        await asyncio.sleep(remaining - spin)
    while time.perf_counter() < deadline:
        pass
    return max(0.0, time.perf_counter() - deadline) if remaining > 0 else -remaining
