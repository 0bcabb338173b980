"""The stream and recording follow the programme's intent on every path, against real OBS;
rehearsals never touch a live output.

A jump and a hard start over the slot that starts the recording (the show driven in
process on a pretend clock: a headless run has nobody to press `j`, and its autopilot
moves a manual slot on before a hard start can overtake anything), with the run's own
OBS service (controller + director) against a real OBS Studio; then `timekeeper run`
as a subprocess for the dress rehearsal refused while OBS records, allowed with the
override, and stopping its switching when OBS starts recording mid-rehearsal.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from timekeeper.app.obs_service import ObsService
from timekeeper.core.clock import ManualClock
from timekeeper.core.engine import Action, ActionKind
from timekeeper.core.modes import RunMode
from timekeeper.programme.loader import load_programme
from timekeeper.show.session import ShowSession

from .conftest import ObsUnderTest
from .programmes import PASSWORD_ENV, ProgrammeFile, SlotSpec, write_programme
from .runner import Run, cli, environment, read_jsonl, run_argv

pytestmark = pytest.mark.obs
Record = dict[str, object]


async def until(predicate: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        await asyncio.sleep(0.02)


class InProcessShow:
    """A LIVE session on a pretend clock with the run's OBS service against real OBS."""

    def __init__(self, file: ProgrammeFile) -> None:
        self.programme = load_programme(file.path)
        self.clock = ManualClock(file.start, simulated=False)
        self.session = ShowSession(self.programme, self.clock, RunMode.LIVE, catch_up=False)
        self.records: list[Record] = []
        self.service = ObsService(
            self.session, url_override=None, done_keys=(), on_record=self.records.append
        )

    @property
    def status(self):  # type: ignore[no-untyped-def]
        return self.service.controller.status

    def of(self, kind: str, **match: object) -> list[Record]:
        return [
            r
            for r in self.records
            if r.get("event") == kind and all(r.get(k) == v for k, v in match.items())
        ]

    def at(self, planned_seconds: float) -> None:
        """Move the pretend clock to `planned_seconds` after the first slot's start; tick."""
        self.clock.set(self.programme.start + timedelta(seconds=planned_seconds))
        self.session.tick()


@pytest.fixture
async def show_of(
    obs: ObsUnderTest, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Callable[[ProgrammeFile], InProcessShow]]:
    monkeypatch.setenv(PASSWORD_ENV, obs.password)
    made: list[InProcessShow] = []

    def make(file: ProgrammeFile) -> InProcessShow:
        made.append(InProcessShow(file))
        return made[-1]

    yield make
    for show in made:
        await show.service.stop()


async def test_a_jump_past_the_slot_that_starts_recording_records_once(
    obs: ObsUnderTest, tmp_path: Path, show_of: Callable[[ProgrammeFile], InProcessShow]
) -> None:
    file = write_programme(
        tmp_path / "programme.yaml",
        obs.url,
        [
            SlotSpec("Opening", 60, "Intro"),
            SlotSpec("Keynote", 60, "Keynote", on_start=["start_recording"]),
            SlotSpec("Panel", 60, "Panel"),
            SlotSpec("Closing", 60, "Closing", on_end=["stop_recording"]),
        ],
    )
    show = show_of(file)
    await show.service.start()
    assert await show.service.controller.wait_connected(10)
    show.at(0)
    await until(lambda: show.status.program_scene == "Intro", what="Intro on program")
    show.clock.advance(10)
    show.session.act(Action(ActionKind.JUMP, slot="s3"))  # Keynote is skipped
    await until(lambda: show.status.recording is True, what="OBS records after the jump")
    await until(lambda: show.status.program_scene == "Panel", what="Panel on program")
    [said] = show.of("output_intent")
    assert said["message"] == (
        "Jump to 'Panel': recording will start (skipped slot 'Keynote' starts it)"
    )
    # back to the Opening, then on to the Keynote itself: its key is done, nothing is resent
    show.clock.advance(5)
    show.session.act(Action(ActionKind.BACK))
    show.session.act(Action(ActionKind.NEXT))
    await until(lambda: show.status.program_scene == "Keynote", what="Keynote on program")
    show.session.act(Action(ActionKind.END))  # Closing's on_end stops the recording
    await show.service.director.controller.finish_actions(5)
    assert not obs.recording_settled(), "ending the show applies the last slot's stop"
    assert obs.record_starts() == 1
    assert len(obs.new_recordings()) == 1
    sent = [r["action"] for r in show.of("action_sent")]
    assert sent == ["start_recording", "stop_recording"]


