"""A dress rehearsal never switches scenes over a live output (the fake obs-websocket)."""

from __future__ import annotations

from tests.obs.fake import FakeObs
from timekeeper.core.clock import SystemClock
from timekeeper.core.modes import RunMode
from timekeeper.obs.client import ObsClient
from timekeeper.obs.controller import ObsController

from .conftest import PASSWORD, ControllerFactory, Recorder

NOW = SystemClock()


async def started(
    make: ControllerFactory, fake: FakeObs, **kw: object
) -> tuple[ObsController, Recorder]:
    ctl, rec = make(fake.url, **kw)
    await ctl.start()
    assert await ctl.wait_connected(3)
    return ctl, rec


def switches(fake: FakeObs) -> list[object]:
    return [d.get("sceneName") for name, d in fake.requests if name == "SetCurrentProgramScene"]


async def press_record_in_obs(fake: FakeObs) -> None:
    """Someone presses Start Recording in OBS: another obs-websocket client asks for it."""
    other = ObsClient(fake.url, PASSWORD, password_env="OBS_TEST_PASSWORD")
    await other.connect()
    try:
        await other.start_record()
    finally:
        await other.close()


async def test_recording_started_mid_rehearsal_stops_switching_and_raises_an_alarm(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    ctl, rec = await started(make_controller, fake, mode=RunMode.DRESS)
    await ctl.switch_scene("Intro", boundary_at=NOW.now(), key="intro")
    assert switches(fake) == ["Intro"]
    await press_record_in_obs(fake)
    alarm = await rec.wait_for("rehearsal_on_live_output")
    assert alarm.outputs == "recording"
    assert "scene switching STOPPED" in alarm.message
    record = await ctl.switch_scene("Keynote", boundary_at=NOW.now(), key="keynote")
    assert record.outcome.value == "skipped"
    assert switches(fake) == ["Intro"], "no switch may reach a live recording"
    assert ctl.status.alarm == alarm.message  # the next boundary does not clear it
    assert not ctl.status.auto_switch


async def test_a_rehearsal_that_finds_obs_streaming_never_switches(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    fake.streaming = True
    ctl, rec = await started(make_controller, fake, mode=RunMode.DRESS)
    assert (await rec.wait_for("rehearsal_on_live_output")).outputs == "streaming"
    await ctl.switch_scene("Intro", boundary_at=NOW.now(), key="intro")
    assert switches(fake) == []


async def test_the_override_and_the_live_show_keep_switching(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    fake.recording = True
    allowed, rec_allowed = await started(
        make_controller, fake, mode=RunMode.DRESS, allow_live_outputs=True
    )
    live, rec_live = await started(make_controller, fake, mode=RunMode.LIVE)
    await allowed.switch_scene("Intro", boundary_at=NOW.now(), key="a")
    await live.switch_scene("Keynote", boundary_at=NOW.now(), key="b")
    assert switches(fake) == ["Intro", "Keynote"]
    assert "rehearsal_on_live_output" not in rec_allowed.kinds() + rec_live.kinds()
