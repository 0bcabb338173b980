"""A standby pair on one OBS (issue 24), against the fake server: fencing by epoch, a
standby that never changes OBS, and a takeover that sends only what is still needed.

Announcements go out at once when a role changes (no timer is waited for: the
periodic one is a ManualTimer nobody fires); only OBS's event traffic is waited on.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from tests.obs.fake import FakeObs
from timekeeper.core.outputs import Intent, Output
from timekeeper.core.programme import ObsAction
from timekeeper.obs.announce_rules import LISTEN
from timekeeper.obs.controller import (
    ObsController,
    RetryPolicy,
    RunIdentity,
    SwitchOutcome,
    SwitchPolicy,
)
from timekeeper.obs.status import Role
from timekeeper.obs.takeover import DueScene

from .conftest import ControllerFactory, Recorder
from .timer import ManualMono, ManualTimer

PRIMARY = RunIdentity("run-b-primary", "stage-pc", 4242, "Symposium", "live")
STANDBY = RunIdentity("run-a-standby", "booth-laptop", 777, "Symposium", "live", 1, Role.STANDBY)
CHANGES_OBS = (
    "SetCurrentProgramScene",
    "SetCurrentPreviewScene",
    "TriggerStudioModeTransition",
    "SetStudioModeEnabled",
    "SetInputSettings",
    "StartStream",
    "StopStream",
    "StartRecord",
    "StopRecord",
)
T0 = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
STREAM_ON = Intent(Output.STREAM, True, ObsAction.START_STREAMING, "opening", "Opening", "on_start")


async def pair_member(
    make: ControllerFactory, fake: FakeObs, identity: RunIdentity, **kw: Any
) -> tuple[ObsController, Recorder]:
    timer, mono = ManualTimer(), ManualMono()
    ctl, rec = make(
        fake.url, announce=identity, announce_sleep=timer.sleep, announce_mono=mono, **kw
    )
    await ctl.start()
    assert await ctl.wait_connected(3)
    await timer.wait_pending()
    mono.advance(LISTEN)  # it has listened to OBS since it connected (see lease_fresh)
    return ctl, rec


def changes(fake: FakeObs) -> list[str]:
    return [t for t, _ in fake.requests if t in CHANGES_OBS]


async def test_only_the_higher_epoch_switches_and_the_old_driver_reports_fenced(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    old, old_rec = await pair_member(make_controller, fake, PRIMARY)
    old.fencing.drive(1)
    new, new_rec = await pair_member(make_controller, fake, STANDBY)
    first = await old.switch_scene("Intro", boundary_at=T0, key="intro")
    assert first.outcome is SwitchOutcome.CONFIRMED
    await new_rec.wait_for("other_timekeeper_noted")  # the driver answered the newcomer
    assert new.status.driver_heard is not None and new.status.driver_heard.epoch == 1

    new.fencing.drive(2)  # the takeover: announced at once
    fenced = await old_rec.wait_for("fenced")
    assert (fenced.epoch, fenced.by, fenced.own_epoch) == (2, STANDBY.run_id, 1)
    assert old.status.role is Role.STANDBY and old.status.fenced_by is not None
    before = changes(fake)
    stale = await old.switch_scene("Panel", boundary_at=T0, key="panel-old")  # too late
    assert stale.outcome is SwitchOutcome.SKIPPED
    done = await new.switch_scene("Keynote", boundary_at=T0, key="keynote")
    assert done.outcome is SwitchOutcome.CONFIRMED and fake.program == "Keynote"
    assert changes(fake)[len(before) :] == ["SetCurrentProgramScene"]  # the new driver's only
    skipped = await old_rec.wait_for("scene_switch_skipped")
    assert "standby" in skipped.message
    assert new_rec.of("fenced") == []


async def test_a_stand_down_cancels_the_switch_being_retried(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    slow_retry = SwitchPolicy(confirm_timeout=0.3, retries=2, retry_interval=60)  # never first
    old, old_rec = await pair_member(make_controller, fake, PRIMARY, switch_policy=slow_retry)
    old.fencing.drive(1)
    new, _ = await pair_member(make_controller, fake, STANDBY)
    fake.fail_next("SetCurrentProgramScene", 500, "busy", times=10)
    pending = old.switch_scene("Panel", boundary_at=T0, key="panel")
    await old_rec.wait_for("scene_switch_failed")  # refused: waiting to retry
    new.fencing.drive(2)
    record = await pending
    assert record.outcome is SwitchOutcome.CANCELLED
    assert record.error is not None and "epoch 2" in record.error
    assert old.status.alarm is None or "epoch" not in old.status.alarm


async def test_a_standby_connects_watches_and_announces_but_never_changes_obs(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    standby, rec = await pair_member(make_controller, fake, STANDBY, studio_mode=True)
    switch = await standby.switch_scene("Keynote", boundary_at=T0, key="k")
    action = await standby.run_action(ObsAction.START_STREAMING, "opening:on_start:start")
    standby.set_text("Countdown", "4:59")
    standby.preview_scene("Panel")
    await rec.wait_for("text_set", sent=False)
    assert switch.outcome is SwitchOutcome.SKIPPED
    assert (action.outcome, action.note) == ("skipped", "standby")
    assert changes(fake) == [] and fake.program == "Holding" and not fake.streaming
    assert fake.count("BroadcastCustomEvent") >= 1  # it announces itself, as a standby
    data = [d["eventData"] for t, d in fake.requests if t == "BroadcastCustomEvent"][-1]
    assert (data["role"], data["epoch"]) == ("standby", 1)


async def test_takeover_sends_only_what_obs_does_not_already_show(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    """The primary switched to Keynote and started the stream, then died before its log
    said so: the standby switches nothing, sends no start, and records the stream done."""
    fake.program, fake.streaming = "Keynote", True
    standby, rec = await pair_member(make_controller, fake, STANDBY)
    due = DueScene("Keynote", "keynote:scene", T0)
    plan = await standby.fencing.take_over(2, due, {Output.STREAM: STREAM_ON}, done_keys=())
    assert plan.requests == 0
    done = await rec.wait_for("action_done", key=STREAM_ON.key)
    assert done.note == "already streaming"
    assert changes(fake) == []
    assert standby.status.role is Role.DRIVER and standby.status.epoch == 2
    assert STREAM_ON.key in standby.done_keys  # persisted by the log: never sent again


async def test_takeover_switches_a_boundary_that_fell_in_the_gap_once(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    standby, rec = await pair_member(make_controller, fake, STANDBY)
    due = DueScene("Keynote", "keynote:scene", T0)
    done_keys = {STREAM_ON.key}  # the primary started the stream; OBS dropped it since
    plan = await standby.fencing.take_over(2, due, {Output.STREAM: STREAM_ON}, done_keys)
    assert plan.switch == due and plan.requests == 1
    await rec.wait_for("scene_switch_confirmed", scene="Keynote")
    assert changes(fake) == ["SetCurrentProgramScene"]  # the stream is not started again


async def never() -> bool:
    return False


async def test_a_primary_whose_obs_link_comes_back_after_a_takeover_hears_first_and_sends_nothing(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    """The primary lost OBS (its link, not OBS), the standby took over, the link came back:
    the primary wants its scene back on program, but it listens before it talks (LISTEN),
    hears epoch 2 and stands down. Real announcement periods (0.25 s) here."""
    offline = RetryPolicy(initial=60, factor=1, maximum=60, jitter=0)  # back only when told
    old, old_rec = make_controller(fake.url, announce=PRIMARY, retry=offline, probe=never)
    new, new_rec = make_controller(fake.url, announce=STANDBY)
    for ctl in (old, new):
        await ctl.start()
        assert await ctl.wait_connected(3)
    old.fencing.drive(1)
    assert (await old.switch_scene("Intro", boundary_at=T0, key="intro")).ok
    await new_rec.wait_for("other_timekeeper_noted")
    fake.drop()
    await new_rec.wait_for("obs_connected", count=2)
    assert not old.status.connected
    await new.fencing.take_over(2, DueScene("Keynote", "keynote:scene", T0), {}, ())
    await new_rec.wait_for("scene_switch_confirmed", scene="Keynote")
    switches = fake.count("SetCurrentProgramScene")

    old.reconnect_now()  # the primary's link to OBS is back: it wants Intro on program
    await old_rec.wait_for("obs_connected", count=2)
    fenced = await old_rec.wait_for("fenced")
    assert fenced.epoch == 2
    connected = old.status.heard_since
    assert connected is not None
    await until(lambda: (old.status.echo_sent or 0) >= connected + LISTEN)  # its wait is over
    await asyncio.sleep(0)  # the held request's task, woken by that echo, has run
    assert fake.count("SetCurrentProgramScene") == switches and fake.program == "Keynote"
    assert old_rec.of("scene_switch_requested")[-1].scene == "Intro"  # only the first one
    assert len(old_rec.of("scene_switch_requested")) == 1


async def until(condition: Any, timeout: float = 5.0) -> None:
    """Wait for an effect of OBS's event traffic (not for time to pass)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


