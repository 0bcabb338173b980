"""The director drives OBS from the show: the seed programme against the fake obs-websocket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.factories import at
from tests.obs.fake import FakeObs
from timekeeper.core.clock import ManualClock
from timekeeper.core.engine import Action, ActionKind
from timekeeper.core.modes import RunMode
from timekeeper.obs.client import ObsClient
from timekeeper.obs.controller import ObsController
from timekeeper.obs.events import ObsEvent
from timekeeper.programme.loader import load_programme
from timekeeper.show.director import ObsDirector, render_texts
from timekeeper.show.session import ShowSession

SEED = load_programme(Path(__file__).parents[2] / "programme.yaml")
PASSWORD = "director-test-pw"
SCENES = ["Holding", "Intro", "Keynote", "Panel", "Q&A", "Reception"]


async def until(predicate: Callable[[], bool], timeout: float = 3.0) -> None:
    """Poll until true (network delivery takes real milliseconds); fail after `timeout`."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


@pytest.fixture
async def fake() -> AsyncIterator[FakeObs]:
    async with FakeObs(scenes=SCENES, password=PASSWORD) as server:
        yield server


async def _director(
    fake: FakeObs, mode: RunMode, start: str = "15:29:50"
) -> tuple[ShowSession, ManualClock, list[ObsEvent], ObsDirector]:
    clock = ManualClock(at(start))
    session = ShowSession(SEED, clock, RunMode.LIVE)
    seen: list[ObsEvent] = []
    client = ObsClient(fake.url, PASSWORD, password_env="OBS_PASSWORD")
    director = ObsDirector(
        session, ObsController(client, clock=clock, on_event=seen.append, mode=mode)
    )
    await director.start()
    assert await director.controller.wait_connected(3)
    return session, clock, seen, director


def mutating(fake: FakeObs) -> list[tuple[str, object]]:
    keep = {"SetCurrentProgramScene", "StartStream", "StopStream", "StartRecord", "StopRecord"}
    return [(name, data.get("sceneName")) for name, data in fake.requests if name in keep]


async def test_boundaries_switch_scenes_and_start_the_stream_once(fake: FakeObs) -> None:
    session, clock, seen, director = await _director(fake, RunMode.LIVE)
    try:
        clock.set(at("15:30"))
        session.tick()
        await until(lambda: fake.program == "Intro" and fake.streaming and fake.recording)
        await until(lambda: any(e.kind == "scene_switch_confirmed" for e in seen))
        clock.set(at("15:35"))
        session.tick()
        await until(lambda: fake.program == "Keynote")
        session.act(Action(ActionKind.BACK))  # the operator undoes: Intro again, held
        await until(lambda: fake.program == "Intro")
        session.act(Action(ActionKind.NEXT))
        await until(lambda: fake.program == "Keynote")
        assert mutating(fake) == [
            ("SetCurrentProgramScene", "Intro"),
            ("StartStream", None),
            ("StartRecord", None),
            ("SetCurrentProgramScene", "Keynote"),
            ("SetCurrentProgramScene", "Intro"),
            ("SetCurrentProgramScene", "Keynote"),
        ], "the intro's start_streaming must not be sent again after back/next"
    finally:
        await director.stop()


async def test_a_jump_over_the_introduction_still_starts_the_stream_once(fake: FakeObs) -> None:
    """The seed's Introduction starts stream and recording: jump past it, and they still start
    (after the switch), once, and the event log says why; back and next again send nothing."""
    clock = ManualClock(at("15:29:50"))
    session = ShowSession(SEED, clock, RunMode.LIVE)
    records: list[dict[str, object]] = []
    client = ObsClient(fake.url, PASSWORD, password_env="OBS_PASSWORD")
    director = ObsDirector(session, ObsController(client, clock=clock), on_record=records.append)
    await director.start()
    try:
        assert await director.controller.wait_connected(3)
        session.tick()
        session.act(Action(ActionKind.JUMP, slot="keynote"))
        await until(lambda: fake.streaming and fake.recording)
        assert [r["message"] for r in records] == [
            "Jump to 'Keynote lecture': streaming will start (skipped slot 'Introduction' "
            "starts it)",
            "Jump to 'Keynote lecture': recording will start (skipped slot 'Introduction' "
            "starts it)",
        ]
        session.act(Action(ActionKind.BACK))
        session.act(Action(ActionKind.NEXT))
        await until(lambda: fake.program == "Intro")
        assert mutating(fake) == [
            ("SetCurrentProgramScene", "Keynote"),
            ("StartStream", None),
            ("StartRecord", None),
            ("SetCurrentProgramScene", "Intro"),
        ]
        assert len(records) == 2
    finally:
        await director.stop()


