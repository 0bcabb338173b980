"""Crash recovery end to end: SIGKILL a LIVE `timekeeper run --headless` and restart it.

The recovery is documented in docs/as-run-log.md.

One show is killed at several moments — just after a boundary, mid-slot, late in
a manual turn (so its deadline passes while nothing runs), mid-turn, and during
an OBS switch — and restarted each time with the same command and log. The
reference is the uncrashed show: the engine following the plan from the same
start, exactly what an uncrashed headless run does (autopilot). Also: OBS
itself killed and restarted mid-run.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from timekeeper.asrun.resume import STRUCTURAL, describe_position
from timekeeper.core.clock import SystemClock
from timekeeper.core.engine import ShowEvent, ShowState, follow_plan, new_show
from timekeeper.core.programme import Programme
from timekeeper.programme.loader import load_programme

from .conftest import ObsUnderTest
from .programmes import PASSWORD_ENV, ProgrammeFile, SlotSpec, TurnSpec, write_programme
from .runner import Line, Run, cli, environment, read_jsonl, run_argv

pytestmark = pytest.mark.obs
CLOCK = SystemClock()
RECORD_KEY = "s1:on_start:start_recording"
COMPARED = STRUCTURAL | {"operator"}


def sleep_until(instant: datetime) -> None:
    """Wait for a planned instant of the show (the moment to crash it). Already past (a slow
    restart): go on; the crash checks that it still falls where it was meant to."""
    left = (instant - CLOCK.now()).total_seconds()
    if left > 0:
        time.sleep(left)


def wait_past(instant: datetime) -> None:
    """Stay down until the clock has passed `instant` (however fast a restart would be)."""
    while (left := (instant - CLOCK.now()).total_seconds()) >= 0:
        time.sleep(left + 0.01)


def reference(programme: Programme, started_at: datetime, until: datetime) -> ShowState:
    """The uncrashed show at `until`: the engine, following the plan from the run's start."""
    state, _ = follow_plan(new_show(programme, started_at), until)
    return state


def reference_events(
    programme: Programme, started_at: datetime, until: datetime
) -> list[tuple[object, ...]]:
    _, events = follow_plan(new_show(programme, started_at), until)
    return [key(e) for e in events if e.kind in COMPARED]


def key(event: ShowEvent | Line) -> tuple[object, ...]:
    if isinstance(event, ShowEvent):
        return (event.kind, event.at, event.slot, event.turn)
    return (
        event["event"],
        datetime.fromisoformat(event["at"]),
        event.get("slot"),
        event.get("turn"),
    )


# Long enough between the crash moments for a restart on a loaded machine (up to ~3 s).
CRASH_SLOTS = [
    SlotSpec("Opening", 6, "Intro", on_start=["start_recording"]),
    SlotSpec(
        "Panel",
        10.5,
        "Panel",
        turns=[TurnSpec("Ada", 3.5), TurnSpec("Bo", 3.5), TurnSpec("Cy", 3.5)],
        turns_advance="manual",  # the headless autopilot moves them at their deadlines
    ),
    SlotSpec("Keynote", 3, "Keynote"),
    SlotSpec("Closing", 2, "Closing", on_end=["stop_recording"]),
]


def crash_programme(path: Path, url: str) -> ProgrammeFile:
    return write_programme(path, url, CRASH_SLOTS, lead=2.5, title="Crash e2e")


def planned_position(programme: ProgrammeFile, instant: datetime) -> str:
    """Where the show is at `instant` by its planned times alone (it runs to plan): the
    words of the "resumed" notice, worked out without the engine."""
    for spec, slot in zip(CRASH_SLOTS, programme.slots, strict=True):
        if slot.start <= instant < slot.end:
            turns = [i for i, start in enumerate(slot.turn_starts) if start <= instant]
            if not turns:
                return spec.title
            return f"{spec.title}, turn {turns[-1] + 1} ({spec.turns[turns[-1]].speaker})"
    return "the show has ended" if instant >= programme.end else "before the show"


class Show:
    """The same command, started again after every crash."""

    def __init__(self, programme: ProgrammeFile, log: Path, env: dict[str, str]) -> None:
        self.programme = programme
        self.loaded = load_programme(programme.path)
        self.log = log
        self.env = env
        self.runs: list[Run] = []

    @property
    def run(self) -> Run:
        return self.runs[-1]

    def start(self) -> Run:
        run = Run(run_argv(self.programme.path, self.log), self.env)
        self.runs.append(run)
        return run

    def crash(self) -> tuple[datetime, float]:
        """SIGKILL the run; (the show instant it was killed, when it died (monotonic))."""
        killed_at = CLOCK.now()
        self.run.kill()
        assert self.run.proc.returncode == -9
        return killed_at, time.monotonic()

    def restart(self, killed_at: float) -> tuple[Line, float]:
        """Start again; wait for the "resumed" notice; (the notice, seconds since the kill)."""
        run = self.start()
        _, resumed = run.wait_for("resumed", timeout=15)
        return resumed, time.monotonic() - killed_at

    def close(self) -> None:
        for run in self.runs:
            run.close()


