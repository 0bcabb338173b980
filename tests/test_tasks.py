"""Stopping a task for sure (timekeeper.tasks): a swallowed cancel, a task that never ends."""

from __future__ import annotations

import asyncio
import contextlib
import time

from timekeeper.tasks import run_within, stop_task


async def _swallows_cancels(times: int, stopped: list[str]) -> None:
    """What asyncio.wait_for does on 3.11 when a cancel arrives as its wait completes."""
    for _ in range(times):
        if stopped:
            return
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(3600)
    await asyncio.sleep(3600)
    stopped.append("never")


async def test_a_task_that_swallows_cancels_is_cancelled_again_until_it_ends() -> None:
    stopped: list[str] = []
    task = asyncio.get_running_loop().create_task(_swallows_cancels(3, stopped))
    await asyncio.sleep(0)
    assert await stop_task(task, within=1.0)
    assert task.cancelled()


async def test_a_task_that_never_ends_is_left_behind_after_the_bound_not_waited_for() -> None:
    stopped: list[str] = []
    task = asyncio.get_running_loop().create_task(_swallows_cancels(10**9, stopped))
    await asyncio.sleep(0)
    start = time.monotonic()
    assert not await stop_task(task, within=0.2, what="a stubborn task")
    assert time.monotonic() - start < 1.0
    stopped.append("the test is over")  # it ends at its next cancel
    assert await stop_task(task, within=1.0)


async def test_run_within_says_whether_the_work_finished_in_time() -> None:
    assert await run_within(asyncio.sleep(0.01), within=1.0)
    start = time.monotonic()
    assert not await run_within(asyncio.sleep(3600), within=0.1)
    assert time.monotonic() - start < 1.0
