"""One OBS, one driver: runs announce themselves (BroadcastCustomEvent) and hear each other.

Against the fake server here, with the announcement timer fired by hand; the
same against the real OBS is in test_real_obs.py.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.obs.fake import FakeObs
from timekeeper.core.modes import RunMode
from timekeeper.obs.announce import GONE_AFTER, KIND, heard
from timekeeper.obs.controller import ObsController, RunIdentity
from timekeeper.obs.status import Role
from timekeeper.ui.obspanel import describe_obs

from .conftest import ControllerFactory, Recorder
from .timer import ManualMono, ManualTimer

STAGE = RunIdentity("run-stage", "stage-pc", 4242, "Data Work Symposium", "live")
BOOTH = RunIdentity("run-booth", "booth-laptop", 777, "Data Work Symposium", "dress_rehearsal")


async def announcing(
    make: ControllerFactory, url: str, identity: RunIdentity, **kw: Any
) -> tuple[ObsController, Recorder, ManualTimer]:
    timer = ManualTimer()
    kw.setdefault("announce_mono", ManualMono())
    ctl, rec = make(url, announce=identity, announce_sleep=timer.sleep, **kw)
    await ctl.start()
    assert await ctl.wait_connected(3)
    await timer.wait_pending()
    return ctl, rec, timer


def panel(ctl: ObsController) -> list[str]:
    return [text for text, _ in describe_obs(ctl.status).lines]


async def until(condition: Any, timeout: float = 3.0) -> None:
    """Wait for an effect of OBS's event traffic (not for time to pass)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


async def test_two_timekeepers_on_one_obs_each_warn_of_the_other(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    stage, stage_rec, _ = await announcing(make_controller, fake.url, STAGE)
    booth, booth_rec, _ = await announcing(make_controller, fake.url, BOOTH)
    # the newcomer's announcement at connect reaches the first; its answer reaches the newcomer
    seen_by_stage = await stage_rec.wait_for("other_timekeeper")
    seen_by_booth = await booth_rec.wait_for("other_timekeeper")
    assert (seen_by_stage.host, seen_by_stage.pid, seen_by_stage.mode) == (
        "booth-laptop",
        777,
        "dress_rehearsal",
    )
    assert (seen_by_booth.host, seen_by_booth.pid) == ("stage-pc", 4242)
    assert stage.status.others == (BOOTH,) and booth.status.others == (STAGE,)
    assert "⚠ another timekeeper (booth-laptop, 777) drives this OBS" in panel(stage)
    assert "⚠ another timekeeper (stage-pc, 4242) drives this OBS" in panel(booth)
    assert seen_by_stage.alarm
    assert "another timekeeper (booth-laptop, 777) drives this OBS" in seen_by_stage.message


async def test_announcements_repeat_on_the_timer_and_are_reported_once(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    stage, stage_rec, stage_timer = await announcing(make_controller, fake.url, STAGE)
    _, booth_rec, booth_timer = await announcing(make_controller, fake.url, BOOTH)
    await stage_rec.wait_for("other_timekeeper")
    await booth_rec.wait_for("other_timekeeper")
    # each announced at connect, and once more on hearing the other for the first time
    await until(lambda: fake.count("BroadcastCustomEvent") == 4)
    sent = 4
    for _ in range(4):
        await booth_timer.fire()
        await stage_timer.fire()
    assert fake.count("BroadcastCustomEvent") == sent + 8  # one per period each
    assert booth_timer.asked[0] == 0.25  # a driver: four times a second (issue 24)
    assert len(stage_rec.of("other_timekeeper")) == 1  # the panel warns; the log says it once
    assert stage.status.others == (BOOTH,)
    data = next(d for t, d in fake.requests if t == "BroadcastCustomEvent")["eventData"]
    assert data["kind"] == KIND and heard(data) in (STAGE, BOOTH)


async def test_one_not_heard_for_a_while_is_gone_and_the_warning_clears(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    mono = ManualMono()
    stage, stage_rec, stage_timer = await announcing(
        make_controller, fake.url, STAGE, announce_mono=mono
    )
    booth, _, _ = await announcing(make_controller, fake.url, BOOTH)
    await stage_rec.wait_for("other_timekeeper")
    await booth.stop()
    for _ in range(int(GONE_AFTER * 4)):  # GONE_AFTER seconds of quarter-second periods
        mono.advance(0.25)
        await stage_timer.fire()
    assert stage.status.others == (BOOTH,)  # seconds of quiet are not yet silence
    mono.advance(0.25)
    await stage_timer.fire()
    gone = await stage_rec.wait_for("other_timekeeper_gone")
    assert (gone.host, gone.pid) == ("booth-laptop", 777)
    assert not stage.status.others
    assert not any("another timekeeper" in line for line in panel(stage))


async def test_alone_a_run_hears_only_itself_and_warns_of_nothing(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    stage, rec, timer = await announcing(make_controller, fake.url, STAGE)
    for _ in range(3):
        await timer.fire()
    await fake._broadcast("CustomEvent", {"kind": "someone.else", "run_id": "x", "pid": 1})
    await fake._broadcast("CustomEvent", {"message": "hello from a stream deck"})
    await until(lambda: fake.count("BroadcastCustomEvent") == 4)
    assert rec.of("other_timekeeper") == [] and stage.status.others == ()


async def test_a_dry_run_only_watches_and_the_panel_says_so(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    watcher = RunIdentity("run-dry", "laptop", 99, "Data Work Symposium", RunMode.DRY.obs_word)
    stage, stage_rec, _ = await announcing(make_controller, fake.url, STAGE)
    dry, dry_rec, _ = await announcing(make_controller, fake.url, watcher, mode=RunMode.DRY)
    heard_by_stage = await stage_rec.wait_for("other_timekeeper_noted")
    await dry_rec.wait_for("other_timekeeper")
    assert not heard_by_stage.alarm and stage_rec.of("other_timekeeper") == []  # no pop-up
    assert "⚠ another timekeeper (laptop, 99) watches this OBS (dry run)" in panel(stage)
    assert "⚠ another timekeeper (stage-pc, 4242) drives this OBS" in panel(dry)


async def test_after_a_reconnect_the_run_announces_at_once(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    _, rec, _ = await announcing(make_controller, fake.url, STAGE)
    await until(lambda: fake.count("BroadcastCustomEvent") == 1)
    fake.drop()
    await rec.wait_for("obs_connected", count=2)
    await until(lambda: fake.count("BroadcastCustomEvent") == 2)


async def test_a_driver_announces_on_a_fixed_cadence_of_a_quarter_second(
    make_controller: ControllerFactory, fake: FakeObs
) -> None:
    """A late wake-up or a send's round trip shortens the next wait: a standby hears the
    driver every 0.25 s on average, not every 0.25 s plus the round trip."""
    mono = ManualMono()
    stage, _, timer = await announcing(make_controller, fake.url, STAGE, announce_mono=mono)
    assert timer.asked == [0.25]
    mono.advance(0.253)  # woke (or sent) 3 ms late
    await timer.fire()
    assert timer.asked[-1] == pytest.approx(0.247)
    mono.advance(0.247 + 2.0)  # a stalled loop: from now on, no burst to catch up
    await timer.fire()
    assert timer.asked[-1] == pytest.approx(0.25)
    standby = RunIdentity("run-sb", "booth", 7, "Data Work Symposium", "live", 1, Role.STANDBY)
    _, _, slow = await announcing(make_controller, fake.url, standby)
    assert slow.asked == [1.0]  # a standby announces once a second