def test_killed_at_several_moments_resumes_exactly_and_records_once(
    obs: ObsUnderTest, tmp_path: Path
) -> None:
    programme = crash_programme(tmp_path / "programme.yaml", obs.url)
    slots = {p.id: p for p in programme.slots}
    show = Show(programme, tmp_path / "live.jsonl", environment({PASSWORD_ENV: obs.password}))
    downtimes: list[float] = []
    try:
        first = show.start()
        first.wait_for("as_run_log", timeout=15)

        def crash_and_resume(moment: str, killed_in: str, passes: datetime | None = None) -> Line:
            killed_at, downtime_from = show.crash()
            assert planned_position(programme, killed_at) == killed_in, moment  # the moment meant
            if passes is not None:  # the crash must span this instant: down until it is past
                wait_past(passes)
            resumed, took = show.restart(downtime_from)
            downtimes.append(took)
            assert resumed["path"] == str(show.log)
            records = read_jsonl(show.log)
            [header] = [r for r in records if r.get("record") == "run"]
            resume = [r for r in records if r.get("record") == "resume"][-1]
            assert resume["mismatches"] == [], (moment, resume)
            if passes is not None:  # the crash was meant to span this instant: the replay did
                read_at = datetime.fromisoformat(resume["at"])
                assert read_at > passes, f"{moment}: restarted before {passes:%H:%M:%S.%f}"
            # the notice says where the show is when it is shown, however slow the restart
            # (it may have passed boundaries since the kill: then it counts them)
            shown = datetime.fromisoformat(resumed["at"])
            uncrashed = reference(show.loaded, datetime.fromisoformat(header["started_at"]), shown)
            where = planned_position(programme, shown)
            assert describe_position(uncrashed) == where, (moment, shown)
            message = resumed["message"]
            assert f"at {shown:%H:%M:%S}: {where} |" in message, (moment, message, where)
            if where != killed_in:
                assert "change(s) while timekeeper was down" in message, (moment, message)
            return resumed

        # 1. just after a boundary: the first slot has started, its start_recording is on its way
        first.wait_for(
            lambda ln: ln.get("event") == "slot_started" and ln["slot"] == "s1", timeout=15
        )
        crash_and_resume("just after a boundary", "Opening")
        # 2. mid-slot
        sleep_until(slots["s1"].start + timedelta(seconds=3))
        crash_and_resume("mid-slot", "Opening")
        # 3. late in a manual turn: its deadline passes while nothing runs
        panel = slots["s2"]
        sleep_until(panel.turn_starts[1] - timedelta(seconds=0.3))
        crash_and_resume("across a turn's deadline", "Panel, turn 1 (Ada)", panel.turn_starts[1])
        # 4. mid-turn
        sleep_until(panel.turn_starts[2] + timedelta(seconds=0.4))
        crash_and_resume("mid-turn", "Panel, turn 3 (Cy)")
        # 5. during an OBS switch: the request has left, OBS has not confirmed it yet
        show.run.wait_for(
            lambda ln: ln.get("event") == "scene_switch_requested" and ln["scene"] == "Keynote",
            timeout=15,
        )
        resumed = crash_and_resume("during an OBS switch", "Keynote")
        last = show.run
        # the restarted run puts OBS on the live slot's scene (already there, or sent again):
        # the Keynote's, unless a slow restart came back after it (its notice says where)
        live = planned_position(programme, datetime.fromisoformat(resumed["at"])).split(",")[0]
        scene = {spec.title: spec.scene for spec in CRASH_SLOTS}.get(live)
        if scene is not None:
            last.wait_for(
                lambda ln: ln.get("event") == "scene_switch_confirmed" and ln["scene"] == scene,
                timeout=5,
            )
        assert last.finish(timeout=programme.seconds_until(programme.end) + 20) == 0, last.stderr
    finally:
        show.close()
    print(f"\nrestart to 'resumed' notice, s: {[round(d, 2) for d in downtimes]}")
    for run in show.runs:
        assert "Traceback" not in run.stderr, run.stderr

    # every restart printed only slot starts at their planned instants
    for run in show.runs:
        for line in run.of("slot_started"):
            assert datetime.fromisoformat(line["at"]) == slots[line["slot"]].start

    # the whole log reads like the uncrashed show: same events at the same instants
    records = read_jsonl(show.log)
    header = records[0]
    started_at = datetime.fromisoformat(header["started_at"])
    logged = [key(r) for r in records if r.get("record") == "event" and r["event"] in COMPARED]
    expected = reference_events(show.loaded, started_at, programme.end + timedelta(seconds=1))
    assert logged == expected
    for kind, instant_of in (("slot_started", "start"), ("slot_ended", "end")):
        got = [(r["slot"], r["at"]) for r in records if r.get("event") == kind]
        want = [(p.id, getattr(p, instant_of).isoformat()) for p in programme.slots]
        assert got == want, kind
    assert len([r for r in records if r.get("record") == "resume"]) == 5

    # OBS: on the last scene; recorded exactly once, and stopped at the end
    assert obs.program_scene() == "Closing"
    assert obs.record_starts() == 1, obs.log_since()
    assert len(obs.new_recordings()) == 1, obs.new_recordings()
    done = [r for r in records if r.get("event") == "action_done"]
    assert [r["key"] for r in done].count(RECORD_KEY) == 1
    # (action_sent is logged *before* the request leaves, so a crash right after it leaves
    # an action_sent that OBS never received: OBS's own log above is what counts)
    assert "s4:on_end:stop_recording" in [r["key"] for r in done]
    assert obs.recording_settled() is False
    # a restart re-syncs OBS once connected: no switch is logged as failed (no false alarm)
    assert not [r for r in records if r.get("event") == "scene_switch_failed"]

    # the post-show report of the crashed show: on time, five restarts, no failed switch
    report = cli("report", str(show.log), env=show.env)
    assert report.returncode == 0, report.stderr
    assert report.stdout.count("timekeeper restarted and resumed the run") == 5
    assert "failed" not in report.stdout


