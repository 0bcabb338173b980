"""The LIVE show end to end: `timekeeper run --headless` on the real clock against real OBS.

One run of a programme of six short slots (module fixture) is checked twice:
its switches and recording (test 1), and `timekeeper report` on its as-run
log (test 5).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from tests.obs.headless import HeadlessObs, reset

from .conftest import ObsUnderTest
from .programmes import PASSWORD_ENV, ProgrammeFile, SlotSpec, write_programme
from .runner import Line, Run, cli, environment, read_jsonl, run_argv

pytestmark = pytest.mark.obs

SCENES = ["Intro", "Keynote", "Panel", "Q&A", "Reception", "Closing"]
SLOT_SECONDS = 2
REQUEST_LIMIT_MS = 50  # the target is 5 ms (bench/); generous for a loaded 2-core CI machine
CONFIRM_LIMIT_MS = 250  # a Cut lands on OBS's next frame (33 ms at 30 fps)


@dataclass
class LiveShow:
    programme: ProgrammeFile
    run: Run
    code: int
    log: Path
    program_scene: str
    recording_after: bool
    recordings: list[Path]
    record_starts: int
    env: dict[str, str] = field(repr=False)  # holds the password


@pytest.fixture(scope="module")
def live_show(e2e_obs: HeadlessObs, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveShow]:
    if not e2e_obs.obs_running:
        e2e_obs.start_obs()
    reset(e2e_obs)
    under = ObsUnderTest(
        e2e_obs, frozenset(e2e_obs.recordings.iterdir()), e2e_obs.obs_log.stat().st_size
    )
    tmp = tmp_path_factory.mktemp("live")
    slots = [SlotSpec(f"Part {i + 1}", SLOT_SECONDS, scene) for i, scene in enumerate(SCENES)]
    slots[0] = SlotSpec("Part 1", SLOT_SECONDS, SCENES[0], on_start=["start_recording"])
    slots[-1] = SlotSpec("Part 6", SLOT_SECONDS, SCENES[-1], on_end=["stop_recording"])
    programme = write_programme(tmp / "programme.yaml", e2e_obs.url, slots, title="Live e2e")
    env = environment({PASSWORD_ENV: e2e_obs.password})
    log = tmp / "live.jsonl"
    run = Run(run_argv(programme.path, log), env)
    try:
        code = run.finish(timeout=programme.seconds_until(programme.end) + 20)
    finally:
        run.close()
    yield LiveShow(
        programme=programme,
        run=run,
        code=code,
        log=log,
        program_scene=under.program_scene(),
        recording_after=under.recording_settled(),
        recordings=under.new_recordings(),
        record_starts=under.record_starts(),
        env=env,
    )
    if under.recording():
        e2e_obs.request("StopRecord")


def at(line: Line, key: str = "at") -> datetime:
    return datetime.fromisoformat(str(line[key]))


def test_every_scene_switches_on_time_and_recording_runs_once(live_show: LiveShow) -> None:
    run, programme = live_show.run, live_show.programme
    assert live_show.code == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert run.lines[0]["event"] == "run_started" and run.lines[0]["mode"] == "live"
    assert run.lines[0]["rehearsal"] is False
    [preflight] = run.of("obs_preflight")
    assert preflight["ok"] is True and preflight["missing"] == []

    # the show: every slot at its planned instant, in order, then the end
    started = run.of("slot_started")
    assert [s["slot"] for s in started] == [p.id for p in programme.slots]
    assert [at(s) for s in started] == [p.start for p in programme.slots]
    assert [at(s) for s in run.of("slot_ended")] == [p.end for p in programme.slots]
    assert run.kinds().count("show_ended") == 1

    # every scene requested at its boundary and confirmed by OBS's own event, in order
    requested = run.of("scene_switch_requested")
    confirmed = run.of("scene_switch_confirmed")
    assert [r["scene"] for r in requested] == SCENES
    assert [c["scene"] for c in confirmed] == SCENES
    assert [at(r, "boundary_at") for r in requested] == [p.start for p in programme.slots]
    assert all(r["reason"] == "boundary" and r["attempt"] == 1 for r in requested)
    assert all(c["already"] is False for c in confirmed)  # a real switch, seen by OBS
    assert not run.of("scene_switch_failed")
    request_ms = [float(r["request_delay"]) for r in requested]
    confirm_ms = [float(c["confirm_delay"]) for c in confirmed]
    print(f"\nrequest delay ms: {[round(x, 1) for x in request_ms]}")
    print(f"confirm delay ms: {[round(x, 1) for x in confirm_ms]}")
    print(
        f"median request {statistics.median(request_ms):.1f} ms, "
        f"median confirm {statistics.median(confirm_ms):.1f} ms"
    )
    assert max(request_ms) < REQUEST_LIMIT_MS
    assert max(confirm_ms) < CONFIRM_LIMIT_MS
    assert live_show.program_scene == SCENES[-1]

    # recording: started once at the first slot, stopped at the end of the last
    done = {line["key"]: line for line in run.of("action_done")}
    assert set(done) == {"s1:on_start:start_recording", "s6:on_end:stop_recording"}
    assert len(run.of("action_sent")) == 2
    assert len(run.of("record_started")) == 1
    assert live_show.record_starts == 1
    assert len(live_show.recordings) == 1, live_show.recordings
    assert live_show.recordings[0].stat().st_size > 0
    assert live_show.recording_after is False

    # the as-run log says the same, and keeps the password out
    records = read_jsonl(live_show.log)
    assert records[0]["record"] == "run" and records[0]["mode"] == "live"
    logged = [r for r in records if r.get("event") == "scene_switch_confirmed"]
    assert [r["scene"] for r in logged] == SCENES


def test_report_of_the_live_show(live_show: LiveShow) -> None:
    done = cli("report", str(live_show.log), env=live_show.env)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    print(text)
    for slot in live_show.programme.slots:  # every slot, planned and actual, on time
        row = next(line for line in text.splitlines() if line.startswith(f"| {slot.id[1:]} |"))
        planned, actual = (cell.strip() for cell in row.split("|")[3:5])
        assert planned == f"{_short(slot.start)}–{_short(slot.end)}", row
        assert actual == f"{slot.start:%H:%M:%S}–{slot.end:%H:%M:%S}", row
    for i in range(len(SCENES)):
        assert f"Part {i + 1} " in text
    assert f"- Recording: {live_show.programme.start:%H:%M:%S}–" in text
    assert "Scene switches: 6 confirmed" in text


def _short(at: datetime) -> str:
    """The report's planned times: HH:MM, with the seconds only when there are any."""
    return f"{at:%H:%M}" if at.second == 0 and at.microsecond == 0 else f"{at:%H:%M:%S}"
