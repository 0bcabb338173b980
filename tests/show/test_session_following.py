"""A standby's session follows the driver's log: its own clock never ends the show.

Issue 24: a standby whose clock reached the planned end ended its run there — before the
driver's last records (and, when the driver died in the last second, before the takeover
that stops the recording). The show ends on a standby when the driver's log says so, or
once it drives.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from tests.factories import at, seed
from timekeeper.core.clock import ManualClock, SimulatedClock
from timekeeper.core.engine import ShowEvent
from timekeeper.core.modes import RunMode
from timekeeper.core.state import Mode
from timekeeper.show.session import ShowSession

pytestmark = pytest.mark.timeout(30)


def _following(start: str) -> tuple[ShowSession, ManualClock, list[ShowEvent]]:
    clock = ManualClock(at(start))
    session = ShowSession(seed(), clock, RunMode.DRY)
    session.following = True
    seen: list[ShowEvent] = []
    session.subscribe(seen.extend)
    return session, clock, seen


def test_a_following_session_holds_the_last_slot_past_the_planned_end() -> None:
    session, clock, seen = _following("18:29")
    session.tick()
    assert session.status().live.slot.id == "reception"  # type: ignore[union-attr]
    clock.set(at("18:45"))
    session.tick()
    assert not session.ended and session.state.live == 4  # the reception, as the log left it
    assert "show_ended" not in [e.kind for e in seen]


def test_once_it_stops_following_the_show_ends_at_its_planned_end() -> None:
    session, clock, seen = _following("18:29")
    session.tick()
    clock.set(at("18:45"))
    session.tick()
    session.stop_following()
    session.tick()
    assert session.ended
    assert [e.at for e in seen if e.kind == "show_ended"] == [at("18:30")]


def test_the_driver_s_ended_show_is_followed() -> None:
    """What the copy says (the driver ended the show) is the standby's show: `follow`."""
    driver = ShowSession(seed(), ManualClock(at("18:31")), RunMode.DRY)
    driver.tick()
    assert driver.ended
    session, clock, _ = _following("18:31")
    session.tick()
    session.follow(driver.state, None, at("18:31"))
    assert session.state.mode is Mode.ENDED


async def test_the_scheduler_waits_for_the_driver_and_ends_when_told() -> None:
    """Held at the end, the scheduler neither ends nor spins; `stop_following` ends it."""
    clock = SimulatedClock(at("18:29:59"), speed=1)
    session = ShowSession(seed(), clock, RunMode.DRY)
    session.following = True
    ticks = 0
    tick = session.tick

    def counted() -> list[ShowEvent]:
        nonlocal ticks
        ticks += 1
        return tick()

    session.tick = counted  # type: ignore[method-assign]
    ran = asyncio.get_running_loop().create_task(session.run())
    while clock.now() < at("18:30") + timedelta(seconds=0.2):  # past the end, on its clock
        await asyncio.sleep(0.05)
    held = ticks
    for _ in range(200):
        await asyncio.sleep(0)  # a spinning scheduler would tick on every one of these
    assert not ran.done() and not session.ended
    assert ticks - held <= 2
    session.stop_following()
    await asyncio.wait_for(ran, timeout=5)
    assert session.ended