def test_obs_killed_and_restarted_mid_run_reconnects_and_switching_resumes(
    obs: ObsUnderTest, tmp_path: Path
) -> None:
    programme = write_programme(
        tmp_path / "programme.yaml",
        obs.url,
        [
            # long enough for OBS to restart (1-2 s) and the backoff to find it (0.5, 1, 2 s)
            SlotSpec("Opening", 6, "Intro"),
            SlotSpec("Keynote", 2, "Keynote"),
            SlotSpec("Panel", 2, "Panel"),
        ],
        lead=2.5,
        title="OBS crash e2e",
    )
    env = environment({PASSWORD_ENV: obs.password})
    run = Run(run_argv(programme.path, tmp_path / "live.jsonl"), env)
    try:
        run.wait_for(
            lambda ln: ln.get("event") == "scene_switch_confirmed" and ln["scene"] == "Intro",
            timeout=15,
        )
        obs.obs.kill_obs()
        i, lost = run.wait_for("obs_disconnected", timeout=5)
        assert lost["code"] == 1006
        t0 = time.monotonic()
        obs.obs.start_obs()
        restart_s = time.monotonic() - t0
        came_back_on = obs.program_scene()  # its last *saved* state, before timekeeper is back
        j, _ = run.wait_for("obs_connected", timeout=10, after=i)
        if came_back_on != "Intro":  # the live scene is sent again
            _, resent = run.wait_for(
                lambda ln: ln.get("event") == "scene_switch_confirmed" and ln["scene"] == "Intro",
                timeout=5,
                after=j,
            )
            assert resent["reason"] == "reconnect"
        assert CLOCK.now() < programme.slots[1].start, "reconnected too late for this test"
        assert obs.program_scene() == "Intro"
        # switching resumes at the next boundaries
        _, keynote = run.wait_for(
            lambda ln: ln.get("event") == "scene_switch_confirmed" and ln["scene"] == "Keynote",
            timeout=programme.seconds_until(programme.slots[1].start) + 5,
            after=j,
        )
        assert keynote["reason"] == "boundary"
        assert run.finish(timeout=programme.seconds_until(programme.end) + 20) == 0, run.stderr
    finally:
        run.close()
    back = datetime.fromisoformat(run.lines[j]["at"]) - datetime.fromisoformat(lost["at"])
    print(
        f"\nOBS restarted in {restart_s:.2f} s, came back on {came_back_on!r}; "
        f"timekeeper reconnected {back.total_seconds():.2f} s after the drop"
    )
    assert [c["scene"] for c in run.of("scene_switch_confirmed", reason="boundary")] == [
        "Intro",
        "Keynote",
        "Panel",
    ]
    assert [datetime.fromisoformat(s["at"]) for s in run.of("slot_started")] == [
        p.start for p in programme.slots
    ]
    assert obs.program_scene() == "Panel"
    assert "Traceback" not in run.stderr
