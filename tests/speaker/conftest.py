"""Fixtures: a real SpeakerServer on a free port, serving the seed show on a ManualClock
(`cut_server`: the seed with a hard Reception and the Q&A three minutes late)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from tests.core.test_limits import qa_three_minutes_late
from tests.factories import at, seed
from timekeeper.core.clock import ManualClock
from timekeeper.core.modes import RunMode
from timekeeper.show.session import ShowSession
from timekeeper.speaker.server import SpeakerServer


@pytest.fixture
def clock() -> ManualClock:
    """Ten minutes before the seed show's first slot (15:30, Europe/Amsterdam)."""
    return ManualClock(at("15:20"))


@pytest.fixture
def session(clock: ManualClock) -> ShowSession:
    return ShowSession(seed(), clock)


@pytest.fixture
async def server(session: ShowSession) -> AsyncIterator[SpeakerServer]:
    srv = SpeakerServer(session, port=0, heartbeat=0.2)
    await srv.start()
    yield srv
    await srv.stop()


@pytest.fixture
async def cut_server() -> AsyncIterator[tuple[SpeakerServer, ShowSession, ManualClock]]:
    """At 17:29:50 the late Q&A has 10 s left: the hard Reception cuts it at 17:30, not 17:33."""
    state = qa_three_minutes_late()
    clock = ManualClock(at("17:29:50"))
    session = ShowSession(state.programme, clock, RunMode.DRY, state=state, catch_up=False)
    srv = SpeakerServer(session, port=0, heartbeat=0.2)
    await srv.start()
    yield srv, session, clock
    await srv.stop()


async def until(predicate: Callable[[], object], timeout: float = 5.0, what: str = "") -> None:
    """Poll `predicate` until it is true: waits for network delivery, never for show time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")
        await asyncio.sleep(0.01)
