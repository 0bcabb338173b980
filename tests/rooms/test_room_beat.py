"""A speaker screen following a room says within 2 s when the room goes quiet, and counts on.

A frozen room (a laptop stopped with SIGSTOP) keeps its broker connection: its last
will fires only after the keep-alive, a minute later. So the room sends an unretained
heartbeat every half second (`…/beat`), and a screen that hears none for 1.5 s says
NOT HEARING FROM THE ROOM over its last known countdown, which keeps counting.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

from tests.factories import at
from tests.speaker.conftest import until
from timekeeper.core.clock import ManualClock, SystemClock
from timekeeper.rooms.follower import QUIET, ROOM_QUIET, RoomFollower
from timekeeper.rooms.link import Backoff
from timekeeper.rooms.settings import BrokerSettings
from timekeeper.rooms.topics import RoomTopics
from timekeeper.speaker.i18n import strings

from .broker import Broker

ROOT = Path(__file__).resolve().parents[2]
TOPICS = RoomTopics.named("venue", "Room B")
FAST = Backoff(initial=0.05, maximum=0.2, jitter=0)


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def follower(monotonic: FakeMonotonic | None = None, lang: str = "en") -> RoomFollower:
    return RoomFollower(
        BrokerSettings("127.0.0.1", 1),
        TOPICS,
        ManualClock(at("15:40")),
        words=strings(lang),
        monotonic=monotonic or time.monotonic,
    )


def test_a_room_whose_heartbeats_stop_is_said_to_be_quiet_and_heard_again_at_once() -> None:
    clock = FakeMonotonic()
    screen = follower(clock, "nl")
    screen.online = True
    screen.receive(TOPICS.beat, b"2023-11-20T15:40:00+01:00")
    assert not screen.is_quiet()
    clock.now += QUIET - 0.1
    assert not screen.is_quiet()
    clock.now += 0.2
    assert screen.is_quiet()
    screen.receive(TOPICS.beat, b"2023-11-20T15:40:02+01:00")
    assert not screen.is_quiet()


def test_a_room_that_never_beats_is_judged_by_its_online_alone() -> None:
    clock = FakeMonotonic()
    screen = follower(clock)
    clock.now += 3600
    assert not screen.is_quiet()  # an older timekeeper sends no heartbeat


@contextlib.asynccontextmanager
async def room(broker: Broker, tmp: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """The seed's keynote as a room of a dry run, publishing to `broker`; stopped by its PID."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "timekeeper.cli", "run", "programme.yaml", "--dry-run",
        "--at", "15:40", "--headless", "--port", "0", "--log", str(tmp),
        "--mqtt", broker.url, "--room", "Room B", "--venue", "venue",
        cwd=ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGCONT)
            proc.kill()
        await proc.wait()


async def test_a_frozen_room_is_said_within_2_s_and_the_screen_counts_on(
    broker: Broker, tmp_path: Path
) -> None:
    screen = RoomFollower(
        BrokerSettings("127.0.0.1", broker.port), TOPICS, SystemClock(), backoff=FAST
    )
    task = asyncio.get_running_loop().create_task(screen.run())
    try:
        async with room(broker, tmp_path) as proc:
            await until(lambda: screen.snapshot is not None and screen.last_beat is not None, 60)
            assert screen.display().status == ""

            os.kill(proc.pid, signal.SIGSTOP)  # a frozen laptop: still connected, silent
            await until(lambda: screen.display().status == ROOM_QUIET, 10, "the screen to say so")
            assert screen.last_beat is not None
            noticed = time.monotonic() - screen.last_beat
            assert QUIET <= noticed <= 2.0, f"said so {noticed:.2f} s after the last heartbeat"
            frozen_at = screen.display().digits
            await until(lambda: screen.display().digits != frozen_at, 3, "counting on")

            thawed = time.monotonic()
            os.kill(proc.pid, signal.SIGCONT)
            await until(lambda: screen.display().status == "", 10, "the screen to hear it again")
            assert time.monotonic() - thawed <= 2.0
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
