"""One OBS, one driver, against the real OBS Studio: two controllers each see the other.

The announcement timer is fired by hand (tests/obs/timer.py); only OBS's own
event traffic is waited for.
"""

from __future__ import annotations

import pytest

from timekeeper.obs.announce import GONE_AFTER
from timekeeper.obs.controller import ObsController, RunIdentity
from timekeeper.ui.obspanel import describe_obs

from .conftest import ControllerFactory, Recorder
from .headless import HeadlessObs
from .timer import ManualMono, ManualTimer

pytestmark = pytest.mark.obs
STAGE = RunIdentity("run-stage", "stage-pc", 4242, "E2E show", "live")
BOOTH = RunIdentity("run-booth", "booth-laptop", 777, "E2E show", "live")


async def announcing(
    make: ControllerFactory, obs: HeadlessObs, identity: RunIdentity, mono: ManualMono
) -> tuple[ObsController, Recorder, ManualTimer]:
    timer = ManualTimer()
    ctl, rec = make(
        obs.url,
        obs.password,
        request_timeout=3,
        announce=identity,
        announce_sleep=timer.sleep,
        announce_mono=mono,
    )
    await ctl.start()
    assert await ctl.wait_connected(10)
    await timer.wait_pending()
    return ctl, rec, timer


async def test_two_controllers_on_one_real_obs_each_see_the_other(
    real_obs: HeadlessObs, make_controller: ControllerFactory
) -> None:
    mono = ManualMono()
    stage, stage_rec, stage_timer = await announcing(make_controller, real_obs, STAGE, mono)
    for _ in range(2):
        await stage_timer.fire()  # alone: its own announcements come back, and are no one else
    # another obs-websocket client's custom event is not a timekeeper
    real_obs.request("BroadcastCustomEvent", {"eventData": {"kind": "stream.deck", "pid": 1}})
    booth, booth_rec, booth_timer = await announcing(make_controller, real_obs, BOOTH, mono)
    seen_by_stage = await stage_rec.wait_for("other_timekeeper")
    seen_by_booth = await booth_rec.wait_for("other_timekeeper")
    assert (seen_by_stage.host, seen_by_stage.pid) == ("booth-laptop", 777)
    assert (seen_by_booth.host, seen_by_booth.pid) == ("stage-pc", 4242)
    assert len(stage_rec.of("other_timekeeper")) == len(booth_rec.of("other_timekeeper")) == 1
    stage_panel = [text for text, _ in describe_obs(stage.status).lines]
    assert "⚠ another timekeeper (booth-laptop, 777) drives this OBS" in stage_panel
    assert booth.status.others == (STAGE,)

    await booth.stop()  # the second timekeeper quits: after seconds of quiet, the warning goes
    mono.advance(GONE_AFTER + 0.25)
    await stage_timer.fire()
    gone = await stage_rec.wait_for("other_timekeeper_gone")
    assert (gone.host, gone.pid) == ("booth-laptop", 777)
    assert stage.status.others == ()
