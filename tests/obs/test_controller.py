"""ObsController against the fake server: confirmation, retries, reconnects, override,
once-only actions, modes and text throttling."""

from __future__ import annotations

import asyncio
import json
import logging
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.obs.fake import FakeObs
from timekeeper.core.clock import ManualClock, SystemClock
from timekeeper.core.modes import RunMode
from timekeeper.core.programme import ObsAction, Transition
from timekeeper.obs.controller import ObsController, ObsState, RetryPolicy, SwitchOutcome

from .conftest import PASSWORD, ControllerFactory, Recorder

NOW = SystemClock()
MUTATING = {
    "SetCurrentProgramScene",
    "SetCurrentPreviewScene",
    "TriggerStudioModeTransition",
    "SetCurrentSceneTransition",
    "SetCurrentSceneTransitionDuration",
    "SetStudioModeEnabled",
    "SetInputSettings",
    "StartStream",
    "StopStream",
    "StartRecord",
    "StopRecord",
}


async def started(
    make: ControllerFactory, fake: FakeObs, **kw: Any
) -> tuple[ObsController, Recorder]:
    ctl, rec = make(fake.url, **kw)
    await ctl.start()
    assert await ctl.wait_connected(3)
    return ctl, rec


async def test_switch_confirmed_by_event_with_delays(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    fake.event_delay = 0.03
    ctl, rec = make_controller(fake.url)
    await ctl.start()
    await rec.wait_for("obs_connected")
    boundary = NOW.now()
    record = await asyncio.wait_for(
        ctl.switch_scene("Keynote", boundary_at=boundary, key="keynote"), 2
    )
    assert record.ok and record.outcome is SwitchOutcome.CONFIRMED
    assert record.request_delay is not None and record.request_delay < timedelta(milliseconds=50)
    assert record.confirm_delay is not None
    assert timedelta(milliseconds=25) < record.confirm_delay < timedelta(milliseconds=500)
    assert rec.kinds()[-2:] == ["scene_switch_requested", "scene_switch_confirmed"]
    assert ctl.status.program_scene == "Keynote" and ctl.status.last_switch == record
    assert ctl.status.desired_scene == "Keynote" and not ctl.status.override


async def test_switch_to_the_scene_on_program_confirms_without_sending(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    ctl, rec = await started(make_controller, fake)
    record = await ctl.switch_scene("Holding", boundary_at=NOW.now(), key="h")
    assert record.ok and record.attempts == 0
    assert rec.of("scene_switch_confirmed")[0].already
    assert fake.count("SetCurrentProgramScene") == 0


async def test_a_reply_alone_is_not_confirmation_retried_then_alarm(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    fake.emit_program_events = False  # OBS accepts but never confirms
    ctl, rec = await started(make_controller, fake)
    record = await asyncio.wait_for(ctl.switch_scene("Panel", boundary_at=NOW.now(), key="p"), 5)
    assert record.outcome is SwitchOutcome.FAILED
    assert record.attempts == 3  # 1 + SwitchPolicy.retries (2 in these tests)
    assert fake.count("SetCurrentProgramScene") == 3
    failed = rec.of("scene_switch_failed")
    assert [f.will_retry for f in failed] == [True, True, False]
    assert "did not confirm" in failed[-1].error
    assert ctl.status.alarm is not None and "Panel" in ctl.status.alarm


async def test_error_reply_is_retried_and_then_confirmed(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    fake.fail_next("SetCurrentProgramScene", 207, "Not ready")
    ctl, rec = await started(make_controller, fake)
    record = await asyncio.wait_for(ctl.switch_scene("Intro", boundary_at=NOW.now(), key="i"), 3)
    assert record.ok and record.attempts == 2
    assert rec.of("scene_switch_failed")[0].code == 207
    assert [e.reason for e in rec.of("scene_switch_requested")] == ["boundary", "retry"]
    assert ctl.status.alarm is None


async def test_missing_scene_is_not_retried(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    ctl, rec = await started(make_controller, fake)
    record = await asyncio.wait_for(ctl.switch_scene("Keynot", boundary_at=NOW.now(), key="k"), 2)
    assert record.outcome is SwitchOutcome.FAILED and record.attempts == 1
    [failed] = rec.of("scene_switch_failed")
    assert failed.code == 600 and not failed.will_retry
    await asyncio.sleep(0.3)
    assert fake.count("SetCurrentProgramScene") == 1
    assert ctl.status.alarm is not None


async def test_reconnects_after_a_drop_and_resends_the_desired_scene(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    ctl, rec = await started(make_controller, fake)
    assert (await ctl.switch_scene("Keynote", boundary_at=NOW.now(), key="k")).ok
    fake.drop()
    fake.program = "Holding"  # OBS came back in its last saved state
    await rec.wait_for("obs_disconnected")
    await rec.wait_for("obs_connected", count=2)
    requested = await rec.wait_for("scene_switch_requested", reason="reconnect")
    assert requested.scene == "Keynote"
    await rec.wait_for("scene_switch_confirmed", reason="reconnect")
    assert fake.program == "Keynote" and ctl.status.program_scene == "Keynote"
    assert ctl.status.state is ObsState.CONNECTED


async def test_boundary_while_obs_is_down_switches_on_reconnect(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    ctl, rec = await started(make_controller, fake)
    await fake.stop()
    await rec.wait_for("obs_disconnected")
    future = ctl.switch_scene("Panel", boundary_at=NOW.now(), key="p")
    failed = await rec.wait_for("scene_switch_failed")
    assert failed.will_retry and "not connected" in failed.error
    await rec.wait_for("obs_connect_failed")
    assert ctl.status.state is ObsState.DISCONNECTED and ctl.status.next_retry_at is not None
    await fake.start()
    record = await asyncio.wait_for(future, 3)
    assert record.ok and record.reason == "reconnect"
    assert fake.program == "Panel"


async def test_drop_while_waiting_for_confirmation_resends_after_reconnect(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    fake.event_delay = 0.2
    ctl, rec = await started(make_controller, fake)
    future = ctl.switch_scene("Q&A", boundary_at=NOW.now(), key="qa")
    await rec.wait_for("scene_switch_requested")
    fake.drop()
    fake.emit_program_events = True
    record = await asyncio.wait_for(future, 3)
    assert record.ok
    assert fake.program == "Q&A"


async def test_manual_override_is_not_fought_until_the_next_boundary(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    ctl, rec = await started(make_controller, fake)
    assert (await ctl.switch_scene("Keynote", boundary_at=NOW.now(), key="k")).ok
    fake.manual_switch("Panel")
    override = await rec.wait_for("scene_override")
    assert override.scene == "Panel" and override.desired == "Keynote"
    assert ctl.status.override and ctl.status.program_scene == "Panel"
    sent = fake.count("SetCurrentProgramScene")
    fake.drop()  # a reconnect must not put Keynote back either
    await rec.wait_for("obs_connected", count=2)
    await asyncio.sleep(0.1)
    assert fake.count("SetCurrentProgramScene") == sent and fake.program == "Panel"
    assert (await ctl.switch_scene("Q&A", boundary_at=NOW.now(), key="qa")).ok
    assert not ctl.status.override


async def test_override_while_a_switch_is_pending_ends_it(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    fake.emit_program_events = False
    ctl, rec = await started(make_controller, fake)
    future = ctl.switch_scene("Keynote", boundary_at=NOW.now(), key="k")
    await rec.wait_for("scene_switch_requested")
    while fake.program != "Keynote":  # switched, but silently
        await asyncio.sleep(0.005)
    fake.emit_program_events = True
    fake.manual_switch("Intro")
    record = await asyncio.wait_for(future, 2)
    assert record.outcome is SwitchOutcome.OVERRIDDEN
    await asyncio.sleep(0.4)  # past the confirmation timeout: no retry, no alarm
    assert fake.count("SetCurrentProgramScene") == 1 and ctl.status.alarm is None


async def test_a_transient_foreign_scene_is_not_an_override(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    """OBS flips program through another scene (studio mode off, studio transitions)."""
    fake.event_delay = 0.05
    ctl, rec = await started(make_controller, fake)
    future = ctl.switch_scene("Keynote", boundary_at=NOW.now(), key="k")
    fake.manual_switch("Intro")  # arrives first, then Keynote 50 ms later
    assert (await asyncio.wait_for(future, 2)).ok
    await asyncio.sleep(ctl.override_settle + 0.05)
    assert not ctl.status.override and not rec.of("scene_override")


async def test_putting_the_desired_scene_back_by_hand_ends_the_override(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    ctl, rec = await started(make_controller, fake)
    assert (await ctl.switch_scene("Keynote", boundary_at=NOW.now(), key="k")).ok
    fake.manual_switch("Panel")
    await rec.wait_for("scene_override")
    fake.manual_switch("Keynote")
    await asyncio.sleep(0.05)
    assert not ctl.status.override


async def test_resend_live_scene_clears_override(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    ctl, rec = await started(make_controller, fake)
    assert ctl.resend_live_scene() is None
    await ctl.switch_scene("Keynote", boundary_at=NOW.now(), key="k")
    fake.manual_switch("Panel")
    await rec.wait_for("scene_override")
    future = ctl.resend_live_scene()
    assert future is not None
    record = await asyncio.wait_for(future, 2)
    assert record.ok and record.reason == "operator"
    assert fake.program == "Keynote" and not ctl.status.override


async def test_actions_are_sent_once_per_key_across_reconnects(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    ctl, rec = await started(make_controller, fake)
    done = await ctl.run_action(ObsAction.START_RECORDING, "keynote:on_start")
    assert done.outcome == "done"
    await rec.wait_for("record_started")
    fake.drop()
    await rec.wait_for("obs_connected", count=2)
    again = await ctl.run_action(ObsAction.START_RECORDING, "keynote:on_start")
    assert again.outcome == "already_done"
    assert fake.count("StartRecord") == 1
    assert rec.of("action_done")[0].key == "keynote:on_start"
    assert "keynote:on_start" in ctl.done_keys
    # a restarted timekeeper given the persisted keys does not send it either
    ctl2, rec2 = await started(make_controller, fake, done_keys=ctl.done_keys)
    await ctl2.run_action(ObsAction.START_RECORDING, "keynote:on_start")
    assert fake.count("StartRecord") == 1 and rec2.of("action_skipped")[0].reason == "already_done"


async def test_action_whose_reply_was_lost_is_not_repeated(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    ctl, rec = await started(make_controller, fake)
    fake.reply_delay = 0.15  # OBS carries it out, but the reply never arrives
    future = ctl.run_action(ObsAction.START_STREAMING, "open:on_start")
    await rec.wait_for("action_sent")
    await asyncio.sleep(0.05)
    fake.drop()
    failed = await rec.wait_for("action_failed")
    assert failed.will_retry
    await asyncio.sleep(0.15)
    fake.reply_delay = 0
    record = await asyncio.wait_for(future, 3)
    assert record.outcome == "done" and record.note == "already streaming"
    assert fake.count("StartStream") == 1 and fake.streaming


async def test_action_queued_while_disconnected_runs_on_connect(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    await fake.stop()
    ctl, rec = make_controller(fake.url)
    await ctl.start()
    future = ctl.run_action(ObsAction.START_STREAMING, "k")
    await rec.wait_for("action_queued")
    await fake.start()
    assert (await asyncio.wait_for(future, 3)).outcome == "done"
    assert fake.count("StartStream") == 1


async def test_action_already_in_effect_is_done_without_sending(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    fake.recording = True
    ctl, _ = await started(make_controller, fake)
    record = await ctl.run_action(ObsAction.START_RECORDING, "k")
    assert record.outcome == "done" and record.note == "already recording"
    assert (await ctl.run_action(ObsAction.STOP_STREAMING, "k2")).note == "already stopped"
    assert fake.count("StartRecord") == 0 and fake.count("StopStream") == 0


async def test_refused_action_is_reported_and_not_retried(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    fake.fail_next("StartStream", 702, "No stream service")
    ctl, rec = await started(make_controller, fake)
    record = await ctl.run_action(ObsAction.START_STREAMING, "k")
    assert record.outcome == "failed"
    [failed] = rec.of("action_failed")
    assert failed.code == 702 and not failed.will_retry


async def test_wrong_password_is_auth_failed_quickly(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    ctl, rec = make_controller(fake.url, password="wrong")
    await ctl.start()
    failed = await rec.wait_for("obs_auth_failed", timeout=1.0)
    assert "OBS_TEST_PASSWORD" in failed.error
    assert ctl.status.state is ObsState.AUTH_FAILED
    await asyncio.sleep(0.5)  # retried, but reported once
    assert len(rec.of("obs_auth_failed")) == 1


async def test_dry_run_sends_nothing_that_changes_obs(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    fake.studio_mode = True
    ctl, rec = await started(make_controller, fake, mode=RunMode.DRY, studio_mode=True)
    record = await ctl.switch_scene("Keynote", boundary_at=NOW.now(), key="k")
    assert record.outcome is SwitchOutcome.SKIPPED
    assert ctl.resend_live_scene() is not None
    ctl.preview_scene("Panel")
    await ctl.run_action(ObsAction.START_STREAMING, "s")
    await ctl.run_action(ObsAction.START_RECORDING, "r")
    ctl.set_text("Countdown", "4:59")
    await rec.wait_for("text_set")
    fake.manual_switch("Intro")
    await asyncio.sleep(0.1)
    assert not MUTATING & {t for t, _ in fake.requests}
    messages = [e.message for e in rec.events]
    assert "would switch to Keynote (dry run)" in messages
    assert "would start streaming (dry run)" in messages
    assert "would set Countdown to '4:59'" in messages
    assert "would put Panel on preview" in messages
    assert not ctl.status.override and ctl.done_keys == frozenset()


async def test_dress_rehearsal_switches_scenes_but_only_reports_outputs(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    ctl, rec = await started(make_controller, fake, mode=RunMode.DRESS)
    assert (await ctl.switch_scene("Keynote", boundary_at=NOW.now(), key="k")).ok
    record = await ctl.run_action(ObsAction.START_STREAMING, "s")
    assert record.outcome == "skipped"
    assert rec.of("action_skipped")[0].message == "would start streaming (dress rehearsal)"
    assert fake.count("StartStream") == 0 and "s" not in ctl.done_keys


async def test_auto_switch_off_only_reports_and_resend_still_works(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    ctl, rec = await started(make_controller, fake)
    ctl.set_auto_switch(False)
    assert not ctl.status.auto_switch
    record = await ctl.switch_scene("Keynote", boundary_at=NOW.now(), key="k")
    assert record.outcome is SwitchOutcome.SKIPPED
    assert rec.of("scene_switch_skipped")[0].reason == "auto_switch_off"
    assert fake.count("SetCurrentProgramScene") == 0
    fake.manual_switch("Panel")  # hand switches are expected while off: not an override
    await asyncio.sleep(0.05)
    assert not ctl.status.override
    future = ctl.resend_live_scene()
    assert future is not None and (await future).ok
    ctl.set_auto_switch(True)
    assert [e.enabled for e in rec.of("auto_switch_changed")] == [False, True]


async def test_text_only_when_changed_and_at_most_once_per_interval(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    ctl, rec = await started(make_controller, fake, text_interval=0.2)
    loop = asyncio.get_running_loop()
    for text in ["5:00", "4:59", "4:58", "4:57"]:
        ctl.set_text("Countdown", text)
        await asyncio.sleep(0.01)
    first = await rec.wait_for("text_set")
    assert first.text == "5:00"
    t0 = loop.time()
    second = await rec.wait_for("text_set", count=2)
    assert second.text == "4:57" and loop.time() - t0 > 0.1  # the latest wins, a gap apart
    ctl.set_text("Countdown", "4:57")  # unchanged: nothing sent
    await asyncio.sleep(0.3)
    assert fake.count("SetInputSettings") == 2
    assert fake.input_settings["Countdown"]["text"] == "4:57"
    ctl.set_text("Nope", "x")
    failed = await rec.wait_for("text_failed")
    assert failed.source == "Nope"


async def test_text_is_sent_again_after_a_reconnect(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    ctl, rec = await started(make_controller, fake, text_interval=0.05)
    ctl.set_text("Countdown", "Starting soon")
    await rec.wait_for("text_set")
    fake.drop()
    fake.input_settings.clear()  # OBS restarted with its saved text
    await rec.wait_for("text_set", count=2)
    assert fake.input_settings["Countdown"]["text"] == "Starting soon"


async def test_stalled_obs_is_detected_by_the_heartbeat(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    ctl, rec = await started(make_controller, fake, heartbeat_interval=0.1, request_timeout=0.2)
    fake.stalled = True
    lost = await rec.wait_for("obs_disconnected", timeout=3)
    assert "stopped answering" in lost.reason
    fake.stalled = False
    await rec.wait_for("obs_connected", count=2, timeout=5)


async def test_dead_receive_task_reconnects(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    ctl, rec = await started(make_controller, fake)
    await fake.send_garbage()
    await rec.wait_for("obs_disconnected")
    await rec.wait_for("obs_connected", count=2)


async def test_studio_mode_previews_and_transitions(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    ctl, rec = await started(make_controller, fake, studio_mode=True)
    await rec.wait_for("studio_mode_changed")
    assert fake.studio_mode and ctl.status.studio_mode
    ctl.preview_scene("Keynote")
    await rec.wait_for("scene_preview_set")
    while ctl.status.preview_scene != "Keynote":
        await asyncio.sleep(0.005)
    record = await ctl.switch_scene(
        "Keynote",
        boundary_at=NOW.now(),
        key="k",
        transition=Transition("Fade", timedelta(milliseconds=300)),
    )
    assert record.ok and fake.program == "Keynote"
    assert fake.count("TriggerStudioModeTransition") == 1
    assert fake.current_transition == "Fade" and fake.transition_duration == 300


async def test_missing_transition_warns_but_switches(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    ctl, rec = await started(make_controller, fake)
    record = await ctl.switch_scene(
        "Panel", boundary_at=NOW.now(), key="p", transition=Transition("Wipe")
    )
    assert record.ok
    assert rec.of("transition_failed")[0].transition == "Wipe"


async def test_newer_boundary_supersedes_a_pending_switch(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    fake.event_delay = 0.1
    ctl, rec = await started(make_controller, fake)
    first = ctl.switch_scene("Intro", boundary_at=NOW.now(), key="a")
    await rec.wait_for("scene_switch_requested")
    second = ctl.switch_scene("Keynote", boundary_at=NOW.now(), key="b")
    assert (await first).outcome is SwitchOutcome.SUPERSEDED
    assert (await asyncio.wait_for(second, 2)).ok
    await asyncio.sleep(0.15)
    assert not ctl.status.override  # Intro's late event is ours, not a hand switch


async def test_events_are_json_and_timestamps_come_from_the_injected_clock(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    start = datetime(2030, 5, 1, 9, 0, tzinfo=UTC)
    clock = ManualClock(start)
    ctl, rec = await started(make_controller, fake, clock=clock)
    clock.advance(1.5)
    await ctl.switch_scene("Keynote", boundary_at=start + timedelta(seconds=1), key="k")
    await ctl.run_action(ObsAction.START_RECORDING, "r")
    for event in rec.events:
        data = json.loads(event.to_json())
        assert data["kind"] == event.kind and data["message"]
    assert rec.events[0].to_dict()["at"] == "2030-05-01T09:00:00+00:00"
    assert rec.events[-1].to_dict()["at"] == "2030-05-01T09:00:01.500000+00:00"
    confirmed = rec.of("scene_switch_confirmed")[0].to_dict()
    assert confirmed["confirm_delay"] == 500.0  # milliseconds, from the clock


async def test_password_never_in_events_status_or_logs(
    make_controller: ControllerFactory, fake: FakeObs, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ctl, rec = await started(make_controller, fake)
    await ctl.switch_scene("Keynote", boundary_at=NOW.now(), key="k")
    fake.drop()
    await rec.wait_for("obs_connected", count=2)
    bad, bad_rec = make_controller(fake.url, password=PASSWORD + "!")
    await bad.start()
    await bad_rec.wait_for("obs_auth_failed")
    everything = (
        caplog.text
        + "".join(e.to_json() for e in rec.events + bad_rec.events)
        + repr(ctl.status)
        + repr(bad.status)
    )
    assert PASSWORD not in everything


async def test_not_configured_is_a_visible_no_op() -> None:
    events: list[object] = []
    ctl = ObsController(None, clock=NOW, on_event=events.append)
    await ctl.start()
    assert ctl.status.state is ObsState.NOT_CONFIGURED
    record = await ctl.switch_scene("Keynote", boundary_at=NOW.now(), key="k")
    assert record.outcome is SwitchOutcome.SKIPPED
    assert (await ctl.run_action(ObsAction.START_STREAMING, "s")).outcome == "skipped"
    ctl.set_text("Countdown", "x")
    await ctl.stop()


async def test_a_failing_on_event_callback_does_not_break_the_controller(fake: FakeObs) -> None:
    from timekeeper.obs.client import ObsClient

    def boom(event: object) -> None:
        raise RuntimeError("dashboard bug")

    ctl = ObsController(ObsClient(fake.url, PASSWORD), clock=NOW, on_event=boom)
    await ctl.start()
    assert await ctl.wait_connected(3)
    assert (await ctl.switch_scene("Keynote", boundary_at=NOW.now(), key="k")).ok
    await ctl.stop()


def test_retry_policy_is_exponential_capped_and_jittered() -> None:
    policy = RetryPolicy()
    exact = RetryPolicy(jitter=0)
    assert [exact.delay(n) for n in range(1, 8)] == [0.5, 1, 2, 4, 8, 10, 10]
    rng = random.Random(1)
    for n in range(1, 10):
        base = exact.delay(n)
        assert base * 0.9 <= policy.delay(n, rng) <= base * 1.1


async def test_check_programme_over_the_live_connection(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    from .programmes import obs_programme

    ctl, _ = make_controller(fake.url)
    programme = obs_programme(["Holding", "Keynot"])
    offline = await ctl.check_programme(programme)
    assert not offline.reachable
    await ctl.start()
    assert await ctl.wait_connected(3)
    report = await ctl.check_programme(programme)
    assert [(c.name, c.suggestion) for c in report.missing] == [("Keynot", "Keynote")]
