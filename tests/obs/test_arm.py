"""`arm_switch` against the fake server: held until its instant, then sent; cancelled by stop()."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tests.obs.fake import FakeObs
from timekeeper.core.clock import SystemClock
from timekeeper.obs.controller import SwitchOutcome

from .conftest import ControllerFactory

NOW = SystemClock()


async def test_an_armed_switch_leaves_at_its_boundary_not_before(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    ctl, rec = make_controller(fake.url)
    await ctl.start()
    assert await ctl.wait_connected(3)
    boundary = NOW.now() + timedelta(milliseconds=300)
    future = ctl.arm_switch("Keynote", boundary_at=boundary, key="keynote")
    assert fake.count("SetCurrentProgramScene") == 0 and ctl.status.desired_scene != "Keynote"
    record = await asyncio.wait_for(future, 5)
    assert record.ok and record.outcome is SwitchOutcome.CONFIRMED
    assert record.requested_at is not None and record.requested_at >= boundary
    assert fake.count("SetCurrentProgramScene") == 1
    assert rec.kinds()[-2:] == ["scene_switch_requested", "scene_switch_confirmed"]


async def test_stopping_cancels_an_armed_switch_before_it_is_sent(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    ctl, _ = make_controller(fake.url)
    await ctl.start()
    assert await ctl.wait_connected(3)
    future = ctl.arm_switch("Keynote", boundary_at=NOW.now() + timedelta(seconds=30), key="k")
    await ctl.stop()
    record = await asyncio.wait_for(future, 1)
    assert record.outcome is SwitchOutcome.CANCELLED
    assert fake.count("SetCurrentProgramScene") == 0