async def test_catch_up_switches_only_to_the_live_scene(fake: FakeObs) -> None:
    session, clock, seen, director = await _director(fake, RunMode.LIVE, start="16:20")
    try:
        session.tick()
        await until(lambda: fake.program == "Panel")
        scenes = [s for name, s in mutating(fake) if name == "SetCurrentProgramScene"]
        assert scenes == ["Panel"]
    finally:
        await director.stop()


async def test_dry_run_sends_nothing_that_changes_obs(fake: FakeObs) -> None:
    session, clock, seen, director = await _director(fake, RunMode.DRY)
    try:
        for t in ("15:30", "15:35", "16:10", "17:10", "17:30", "18:31"):
            clock.set(at(t))
            session.tick()
        # Q&A is manual in the seed: four switches would have happened by 18:31
        await until(lambda: len([e for e in seen if e.kind == "scene_switch_skipped"]) >= 4)
        assert mutating(fake) == []
        assert fake.program == "Holding" and not fake.streaming
        would = [e.message for e in seen if e.kind in ("scene_switch_skipped", "action_skipped")]
        assert any("Keynote" in m for m in would)
        assert any("stream" in m for m in would)
    finally:
        await director.stop()


def test_texts_follow_the_live_speaker() -> None:
    from dataclasses import replace

    prog = replace(
        SEED,
        obs=replace(SEED.obs, texts=(("Lower third", "{speaker} — {remaining}"),)),
    )
    clock = ManualClock(at("16:12:30"))
    session = ShowSession(prog, clock, RunMode.DRY)
    session.tick()
    texts = render_texts(prog, session.status())
    assert texts == {"Lower third": "Michele Molè — 57:30"}  # the slot's countdown
    clock.set(at("16:14"))  # a fresh run follows the plan: the moderator's 3 minutes are up
    session = ShowSession(prog, clock, RunMode.DRY)
    session.tick()
    assert render_texts(prog, session.status()) == {"Lower third": "Beryl ter Haar — 56:00"}


def test_remaining_reads_like_the_speaker_screens() -> None:
    """{remaining} is the core's countdown text: time left rounds up, as every screen shows."""
    from dataclasses import replace
    from datetime import timedelta

    from timekeeper.speaker.protocol import build_snapshot, compute_display, parse_snapshot

    prog = replace(SEED, obs=replace(SEED.obs, texts=(("Countdown", "{remaining}"),)))
    half = timedelta(milliseconds=500)
    clock = ManualClock(at("15:29:00") + half)
    session = ShowSession(prog, clock, RunMode.DRY)
    # before the show: the wait until the first slot, 59.5 s, reads as a full minute
    assert render_texts(prog, session.status()) == {"Countdown": "01:00"}
    for when in ("15:40:00", "17:15:00", "17:30:00"):  # the keynote; the manual Q&A, then over
        clock.set(at(when) + half)
        session.tick()
        status = session.status()
        snap = build_snapshot(status, prog, seq=1, speed=1.0, rehearsal=True, message=None)
        on_screen = compute_display(parse_snapshot(snap), status.at, status.at).digits
        assert render_texts(prog, status) == {"Countdown": on_screen}, when
    assert on_screen == "+00:00"  # the manual Q&A half a second over: overtime has its +


def test_remaining_counts_to_the_hard_start_that_cuts_the_slot() -> None:
    """Reception made hard, the Q&A 3 minutes late: the OBS text has 10 s left, not 3:10."""
    from dataclasses import replace

    from tests.core.test_limits import qa_three_minutes_late
    from timekeeper.core.engine import new_show
    from timekeeper.core.status import evaluate

    state = qa_three_minutes_late()
    texts = (("Countdown", "{remaining} {cut}"),)
    prog = replace(state.programme, obs=replace(state.programme.obs, texts=texts))
    shown = render_texts(prog, evaluate(state, at("17:29:50")))
    assert shown == {"Countdown": "00:10 until Reception, 17:30 — hard start"}
    keynote = evaluate(new_show(SEED, at("15:00")), at("15:40"))
    uncut = render_texts(replace(SEED, obs=prog.obs), keynote)
    assert uncut == {"Countdown": "30:00 "}  # nothing cuts the keynote: {cut} is empty


