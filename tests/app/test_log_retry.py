"""The as-run log's retry: held records reach the disk once it takes them again, without
waiting for the next record of the show (which may be a long slot away)."""

from __future__ import annotations

import asyncio
import errno
import os
from pathlib import Path

import pytest

from tests.asrun.rig import REAL_START, on_disk
from tests.factories import at, webinar
from timekeeper.app.log_retry import LogRetry
from timekeeper.asrun import log as logmod
from timekeeper.asrun.log import AsRunLog, LogHealth, RunHeader, read_log
from timekeeper.core.clock import ManualClock

pytestmark = pytest.mark.timeout(30)


class Ticks:
    """The retry's timer, fired by the test: each `fire()` ends one sleep."""

    def __init__(self) -> None:
        self.waiting: asyncio.Queue[asyncio.Future[None]] = asyncio.Queue()

    async def sleep(self, seconds: float) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self.waiting.put(done)
        await done

    async def fire(self) -> None:
        """End the sleep under way, and return once the retry waits for the next one."""
        (await self.waiting.get()).set_result(None)
        while self.waiting.empty():
            await asyncio.sleep(0)


def _log(tmp_path: Path, seen: list[LogHealth]) -> AsRunLog:
    prog = on_disk(webinar(), tmp_path)
    clock = ManualClock(at("09:50"), simulated=False)
    real = ManualClock(REAL_START, simulated=False)
    path = tmp_path / "runs" / "show.jsonl"
    header = RunHeader.for_run(prog, path, clock=clock, real_clock=real, mode="live",
                               rehearsal=False)  # fmt: skip
    return AsRunLog.create(path, header, clock=clock, real_clock=real, on_health=seen.append)


def test_held_records_are_written_when_the_disk_is_back_with_no_record_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[LogHealth] = []
    log = _log(tmp_path, seen)

    async def main() -> None:
        ticks = Ticks()
        retry = LogRetry(log, sleep=ticks.sleep)
        await retry.start(None)  # type: ignore[arg-type]
        with monkeypatch.context() as patch:

            def full(fd: int, line: bytes) -> None:
                raise OSError(errno.ENOSPC, "No space left on device")

            patch.setattr(logmod, "_write_all", full)
            log.append({"event": "slot_started"})  # the disk is full: held in memory
            await ticks.fire()  # still full: still held
            assert not log.health.ok and log.health.pending == 1
        await ticks.fire()  # the disk is back; the show writes nothing more
        assert log.health.ok
        await retry.stop()

    asyncio.run(main())
    assert [h.ok for h in seen] == [False, True]
    records = read_log(log.path).records
    assert [r.get("event", r["record"]) for r in records] == ["slot_started", "log_error"]
    assert os.path.getsize(log.path) > 0


def test_the_retry_stops_at_once(tmp_path: Path) -> None:
    log = _log(tmp_path, [])

    async def main() -> None:
        retry = LogRetry(log)  # the real sleep: a second between tries
        await retry.start(None)  # type: ignore[arg-type]
        await asyncio.wait_for(retry.stop(), 1.0)

    asyncio.run(main())
