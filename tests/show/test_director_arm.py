"""The director arms each boundary's switch ahead: sent at the instant, once, and never stale.

The seed programme against the fake obs-websocket, on a manual clock: the release of an
armed switch (`release`) and the director's look for a boundary come near (`sleep`) are
injected and fired by the test, so nothing waits on real time except OBS's replies
(awaited as events).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime

import pytest

from tests.factories import at
from tests.obs.conftest import Recorder
from tests.obs.fake import FakeObs
from tests.obs.timer import ManualTimer
from timekeeper.core.clock import Clock, ManualClock
from timekeeper.core.engine import Action, ActionKind
from timekeeper.core.modes import RunMode
from timekeeper.obs.client import ObsClient
from timekeeper.obs.controller import ObsController, SwitchOutcome
from timekeeper.show.director import ObsDirector
from timekeeper.show.session import ShowSession

from .test_director import PASSWORD, SCENES, SEED, mutating


class ManualRelease:
    """Stands in for `release_at`: an armed switch waits until the test fires it."""

    def __init__(self) -> None:
        self.waiting: list[tuple[datetime, asyncio.Future[None]]] = []
        self._asked = asyncio.Event()
        self._resumed = asyncio.Event()

    async def __call__(self, clock: Clock, instant: datetime) -> float:
        future = asyncio.get_running_loop().create_future()
        self.waiting.append((instant, future))
        self._asked.set()
        await future
        self._resumed.set()  # the caller goes on without a hop: the test sees its effects
        return 0.0

    async def fire(self) -> None:
        """Release every armed switch waiting (the clock is set to its instant first)."""
        if not self.waiting:
            await asyncio.wait_for(self._asked.wait(), 5)
        live = [future for _, future in self.waiting if not future.done()]
        for future in live:
            future.set_result(None)
        self.waiting.clear()
        self._asked.clear()
        if live:  # a release task resumes and hands its request to the port
            self._resumed.clear()
            await asyncio.wait_for(self._resumed.wait(), 5)


class Rig:
    def __init__(self, fake: FakeObs, mode: RunMode, start: str, arm_ahead: float) -> None:
        self.clock = ManualClock(at(start))
        self.session = ShowSession(SEED, self.clock, RunMode.LIVE)
        self.rec = Recorder()
        self.release = ManualRelease()
        self.timer = ManualTimer()
        client = ObsClient(fake.url, PASSWORD, password_env="OBS_PASSWORD")
        controller = ObsController(
            client, clock=self.clock, on_event=self.rec, mode=mode, release=self.release
        )
        self.director = ObsDirector(
            self.session, controller, arm_ahead=arm_ahead, sleep=self.timer.sleep
        )
        self.fake = fake

    @property
    def controller(self) -> ObsController:
        return self.director.controller

    def scenes(self) -> list[object]:
        return [scene for name, scene in mutating(self.fake) if name == "SetCurrentProgramScene"]

    async def look(self, when: str) -> None:
        """The clock reaches `when`; the director looks for a boundary come near."""
        self.clock.set(at(when))
        await self.timer.fire()

    async def boundary(self, when: str, confirmed: int) -> None:
        """The clock reaches the boundary: the armed switch leaves, and the session ticks
        while its request is still in flight (as it does, a few milliseconds later)."""
        self.clock.set(at(when))
        await self.release.fire()
        self.session.tick()
        await self.rec.wait_for("scene_switch_confirmed", count=confirmed)


@pytest.fixture
async def fake() -> AsyncIterator[FakeObs]:
    async with FakeObs(scenes=SCENES, password=PASSWORD) as server:
        yield server


async def rig(
    fake: FakeObs, *, mode: RunMode = RunMode.LIVE, start: str = "15:29:50", arm_ahead: float = 3.0
) -> Rig:
    made = Rig(fake, mode, start, arm_ahead)
    await made.director.start()
    assert await made.controller.wait_connected(3)
    await made.timer.fire()  # the director looks again, connected now
    return made


async def test_the_first_boundary_is_switched_at_its_instant_before_the_session_ticks(
    fake: FakeObs,
) -> None:
    r = await rig(fake)
    try:
        assert r.controller.armed is None  # ten seconds ahead: not yet
        await r.look("15:29:58")
        armed = r.controller.armed
        assert armed is not None and (armed.scene, armed.at) == ("Intro", at("15:30"))
        assert r.scenes() == []  # held until its instant
        r.clock.set(at("15:30"))
        await r.release.fire()
        assert r.session.state.live is None  # the switch left before the session ticked
        r.session.tick()  # the session hears of the boundary: the director calls in again
        confirmed = await r.rec.wait_for("scene_switch_confirmed")
        assert fake.program == "Intro" and confirmed.request_delay.total_seconds() == 0
        await r.rec.wait_for("action_done", count=2)  # the intro starts stream and recording
        assert mutating(fake) == [
            ("SetCurrentProgramScene", "Intro"),
            ("StartStream", None),
            ("StartRecord", None),
        ]
        assert len(r.rec.of("scene_switch_requested")) == 1
    finally:
        await r.director.stop()


async def test_an_extension_re_arms_the_boundary_at_its_new_instant(fake: FakeObs) -> None:
    r = await rig(fake, start="15:30", arm_ahead=600)  # ten minutes: the extension stays near
    try:
        r.session.tick()  # the intro goes live, switched by its event (15:30 is now)
        await r.rec.wait_for("scene_switch_confirmed")
        await r.look("15:34")
        first = r.controller.armed
        assert first is not None and first.at == at("15:35")
        r.session.act(Action(ActionKind.EXTEND, minutes=2))
        moved = r.controller.armed
        assert moved is not None and (moved.scene, moved.at) == ("Keynote", at("15:37"))
        r.clock.set(at("15:35"))  # the old instant passes: nothing leaves
        r.session.tick()
        await r.release.fire()
        assert r.scenes() == ["Intro"]
        await r.boundary("15:37", confirmed=2)
        assert r.scenes() == ["Intro", "Keynote"]
    finally:
        await r.director.stop()


async def test_moving_on_by_hand_disarms_the_planned_boundary(fake: FakeObs) -> None:
    r = await rig(fake, start="15:29:58")
    try:
        await r.boundary("15:30", confirmed=1)
        await r.look("15:34:58")
        armed_keynote = r.controller.armed
        assert armed_keynote is not None and armed_keynote.scene == "Keynote"
        r.session.act(Action(ActionKind.JUMP, slot="panel"))  # the keynote is skipped
        assert r.controller.armed is None
        await r.rec.wait_for("scene_switch_confirmed", count=2)
        r.clock.set(at("15:35"))
        r.session.tick()
        await r.release.fire()
        await asyncio.sleep(0.05)  # a stale release would have sent by now (loopback)
        assert r.scenes() == ["Intro", "Panel"]
    finally:
        await r.director.stop()


async def test_a_late_armed_switch_and_the_boundary_switch_once(fake: FakeObs) -> None:
    r = await rig(fake, start="15:29:58")
    try:
        assert r.controller.armed is not None
        r.clock.set(at("15:30"))
        r.session.tick()  # the session's tick came before the release (a busy machine)
        await r.release.fire()  # the release wakes after all, the request still in flight
        record = await r.rec.wait_for("scene_switch_confirmed")
        await r.rec.wait_for("action_done", count=2)
        assert r.scenes() == ["Intro"] and record.scene == "Intro"
        assert len(r.rec.of("scene_switch_requested")) == 1
    finally:
        await r.director.stop()


async def test_holding_disarms_and_releasing_arms_again(fake: FakeObs) -> None:
    r = await rig(fake, start="15:29:58")
    try:
        await r.boundary("15:30", confirmed=1)
        await r.look("15:34:58")
        assert r.controller.armed is not None
        r.session.act(Action(ActionKind.HOLD))
        assert r.controller.armed is None
        r.session.act(Action(ActionKind.RELEASE))
        armed = r.controller.armed
        assert armed is not None and armed.at == at("15:35")
    finally:
        await r.director.stop()


async def test_a_dry_run_arms_nothing(fake: FakeObs) -> None:
    clock = ManualClock(at("15:29:58"))
    session = ShowSession(SEED, clock, RunMode.DRY)
    client = ObsClient(fake.url, PASSWORD, password_env="OBS_PASSWORD")
    release = ManualRelease()
    ctl = ObsController(client, clock=clock, mode=RunMode.DRY, release=release)
    director = ObsDirector(session, ctl)
    await director.start()
    try:
        assert await ctl.wait_connected(3)
        director.arm_next()
        session.tick()
        assert ctl.armed is None and release.waiting == []
        clock.set(at("15:30"))
        session.tick()
        assert ctl.status.last_switch is not None
        assert ctl.status.last_switch.outcome is SwitchOutcome.SKIPPED
        assert mutating(fake) == []
    finally:
        await director.stop()


async def test_a_lost_connection_disarms_and_the_reconnect_arms_again(fake: FakeObs) -> None:
    r = await rig(fake, start="15:29:58")
    try:
        assert r.controller.armed is not None
        fake.drop()
        await r.rec.wait_for("obs_disconnected")
        assert r.controller.armed is None
        await r.rec.wait_for("obs_connected", count=2)
        await r.timer.fire()
        armed = r.controller.armed
        assert armed is not None and armed.scene == "Intro"
        await r.boundary("15:30", confirmed=1)
        assert r.scenes() == ["Intro"]
    finally:
        await r.director.stop()


async def test_a_live_edit_re_arms_the_next_boundary_with_its_new_scene(fake: FakeObs) -> None:
    r = await rig(fake, start="15:29:58")
    try:
        await r.boundary("15:30", confirmed=1)
        await r.look("15:34:58")
        armed = r.controller.armed
        assert armed is not None and armed.scene == "Keynote"
        slots = tuple(replace(s, scene="Panel") if s.id == "keynote" else s for s in SEED.slots)
        r.session.revise(replace(SEED, slots=slots))  # the file saved with a new scene
        again = r.controller.armed
        assert again is not None and (again.scene, again.at) == ("Panel", at("15:35"))
        await r.boundary("15:35", confirmed=2)
        assert r.scenes() == ["Intro", "Panel"]
    finally:
        await r.director.stop()
