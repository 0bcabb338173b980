"""Edits are read whole: the programme watch waits until a save is over, and follows a symlink.

A slow save's prefix that ends on a slot boundary is a valid programme without its last
slots; read then, `--accept-changes` took it and the Reception vanished (issue 21, item 11).
The settling is timed on an injected clock; the symlink case uses the real watcher.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path

import pytest

from tests.factories import at, seed
from timekeeper.app.programme_watch import ProgrammeWatch, Settle
from timekeeper.core.clock import ManualClock
from timekeeper.show.changes import ChangeCheck, ChangeKind
from timekeeper.show.notices import Notice, NoticeStream
from timekeeper.show.programme_notices import ChangeOffered, ProgrammeSettling
from timekeeper.show.session import ShowSession

ROOT = Path(__file__).resolve().parents[2]
SEED = (ROOT / "programme.yaml").read_text(encoding="utf-8")
PREFIX = SEED[: SEED.index("  - id: reception")]  # valid on its own: the Reception is missing


def _heard() -> tuple[NoticeStream, list[Notice]]:
    """A notice stream, and what it told."""
    stream, heard = NoticeStream(), list[Notice]()
    stream.subscribe(heard.append)
    return stream, heard


def _session() -> ShowSession:
    return ShowSession(seed(), ManualClock(at("15:40")))


def test_a_file_is_whole_once_it_has_stood_still_for_the_quiet_time() -> None:
    settle = Settle(quiet=1.0, look=0.2)
    first = (1, 2, 10, 100, "a")
    assert settle.seen(0.0, first) == 0.2
    assert settle.seen(0.2, first) == 0.2
    assert settle.seen(0.5, (1, 2, 20, 200, "b")) == 0.2  # still growing: the wait starts again
    assert settle.seen(1.4, (1, 2, 20, 200, "b")) == pytest.approx(0.1)
    assert settle.seen(1.5, (1, 2, 20, 200, "b")) is None
    assert Settle(quiet=0.0).seen(0.0, first) is None


def test_a_slow_save_is_read_only_once_it_is_over(tmp_path: Path) -> None:
    """The writer pauses 0.8 s after the prefix (a slot boundary): shorter than the quiet
    time, so the watch waits, and reads the whole file once it has stood still."""
    path = tmp_path / "programme.yaml"
    path.write_text(PREFIX, encoding="utf-8")
    now = [100.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds
        if now[0] >= 100.8 and path.read_text(encoding="utf-8") == PREFIX:
            with path.open("a", encoding="utf-8") as rest:  # the save goes on
                rest.write(SEED[len(PREFIX) :])

    stream, notices = _heard()
    watch = ProgrammeWatch(_session(), stream, path, monotonic=lambda: now[0], sleep=sleep,
                           quiet=1.0)  # fmt: skip
    asyncio.run(watch.settled())
    assert path.read_text(encoding="utf-8") == SEED  # what recheck now reads: the whole file
    assert round(now[0], 6) >= 100.8 + 1.0
    [settling] = notices
    assert isinstance(settling, ProgrammeSettling)
    assert "changed: read once it has stood still for 1 s" in settling.message
    waited = now[0]
    asyncio.run(watch.settled())  # the same save's later events: nothing new to wait for
    assert now[0] == waited and len(notices) == 1


def test_a_file_that_stands_still_is_read_after_the_quiet_time_only(tmp_path: Path) -> None:
    path = tmp_path / "programme.yaml"
    path.write_text(SEED, encoding="utf-8")
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    watch = ProgrammeWatch(_session(), NoticeStream(), path, monotonic=lambda: now[0],
                           sleep=sleep, quiet=1.0)  # fmt: skip
    asyncio.run(watch.settled())
    assert round(now[0], 6) == 1.0


class _Recorded(ProgrammeWatch):
    def __init__(self, path: Path) -> None:
        super().__init__(_session(), NoticeStream(), path, quiet=0.0)
        self.read: list[str] = []
        self.seen = asyncio.Event()

    def recheck(self, by_hand: bool = False) -> ChangeCheck:
        self.read.append(self.path.read_text(encoding="utf-8"))
        self.seen.set()
        return ChangeCheck(ChangeKind.UNCHANGED, str(self.path))


async def test_re_pointing_a_symlinked_programme_is_noticed(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "v1.yaml").write_text("v1\n")
    (versions / "v2.yaml").write_text("v2\n")
    link = tmp_path / "programme.yaml"
    link.symlink_to(versions / "v1.yaml")
    watch = _Recorded(link)
    watch._stop = asyncio.Event()
    task = asyncio.create_task(watch._watch())
    try:
        for attempt in range(40):  # until the watcher (just starting) sees a re-pointing
            target = versions / ("v2.yaml" if attempt % 2 == 0 else "v1.yaml")
            staged = tmp_path / f".programme.yaml.{attempt}"
            staged.symlink_to(target)
            os.replace(staged, link)  # what `ln -sfn` does
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(watch.seen.wait(), 0.5)
                break
        assert watch.read, "re-pointing the link was never noticed"
        # the last re-pointing may land while the watcher reads the one before: it notices
        # that one too, and reads through the link as it points now
        for _ in range(100):
            if watch.read[-1] == link.read_text():
                break
            watch.seen.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(watch.seen.wait(), 0.1)
        assert watch.read[-1] == link.read_text()
    finally:
        watch._stop.set()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def test_the_same_typo_saved_again_is_reported_again(tmp_path: Path) -> None:
    """A restarted run says at once that the file is invalid; the operator fixes it before the
    watch is watching (the fix goes unseen), then saves the same typo again: said again. The
    events of one save are still said once (bench_chaos seed 1: the second typo went unsaid)."""
    from timekeeper.programme.loader import read_programme

    path = tmp_path / "programme.yaml"
    path.write_text(SEED, encoding="utf-8")
    programme, _, _ = read_programme(path)
    stream, notices = _heard()
    session = ShowSession(programme, ManualClock(at("15:40")))
    watch = ProgrammeWatch(session, stream, path, quiet=0.0)
    typo = SEED.replace("duration:", "durration:", 1)

    def save(text: str, mtime: int) -> None:
        path.write_text(text, encoding="utf-8")
        os.utime(path, ns=(mtime, mtime))

    save(typo, 1_000_000_000)
    watch.recheck()
    save(SEED, 2_000_000_000)  # the fix: no event reached the watch
    save(typo, 3_000_000_000)
    watch.recheck()
    watch.recheck()  # another event of the same save
    heard = [n.check for n in notices if isinstance(n, ChangeOffered)]
    assert [c.kind for c in heard] == [ChangeKind.INVALID, ChangeKind.INVALID]
