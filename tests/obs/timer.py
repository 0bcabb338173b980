"""A timer the test fires by hand (the `sleep` injected into periodic OBS work, the
announcements) and a monotonic clock it moves by hand (`ManualMono`)."""

from __future__ import annotations

import asyncio


class ManualTimer:
    """`sleep(seconds)` waits until the test calls `fire()`; nothing waits on real time."""

    def __init__(self) -> None:
        self.asked: list[float] = []  # every period asked for
        self._waiting: asyncio.Future[None] | None = None
        self._asked = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        self.asked.append(seconds)
        self._waiting = asyncio.get_running_loop().create_future()
        self._asked.set()
        await self._waiting

    async def fire(self, timeout: float = 5.0) -> None:
        """End the pending sleep, then wait until the work it led to asks for the next one."""
        await self.wait_pending(timeout)
        assert self._waiting is not None
        self._asked.clear()
        self._waiting.set_result(None)
        self._waiting = None
        await self.wait_pending(timeout)

    async def wait_pending(self, timeout: float = 5.0) -> None:
        if self._waiting is None or self._waiting.done():
            await asyncio.wait_for(self._asked.wait(), timeout)


class ManualMono:
    """A monotonic clock (real seconds) that moves only when the test says: `mono.advance(s)`."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now
