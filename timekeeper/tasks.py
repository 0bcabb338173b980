"""Stopping a task for sure: cancel it until it is done, within a bound.

On Python 3.11 one `task.cancel()` can be lost: `asyncio.wait_for` (inside aiomqtt's
`publish`, the show scheduler's wake-up, aiohttp's timeouts) swallows a cancel that
arrives just as the wait completes (CPython issue 86296, fixed in 3.12), and a
`while True` loop then goes back to waiting for work that never comes. So every stop
goes through `stop_task`: it cancels again every few milliseconds until the task is
done, and gives up after `within` seconds (logged, False returned) so that quitting
never waits on a task that will not end. `run_within` bounds any awaitable the same
way. Both wait with `asyncio.wait`, which never swallows a cancel of the caller.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)

RECANCEL_EVERY = 0.02  # seconds between two cancels of a task that has not ended yet


async def stop_task(task: asyncio.Task[Any] | None, within: float, what: str = "") -> bool:
    """Cancel `task` until it is done, for at most `within` seconds; True if it ended.

    An exception the task ended with is logged, not raised: a stop goes on stopping.
    If the caller is cancelled meanwhile, the task is cancelled once more and the
    caller's cancel goes on."""
    if task is None:
        return True
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    try:
        while not task.done():
            remaining = deadline - loop.time()
            if remaining <= 0:
                name = what or task.get_name()
                log.warning("%s did not stop within %.1f s: left behind", name, within)
                return False
            task.cancel()
            await asyncio.wait({task}, timeout=min(RECANCEL_EVERY, remaining))
    except asyncio.CancelledError:
        task.cancel()
        raise
    if not task.cancelled() and task.exception() is not None:
        log.warning(
            "%s ended on an error while stopping",
            what or task.get_name(),
            exc_info=task.exception(),
        )
    return True


async def run_within(coro: Coroutine[Any, Any, Any], within: float, what: str = "") -> bool:
    """Run `coro` for at most `within` seconds, then stop it (`stop_task`); True if it
    finished by itself in time. Its exception, if any, is logged, not raised."""
    task = asyncio.get_running_loop().create_task(coro, name=what or None)
    try:
        await asyncio.wait({task}, timeout=within)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if task.done():
        if not task.cancelled() and task.exception() is not None:
            log.warning("%s failed", what or task.get_name(), exc_info=task.exception())
        return not task.cancelled()
    log.warning("%s took longer than %.1f s: stopped", what or task.get_name(), within)
    await stop_task(task, STOP_GRACE, what)
    return False


STOP_GRACE = 0.2  # seconds a task that ran out of time has to end once cancelled
