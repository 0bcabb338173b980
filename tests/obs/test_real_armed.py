"""The show's own path against the real OBS: every boundary of a short programme lands once.

The session's scheduler runs on the system clock and the director arms each boundary's
switch ahead (the path of `timekeeper run`); OBS's own CurrentProgramSceneChanged events
say what went on program, and when.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from timekeeper.core.clock import SystemClock
from timekeeper.core.modes import RunMode
from timekeeper.obs.client import ObsClient
from timekeeper.obs.controller import ObsController, SwitchPolicy
from timekeeper.obs.port import PortEvent, ProgramSceneChanged
from timekeeper.show.director import ObsDirector
from timekeeper.show.session import ShowSession

from .conftest import Recorder
from .headless import HeadlessObs
from .programmes import obs_programme

pytestmark = pytest.mark.obs
SLOT = timedelta(milliseconds=600)


async def test_each_boundary_of_a_short_programme_lands_on_program_once(
    real_obs: HeadlessObs,
) -> None:
    clock = SystemClock()
    client = ObsClient(real_obs.url, real_obs.password, request_timeout=3)
    rec = Recorder()
    policy = SwitchPolicy(confirm_timeout=2.0, retries=1, retry_interval=0.5)
    controller = ObsController(client, clock=clock, on_event=rec, switch_policy=policy)
    on_program: list[str] = []

    def watch(event: PortEvent) -> None:
        if isinstance(event, ProgramSceneChanged):
            on_program.append(event.scene)

    unsubscribe = client.subscribe(watch)
    scenes = [*real_obs.scenes[1:4], real_obs.scenes[0]]
    first = None
    try:
        await controller.start()
        assert await controller.wait_connected(10)
        first = clock.now() + timedelta(seconds=1)
        base = obs_programme(scenes)
        slots = tuple(
            replace(s, start=first + SLOT * i, duration=SLOT) for i, s in enumerate(base.slots)
        )
        programme = replace(base, slots=slots)
        session = ShowSession(programme, clock, RunMode.LIVE)
        director = ObsDirector(session, controller)
        await director.start()
        await asyncio.wait_for(session.run(), 30)  # until the last slot has ended
        await rec.wait_for("scene_switch_confirmed", count=len(scenes), timeout=10)
        await director.stop()
    finally:
        unsubscribe()
        await controller.stop()
    assert on_program == scenes, "each boundary's scene goes on program exactly once"
    requested = rec.of("scene_switch_requested")
    assert [e.scene for e in requested] == scenes  # one request per boundary, none repeated
    assert first is not None
    for i, event in enumerate(requested):
        assert event.boundary_at == first + SLOT * i
        assert event.request_delay >= timedelta(0), "an armed switch never leaves early"
