"""A standby pair on the real OBS Studio (issue 24): two controllers, epochs 1 and 2.

The periodic announcement timers are ManualTimers nobody fires: a role change is
announced at once, and only OBS's own event traffic is waited for.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from timekeeper.core.clock import SystemClock
from timekeeper.obs.announce_rules import LISTEN
from timekeeper.obs.controller import ObsController, RunIdentity, SwitchOutcome, SwitchPolicy
from timekeeper.obs.status import Role
from timekeeper.obs.takeover import DueScene

from .conftest import ControllerFactory, Recorder
from .headless import HeadlessObs
from .timer import ManualMono, ManualTimer

pytestmark = pytest.mark.obs
CLOCK = SystemClock()
REAL_SWITCH = SwitchPolicy(confirm_timeout=2.0, retries=1, retry_interval=0.5)
PRIMARY = RunIdentity("run-b-primary", "stage-pc", 4242, "E2E show", "live", 1, Role.DRIVER)
STANDBY = RunIdentity("run-a-standby", "booth-laptop", 777, "E2E show", "live", 1, Role.STANDBY)


def program_scene(obs: HeadlessObs) -> str:
    return str(obs.request("GetCurrentProgramScene")["currentProgramSceneName"])


async def member(
    make: ControllerFactory, obs: HeadlessObs, identity: RunIdentity, **kw: Any
) -> tuple[ObsController, Recorder]:
    timer, mono = ManualTimer(), ManualMono()
    ctl, rec = make(
        obs.url,
        obs.password,
        request_timeout=3,
        switch_policy=REAL_SWITCH,
        announce=identity,
        announce_sleep=timer.sleep,
        announce_mono=mono,
        **kw,
    )
    await ctl.start()
    assert await ctl.wait_connected(10)
    await timer.wait_pending()
    mono.advance(LISTEN)  # it has listened to OBS since it connected (see lease_fresh)
    return ctl, rec


async def test_only_epoch_2_switches_and_the_epoch_1_driver_reports_fenced(
    real_obs: HeadlessObs, make_controller: ControllerFactory
) -> None:
    old, old_rec = await member(make_controller, real_obs, PRIMARY)
    new, new_rec = await member(make_controller, real_obs, STANDBY)
    intro, keynote, panel = real_obs.scenes[1:4]
    first = await asyncio.wait_for(old.switch_scene(intro, boundary_at=CLOCK.now(), key="a"), 5)
    assert first.ok and program_scene(real_obs) == intro
    heard = await new_rec.wait_for("other_timekeeper_noted")  # the standby hears its driver
    assert not heard.alarm and new_rec.of("other_timekeeper") == []  # expected: no pop-up
    assert new.status.driver_heard is not None and new.status.driver_heard.epoch == 1
    assert new_rec.of("scene_switch_requested") == []  # a standby asks OBS for nothing

    began = time.perf_counter()
    due = DueScene(keynote, "keynote:scene", CLOCK.now())
    plan = await new.fencing.take_over(2, due, {}, done_keys=())
    fenced = await old_rec.wait_for("fenced")
    fence_ms = (time.perf_counter() - began) * 1000
    assert (fenced.epoch, fenced.by) == (2, STANDBY.run_id)
    assert plan.switch == due
    confirmed = await new_rec.wait_for("scene_switch_confirmed", scene=keynote)
    assert confirmed.key == "keynote:scene"

    # the old driver, resumed too late, reaches its next boundary: it switches nothing
    late = await asyncio.wait_for(old.switch_scene(panel, boundary_at=CLOCK.now(), key="b"), 5)
    assert late.outcome is SwitchOutcome.SKIPPED
    assert program_scene(real_obs) == keynote
    assert len(old_rec.of("scene_switch_requested")) == 1  # its one switch, before the fence
    assert len(new_rec.of("scene_switch_requested")) == 1
    assert old_rec.of("scene_override") == []  # the new driver's switch is no hand switch to it
    assert old.status.role is Role.STANDBY and new.status.role is Role.DRIVER
    print(f"\nfenced {fence_ms:.1f} ms after the takeover began (read OBS, announce epoch 2)")