async def test_a_resumed_show_carries_out_the_actions_it_never_got_done(fake: FakeObs) -> None:
    """A crash between the intro's boundary and OBS's reply: streaming was done, recording not."""
    from timekeeper.core.engine import advance, new_show

    clock = ManualClock(at("15:31"))
    state, _ = advance(new_show(SEED, at("15:00")), at("15:31"))  # the intro is live
    session = ShowSession(SEED, clock, RunMode.LIVE, state=state, catch_up=False)
    done = {"introduction:on_start:start_streaming"}
    client = ObsClient(fake.url, PASSWORD, password_env="OBS_PASSWORD")
    director = ObsDirector(session, ObsController(client, clock=clock, done_keys=done))
    fake.streaming = True  # it did start before the crash
    await director.start()
    try:
        await until(lambda: fake.recording and fake.program == "Intro")
        assert [name for name, _ in mutating(fake)].count("StartRecord") == 1
        assert "StartStream" not in [name for name, _ in mutating(fake)]
    finally:
        await director.stop()


async def test_preflight_reports_a_wrong_password_at_once() -> None:
    """The run's preflight does not wait out its 5 s when OBS has already refused the password."""
    import os

    from timekeeper.app.obs_service import ObsService

    async with FakeObs(scenes=SCENES, password=PASSWORD, refuse_auth=True) as server:
        os.environ["OBS_PASSWORD"] = "not-the-password"
        try:
            clock = ManualClock(at("15:00"))
            session = ShowSession(SEED, clock, RunMode.DRY)
            records: list[dict[str, object]] = []
            service = ObsService(
                session, url_override=server.url, done_keys=(), on_record=records.append
            )
            await service.start()
            try:
                await until(lambda: any(r["event"] == "obs_preflight" for r in records), 2.5)
            finally:
                await service.stop()
        finally:
            del os.environ["OBS_PASSWORD"]
    preflight = next(r for r in records if r["event"] == "obs_preflight")
    assert preflight["reachable"] is False
    assert "not-the-password" not in str(records)


async def test_a_revised_programme_naming_a_new_scene_is_checked_in_obs_again() -> None:
    """Everything follows a revision: the preflight says a renamed scene is missing in OBS."""
    import os
    from dataclasses import replace

    from timekeeper.app.obs_service import ObsService

    async with FakeObs(scenes=SCENES, password=PASSWORD) as server:
        os.environ["OBS_PASSWORD"] = PASSWORD
        try:
            clock = ManualClock(at("15:40"))
            session = ShowSession(SEED, clock, RunMode.DRY)
            records: list[dict[str, object]] = []
            service = ObsService(
                session, url_override=server.url, done_keys=(), on_record=records.append
            )
            await service.start()
            try:
                await until(lambda: any(r["event"] == "obs_preflight" for r in records), 5)
                assert all(r["ok"] for r in records if r["event"] == "obs_preflight")
                qa = SEED.index("qa")
                renamed = replace(SEED.slots[qa], scene="Questions")
                slots = (*SEED.slots[:qa], renamed, *SEED.slots[qa + 1 :])
                session.revise(replace(SEED, slots=slots, digest="v2"))
                await until(lambda: sum(r["event"] == "obs_preflight" for r in records) == 2, 5)
            finally:
                await service.stop()
        finally:
            del os.environ["OBS_PASSWORD"]
    second = [r for r in records if r["event"] == "obs_preflight"][-1]
    assert second["ok"] is False
    missing = second["missing"]
    assert isinstance(missing, list)
    assert any("Questions" in m for m in missing)


async def test_a_catch_up_past_the_end_of_the_show_switches_nothing(fake: FakeObs) -> None:
    """A headless run frozen through the Reception thaws after the show's end: the catch-up
    starts and ends the Reception at once, and nothing more goes on air (bench_chaos seed 3
    saw the last slot's scene switched to after the end)."""
    clock = ManualClock(at("17:20"))
    session = ShowSession(SEED, clock, RunMode.LIVE, autopilot=True)
    client = ObsClient(fake.url, PASSWORD, password_env="OBS_PASSWORD")
    director = ObsDirector(session, ObsController(client, clock=clock, mode=RunMode.LIVE))
    await director.start()
    assert await director.controller.wait_connected(3)
    asked: list[str] = []
    real_switch = director.controller.switch_scene

    def spy(scene: str, **kwargs: Any) -> Any:
        asked.append(scene)
        return real_switch(scene, **kwargs)

    director.controller.switch_scene = spy  # type: ignore[method-assign]
    try:
        session.tick()
        assert asked == ["Q&A"]  # the live slot when the run starts
        clock.set(at("19:00"))
        events = session.tick()
        kinds = [e.kind for e in events]
        assert kinds[-1] == "show_ended" and "slot_started" in kinds  # the Reception, caught up
        assert asked == ["Q&A"]
    finally:
        await director.stop()