async def test_a_boundary_that_comes_while_obs_is_read_is_switched_by_the_takeover(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    """A takeover 20 ms before a boundary: OBS is read (a few round trips), the boundary
    comes meanwhile, and the switch the run tries then is only noted (it stands by still).
    What is due is asked once OBS has been read, in the step the run begins to drive: the
    boundary's scene is switched, once (it was lost: the plan was made before the read)."""
    fake.program = "Intro"
    standby, rec = await pair_member(make_controller, fake, STANDBY)
    due = [DueScene("Intro", "intro:scene", T0)]  # the show as it stood when resumed
    read = standby.fencing.read_obs

    async def boundary_while_reading() -> Any:
        actual = await read()
        noted = standby.switch_scene("Keynote", boundary_at=T0, key="keynote:scene")
        assert (await noted).outcome is not SwitchOutcome.CONFIRMED  # standing by: noted only
        due[0] = DueScene("Keynote", "keynote:scene", T0)  # the session's tick at the boundary
        return actual

    standby.fencing.read_obs = boundary_while_reading  # type: ignore[method-assign]
    _, plan = await standby.fencing.take_over_as_of(2, lambda: (due[0], {}, ()))
    assert plan.switch == due[0]
    await rec.wait_for("scene_switch_confirmed", scene="Keynote")
    assert changes(fake) == ["SetCurrentProgramScene"] and fake.program == "Keynote"


async def test_a_switch_superseded_while_it_waited_for_the_lease_is_never_sent(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    """OBS came back: a pair's driver listens (LISTEN) before it changes OBS, so the
    reconnect's switch to the scene of the slot before waits for the lease. A boundary
    comes meanwhile. Only the boundary's scene may leave: the older request, sent after
    it, left OBS on the previous slot's scene for a whole slot (bench_chaos, seeds 1, 11
    and 12: 'switch to Keynote requested', then 'switch to Q&A requested (reconnect)')."""
    timer, mono = ManualTimer(), ManualMono()
    ctl, rec = make_controller(
        fake.url, announce=PRIMARY, announce_sleep=timer.sleep, announce_mono=mono
    )
    await ctl.start()
    assert await ctl.wait_connected(3)
    await timer.wait_pending()
    mono.advance(LISTEN)
    ctl.fencing.drive(1)
    assert (await ctl.switch_scene("Intro", boundary_at=T0, key="intro")).ok
    await fake.stop(clean=False)  # OBS killed
    await rec.wait_for("obs_disconnected")
    panel = ctl.switch_scene("Panel", boundary_at=T0, key="panel")  # while OBS is away
    await rec.wait_for("scene_switch_failed", scene="Panel")
    fake.program = "Holding"  # OBS restarts on its saved scene
    before = len(fake.requests)
    await fake.start()
    await rec.wait_for("obs_connected", count=2)
    # the reconnect's switch to Panel waits for the lease: OBS was only just heard again
    await until(lambda: any(t == "GetCurrentProgramScene" for t, _ in fake.requests[before:]))
    keynote = ctl.switch_scene("Keynote", boundary_at=T0, key="keynote")
    mono.advance(LISTEN)
    await timer.fire()  # the period's announcement comes back from OBS: the lease is fresh
    assert (await asyncio.wait_for(keynote, 5)).ok
    assert (await asyncio.wait_for(panel, 5)).outcome is SwitchOutcome.SUPERSEDED
    await until(lambda: fake.program == "Keynote")
    sent = [d.get("sceneName") for t, d in fake.requests[before:] if t == "SetCurrentProgramScene"]
    assert sent == ["Keynote"]