async def test_a_hard_start_that_skips_the_recording_slot_still_records_once(
    obs: ObsUnderTest, tmp_path: Path, show_of: Callable[[ProgrammeFile], InProcessShow]
) -> None:
    file = write_programme(
        tmp_path / "programme.yaml",
        obs.url,
        [
            SlotSpec("Talk", 60, "Intro", advance="manual"),  # overruns: nobody moves on
            SlotSpec("Keynote", 60, "Keynote", on_start=["start_recording"]),
            SlotSpec("Workshop", 60, "Panel", hard=True),
            SlotSpec("Closing", 60, "Closing", on_end=["stop_recording"]),
        ],
    )
    show = show_of(file)
    await show.service.start()
    assert await show.service.controller.wait_connected(10)
    show.at(0)
    await until(lambda: show.status.program_scene == "Intro", what="Intro on program")
    show.at(121)  # the Workshop's hard start cut the Talk and overtook the Keynote
    outcomes = [r.outcome.value for r in show.session.state.records]
    assert outcomes == ["cut", "skipped", "live", "pending"]
    await until(lambda: show.status.recording is True, what="OBS records after the hard start")
    await until(lambda: show.status.program_scene == "Panel", what="Panel on program")
    [said] = show.of("output_intent")
    assert said["message"] == (
        "Hard start of 'Workshop': recording will start (skipped slot 'Keynote' starts it)"
    )
    assert said["notify"] is True  # the dashboard shows it as a notification too
    show.at(240)  # the Closing ends on time: the recording stops
    await show.service.director.controller.finish_actions(5)
    assert not obs.recording_settled()
    assert obs.record_starts() == 1
    assert len(obs.new_recordings()) == 1


# ---------------------------------------------------------------- dress rehearsals


def rehearsal(tmp_path: Path, url: str) -> ProgrammeFile:
    return write_programme(
        tmp_path / "programme.yaml",
        url,
        [
            SlotSpec("Opening", 2, "Intro"),
            SlotSpec("Talk", 2, "Keynote"),
            SlotSpec("Closing", 2, "Closing"),
        ],
    )


def dress_argv(file: ProgrammeFile, log: Path, *extra: str) -> list[str]:
    """`--at` one second before the first slot, at ×2: the dress rehearsal (no --dry-run)."""
    at = (file.start - timedelta(seconds=1)).isoformat()
    return run_argv(file.path, log, "--at", at, "--speed", "2", *extra)


def start_recording(obs: ObsUnderTest) -> None:
    obs.obs.request("StartRecord")
    deadline = time.monotonic() + 10
    while not obs.recording() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert obs.recording()


def test_a_dress_rehearsal_is_refused_while_obs_records(obs: ObsUnderTest, tmp_path: Path) -> None:
    file = rehearsal(tmp_path, obs.url)
    env = environment({PASSWORD_ENV: obs.password})
    before = obs.program_scene()
    start_recording(obs)
    log = tmp_path / "dress.jsonl"
    at = (file.start - timedelta(seconds=1)).isoformat()
    refused = cli(
        "run", str(file.path), "--headless", "--port", "0", "--log", str(log),
        "--at", at, "--speed", "2", env=env,
    )  # fmt: skip
    assert refused.returncode == 2, refused.stdout + refused.stderr
    [line] = refused.stderr.strip().splitlines()
    assert "is recording" in line and "--allow-live-outputs" in line and "--dry-run" in line
    assert refused.stdout == "" and not log.exists()  # refused before anything started
    assert obs.program_scene() == before and obs.recording()
    assert obs.password not in line

    allowed = Run(dress_argv(file, log, "--allow-live-outputs"), env)
    try:
        assert allowed.finish(timeout=30) == 0, allowed.stderr
    finally:
        allowed.close()
    scenes = [r["scene"] for r in allowed.of("scene_switch_confirmed")]
    assert scenes == ["Intro", "Keynote", "Closing"]
    assert not allowed.of("rehearsal_on_live_output")


def test_recording_started_mid_rehearsal_stops_its_switching(
    obs: ObsUnderTest, tmp_path: Path
) -> None:
    file = rehearsal(tmp_path, obs.url)
    env = environment({PASSWORD_ENV: obs.password})
    log = tmp_path / "dress.jsonl"
    run = Run(dress_argv(file, log), env)
    try:
        run.wait_for(
            lambda ln: ln.get("event") == "scene_switch_confirmed" and ln["scene"] == "Intro",
            timeout=20,
        )
        start_recording(obs)  # someone presses Record in OBS during the rehearsal
        alarm_at, alarm = run.wait_for("rehearsal_on_live_output", timeout=10)
        assert run.finish(timeout=30) == 0, run.stderr
    finally:
        run.close()
    assert "scene switching STOPPED" in str(alarm["message"])
    after = run.lines[alarm_at:]
    assert not [ln for ln in after if ln.get("event") == "scene_switch_requested"]
    skipped = [ln["scene"] for ln in after if ln.get("event") == "scene_switch_skipped"]
    assert skipped == ["Keynote", "Closing"]
    assert obs.program_scene() == "Intro" and obs.recording()
    assert any(r.get("event") == "rehearsal_on_live_output" for r in read_jsonl(log))
