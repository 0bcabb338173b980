"""The as-run log's retry (a run service): records held in memory are written once the disk
takes them again, within `RETRY_EVERY`, not at the next record.

Why: after a failed write (a read-only or full disk, a folder made immutable) the log keeps
its records in memory and writes them with the next record (`asrun.log`). The next record
may be a long slot away, and until then the records a restart would need are only in
memory and the screen says the log is failing. The timer is injected (`sleep`): tests fire
it by hand.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from timekeeper.tasks import stop_task

if TYPE_CHECKING:
    from timekeeper.app.run import Runtime
    from timekeeper.asrun import AsRunLog

RETRY_EVERY = 1.0  # real seconds between two tries while the log is failing
STOP_WITHIN = 0.2

Sleep = Callable[[float], Awaitable[None]]


class LogRetry:
    """Tries the failing log's held records again every `every` seconds."""

    name = "as_run_log_retry"

    def __init__(
        self,
        log: AsRunLog | Callable[[], AsRunLog | None],
        every: float = RETRY_EVERY,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        """`log`: the log, or where it is now (a standby's: none until it takes over)."""
        self.log, self.every, self._sleep = log, every, sleep
        self._task: asyncio.Task[None] | None = None

    async def start(self, runtime: Runtime) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop(), name=self.name)

    async def _loop(self) -> None:
        while True:
            await self._sleep(self.every)
            log = self.log() if callable(self.log) else self.log
            if log is not None and not log.health.ok:
                log.retry()  # a success tells the front end (the log's on_health)

    async def stop(self) -> None:
        await stop_task(self._task, STOP_WITHIN, "the as-run log's retry")
        self._task = None
