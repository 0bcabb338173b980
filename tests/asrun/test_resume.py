"""Crash recovery: a run restarted from its log is exactly where it would have been."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.asrun.rig import Rig, on_disk, play
from tests.factories import at, seed
from timekeeper.app.run import Runtime
from timekeeper.app.run_options import RunOptions
from timekeeper.asrun.log import LogMismatchError, read_log
from timekeeper.asrun.resume import (
    STRUCTURAL,
    describe_position,
    find_resumable,
    logged_actions,
    resume,
    start_run,
)
from timekeeper.core.clock import ManualClock
from timekeeper.core.engine import Action, ActionKind, Mode, advance, follow_plan, replay
from timekeeper.core.modes import SpeakerMessage
from timekeeper.core.programme import Programme
from timekeeper.core.status import evaluate
from timekeeper.show.notices import Notice


def _prog(tmp_path: Path) -> Programme:
    return on_disk(seed(), tmp_path / "event")


def _reference(prog: Programme, tmp_path: Path, until: str) -> Rig:
    """The same show, never crashed (logged elsewhere)."""
    rig = Rig(prog, at("15:25"), log=tmp_path / "reference" / "run.jsonl")
    play(rig, until)
    return rig


@pytest.mark.parametrize(
    ("crash", "restart", "where"),
    [
        ("15:45", "15:47", "Keynote"),  # mid-slot
        ("16:33", "16:36", "Panel, turn 3 (Tatiana Llaguno Nieves)"),  # mid-turn
        ("16:20", "16:20:05", "Panel, turn 1 (Michele Molè)"),  # just after a boundary
        ("15:34:50", "15:36", "Keynote"),  # the boundary passes while timekeeper is down
        ("16:16", "16:17", "Keynote, held"),  # after an extension and a hold
        ("16:39", "16:40", "Panel, turn 4 (Seonok Lee)"),  # after a back
        ("17:06", "17:24", "Qa"),  # down for a while: the panel ended meanwhile
    ],
)
def test_resume_matches_the_run_without_the_crash(
    tmp_path: Path, crash: str, restart: str, where: str
) -> None:
    prog = _prog(tmp_path)
    first = Rig(prog, at("15:25"))
    play(first, crash)
    del first.session  # SIGKILL: nothing is closed, nothing more is written
    first.real.advance(at(restart) - at(crash))

    first.crash()
    second = Rig(prog, at(restart), real=first.real)
    resumed = second.run.resumed
    assert resumed is not None and resumed.ok, resumed and resumed.mismatches
    assert second.path == first.path
    when = f"{at(restart):%H:%M:%S}"
    assert resumed.summary() == f"resumed from {first.path.name} at {when}: {where}"

    reference = _reference(prog, tmp_path, restart)
    expected, _ = advance(reference.session.state, at(restart))
    assert second.session.state == expected  # everything, the undo history included
    now = evaluate(second.session.state, at(restart))
    assert now == evaluate(reference.session.state, at(restart))
    assert now.held == expected.held

    # the engine's own replay agrees
    assert resumed.state == replay(prog, at("15:25"), _actions(first.path), at(restart))

    # and the show goes on identically to the end, with a log that reads like one run
    play(second, "19:00")
    play(reference, "19:00")
    assert second.session.state.mode is Mode.ENDED
    assert evaluate(second.session.state, at("19:00")) == evaluate(
        reference.session.state, at("19:00")
    )
    again = resume(second.path, prog, ManualClock(at("19:00"), simulated=False))
    assert again.ok and again.caught_up == ()


def _actions(path: Path) -> list[tuple[datetime, Action]]:
    return logged_actions(read_log(path).records)


def test_resume_reports_where_the_show_is(tmp_path: Path) -> None:
    prog = _prog(tmp_path)
    first = Rig(prog, at("15:25"))
    play(first, "16:40:12")
    first.session.set_message("Two minutes please", flash=True)
    first.obs("action_done", key="introduction:on_start:start_streaming")
    first.obs("action_done", key="introduction:on_start:start_recording")
    first.crash()
    second = Rig(prog, at("16:40:12"), real=first.real)
    resumed = second.run.resumed
    assert resumed is not None
    assert resumed.summary() == (
        f"resumed from {first.path.name} at 16:40:12: Panel, turn 4 (Seonok Lee)"
    )
    assert resumed.actions == 8
    assert second.run.done_keys == {
        "introduction:on_start:start_streaming",
        "introduction:on_start:start_recording",
    }
    assert second.run.message == SpeakerMessage("Two minutes please", flash=True)
    assert second.run.lines()[0] == resumed.summary()
    assert "replayed 8 operator action(s)" in second.run.lines()[1]


def test_a_cleared_message_is_not_brought_back(tmp_path: Path) -> None:
    prog = _prog(tmp_path)
    first = Rig(prog, at("15:25"))
    first.to("15:40")
    first.session.set_message("Hello")
    first.session.set_message("")
    first.crash()
    second = Rig(prog, at("15:41"), real=first.real)
    assert second.run.message is None


def test_events_while_down_are_logged_once_on_resume(tmp_path: Path) -> None:
    prog = _prog(tmp_path)
    first = Rig(prog, at("15:25"))
    play(first, "15:34:50")
    first.crash()
    second = Rig(prog, at("15:36"), real=first.real)
    assert second.run.resumed is not None
    caught = [(e.kind, e.slot) for e in second.run.resumed.caught_up]
    assert ("slot_ended", "introduction") in caught and ("slot_started", "keynote") in caught
    records = read_log(second.path).records
    flagged = [r for r in records if r.get("caught_up")]
    assert [(r["event"], r.get("slot")) for r in flagged] == caught
    assert records[len(records) - 1]["record"] == "resume"
    assert "1 change" not in " ".join(second.run.lines())  # several, named from the first
    assert any("while timekeeper was down" in line for line in second.run.lines())


def test_empty_log_resumes_at_the_start(tmp_path: Path) -> None:
    prog = _prog(tmp_path)
    first = Rig(prog, at("15:25"))
    first.path.write_bytes(b"")  # a crash before even the header reached the disk
    first.crash()
    second = Rig(prog, at("15:31"), real=first.real)
    assert second.run.resumed is not None and second.run.resumed.header is None
    expected = replay(prog, at("15:31"), [], at("15:31"))
    assert second.session.state == expected
    contents = read_log(second.path)
    assert contents.header is not None and contents.header.started_at == at("15:31")


def test_header_only_log_resumes_from_the_run_start(tmp_path: Path) -> None:
    prog = _prog(tmp_path)
    first = Rig(prog, at("15:25"))
    assert read_log(first.path).records == ()
    first.crash()
    second = Rig(prog, at("15:32"), real=first.real)
    assert second.run.resumed is not None and second.run.resumed.ok
    assert second.session.state == replay(prog, at("15:25"), [], at("15:32"))
    live = second.session.state.live
    assert live is not None and prog.slots[live].id == "introduction"


def test_a_cut_off_last_line_is_dropped_and_the_run_goes_on(tmp_path: Path) -> None:
    prog = _prog(tmp_path)
    first = Rig(prog, at("15:25"))
    play(first, "15:52")
    with first.path.open("ab") as fh:
        fh.write(b'{"record":"event","seq":99,"at":"2023-11-20T14:52:00+00:00","event":"ope')
    first.crash()
    second = Rig(prog, at("15:53"), real=first.real)
    resumed = second.run.resumed
    assert resumed is not None and resumed.ok
    assert any("cut off" in w for w in resumed.warnings)
    assert any("cut off" in line for line in second.run.lines())
    contents = read_log(second.path)
    assert contents.warnings == ()  # the fragment is gone from the file
    assert contents.records[-1]["record"] == "resume"


def test_a_log_of_another_programme_version_is_refused(tmp_path: Path) -> None:
    prog = _prog(tmp_path)
    first = Rig(prog, at("15:25"))
    play(first, "15:40")
    assert prog.source is not None
    changed = on_disk(seed(), tmp_path / "event", text="programme: v2\n")
    first.crash()
    with pytest.raises(LogMismatchError) as err:
        Rig(changed, at("15:41"), real=first.real)
    message = str(err.value)
    assert str(first.path) in message
    assert prog.digest is not None and changed.digest is not None
    assert prog.digest[:12] in message and changed.digest[:12] in message
    assert "--fresh" in message and "Restore the programme" in message
    # --fresh starts a new file and keeps the old one
    first.crash()
    fresh = Rig(changed, at("15:41"), real=first.real, fresh=True)
    assert fresh.path.name.endswith("-live-2.jsonl") and first.path.exists()
    assert fresh.run.resumed is None


def test_an_ended_run_is_not_resumed(tmp_path: Path) -> None:
    prog = _prog(tmp_path)
    first = Rig(prog, at("15:25"))
    play(first, "19:00")
    first.run.log.close()
    assert read_log(first.path).ended
    assert find_resumable(prog, "live", rehearsal=False) is None
    first.crash()
    second = Rig(prog, at("19:05"), real=first.real)
    assert second.run.resumed is None
    assert second.path == first.path.with_name(first.path.stem + "-2.jsonl")
    assert any("ended" in note for note in second.run.notes)
    # a new run first seen after the programme's end finds its show run to plan and ended
    assert read_log(second.path).ended
    assert read_log(first.path).ended  # the old one is kept as it was


def test_a_back_after_the_end_makes_the_run_resumable(tmp_path: Path) -> None:
    prog = _prog(tmp_path)
    first = Rig(prog, at("15:25"))
    play(first, "19:00")
    first.act(ActionKind.BACK)
    assert not read_log(first.path).ended
    assert find_resumable(prog, "live", rehearsal=False) == first.path


def test_fresh_starts_a_new_file_and_leaves_the_old(tmp_path: Path) -> None:
    prog = _prog(tmp_path)
    first = Rig(prog, at("15:25"))
    play(first, "15:40")
    before = first.path.read_bytes()
    first.crash()
    second = Rig(prog, at("15:41"), real=first.real, fresh=True)
    assert second.run.resumed is None and second.path.name.endswith("-2.jsonl")
    assert first.path.read_bytes() == before
    assert any("--fresh" in note for note in second.run.notes)
    assert find_resumable(prog, "live", rehearsal=False) == second.path


def test_a_rehearsal_log_never_resumes_the_live_show(tmp_path: Path) -> None:
    prog = _prog(tmp_path)
    log = tmp_path / "mine.jsonl"
    first = Rig(prog, at("15:25"), rehearsal=True, simulated=True, mode="dress", log=log)
    first.to("15:40")
    first.crash()
    with pytest.raises(LogMismatchError, match="log of a rehearsal, but this run is the live"):
        Rig(prog, at("15:41"), real=first.real, log=log)


def test_a_rehearsal_continues_its_pretend_clock(tmp_path: Path) -> None:
    prog = _prog(tmp_path)
    first = Rig(prog, at("15:25"), speed=20, simulated=True, mode="dress", rehearsal=True)
    assert first.path.name.endswith("-dress-rehearsal.jsonl")
    play(first, "16:33")  # the last record is at 16:30 (next turn); 3 pretend min are 9 s
    first.wait_real(6)  # down for 6 real seconds = 2 pretend minutes
    # whatever pretend time the restart asks for, the rehearsal goes on where it was
    first.crash()
    second = Rig(
        prog, at("15:25"), speed=5, simulated=True, mode="dress", rehearsal=True, real=first.real
    )
    assert second.clock.now() == at("16:35")
    assert second.clock.speed == 20
    resumed = second.run.resumed
    assert resumed is not None and resumed.ok
    assert any("rehearsal clock continues at 16:35:00 (×20)" in n for n in resumed.notes)
    reference = _reference(prog, tmp_path, "16:35")
    assert second.session.state == advance(reference.session.state, at("16:35"))[0]


def test_a_rehearsal_clock_does_not_fall_behind_when_records_were_written_late(
    tmp_path: Path,
) -> None:
    """A boundary's record carries the boundary's instant but is written when the machine gets
    to it: on a loaded machine, 0.5 real s later. Each restart must still go on at the pretend
    time the clock would read had it never stopped (the soak: 50 restarts at ×30 drifted
    2.8 show s), not at the record's instant plus the real time since it was written."""
    prog = _prog(tmp_path)
    first = Rig(prog, at("15:25"), speed=20, simulated=True, mode="dress", rehearsal=True)
    play(first, "16:33")
    lines = first.path.read_text().splitlines()
    last = json.loads(lines[-1])
    written = datetime.fromisoformat(last["real_at"]) + timedelta(seconds=0.5)
    last["real_at"] = written.isoformat()
    lines[-1] = json.dumps(last)
    first.path.write_text("\n".join(lines) + "\n")
    first.wait_real(6)
    first.crash()
    second = Rig(prog, at("15:25"), speed=20, simulated=True, mode="dress", rehearsal=True,
                 real=first.real)  # fmt: skip
    assert second.clock.now() == at("16:35")  # 16:33 + 6 real s × 20, never 10 show s less


def test_a_mismatch_between_log_and_replay_is_reported(tmp_path: Path) -> None:
    prog = _prog(tmp_path)
    first = Rig(prog, at("15:25"))
    play(first, "15:50")
    lines = first.path.read_text().splitlines()
    for i, line in enumerate(lines):
        rec = json.loads(line)
        if rec.get("event") == "slot_started" and rec.get("slot") == "keynote":
            rec["at"] = "2023-11-20T14:36:00+00:00"
            lines[i] = json.dumps(rec)
    first.path.write_text("\n".join(lines) + "\n")
    first.crash()
    second = Rig(prog, at("15:51"), real=first.real)
    resumed = second.run.resumed
    assert resumed is not None and not resumed.ok
    assert resumed.mismatches == (
        "the log says slot_started keynote at 15:36:00, "
        "the replay gives slot_started keynote at 15:35:00",
    )
    assert any("REPLAY DIFFERS FROM THE LOG" in line for line in second.run.lines())
    record = read_log(second.path).records[-1]
    assert record["record"] == "resume" and record["mismatches"] == list(resumed.mismatches)


def test_resume_without_a_digest_still_works(tmp_path: Path) -> None:
    prog = replace(_prog(tmp_path), digest=None)
    first = Rig(prog, at("15:25"))
    play(first, "15:40")
    first.crash()
    second = Rig(prog, at("15:41"), real=first.real)
    assert second.run.resumed is not None and second.run.resumed.ok
    assert second.clock.now() - at("15:41") == timedelta(0)


def test_log_may_name_a_folder(tmp_path: Path) -> None:
    prog = _prog(tmp_path)
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    first = Rig(prog, at("15:25"), log=folder)
    assert first.path == folder / "2023-11-20-test-event-live.jsonl"
    first.to("15:40")
    assert find_resumable(prog, "live", folder, rehearsal=False) == first.path


def test_an_empty_rehearsal_log_keeps_the_pretend_clock_asked_for(tmp_path: Path) -> None:
    prog = _prog(tmp_path)
    kw: dict[str, object] = {"speed": 10, "simulated": True, "mode": "dry", "rehearsal": True}
    first = Rig(prog, at("15:25"), **kw)  # type: ignore[arg-type]
    first.path.write_bytes(b"")
    first.crash()
    second = Rig(prog, at("15:28"), real=first.real, **kw)  # type: ignore[arg-type]
    assert second.run.resumed is not None
    assert second.clock.now() == at("15:28") and second.clock.speed == 10
    header = read_log(second.path).header
    assert header is not None and header.rehearsal and header.simulated and header.speed == 10


def test_a_live_log_resumed_with_a_pretend_clock_stays_on_the_real_clock(tmp_path: Path) -> None:
    prog = _prog(tmp_path)
    first = Rig(prog, at("15:25"), mode="dry", rehearsal=True)  # a dry run on the real clock
    first.to("15:40")
    first.crash()
    second_real = ManualClock(at("15:41"), simulated=False)
    run = start_run(
        prog,
        clock=ManualClock(at("09:00"), speed=30, simulated=True),
        real_clock=second_real,
        mode="dry",
        rehearsal=True,
    )
    assert run.resumed is not None and run.clock is second_real
    assert any("--at/--speed are ignored" in line for line in run.lines())


def test_a_headless_replay_follows_the_plan_while_it_was_down() -> None:
    """The autopilot would have moved the moderator's turn on at 16:13, crash or not."""
    from timekeeper.asrun.resume import replay_log

    held = replay_log(seed(), at("15:00"), [], at("16:15"))
    followed = replay_log(seed(), at("15:00"), [], at("16:15"), follow=True)
    assert held.state.records[2].live_turn == 0  # someone must press t
    assert followed.state.records[2].live_turn == 1
    moves = [e for e in followed.events if e.kind == "operator"]
    assert [(e.at, e.cause) for e in moves] == [(at("16:13"), "autopilot")]


def _announced(rig: Rig) -> dict[str, object]:
    """The notice a run shows when it starts (dashboard event log, headless JSON line)."""
    runtime = Runtime.of(rig.session, RunOptions(Path("p.yaml")), at("15:00"), asrun=rig.run)
    notes: list[Notice] = []
    runtime.notices.subscribe(notes.append)
    runtime.announce_log()
    [note] = notes
    return note.to_json(rig.programme.tz, at("15:00"))


@pytest.mark.parametrize(
    ("autopilot", "crash", "read", "shown", "where"),
    [
        # headless: the autopilot moves the manual turns on; turns 2 and 3 end while starting
        (True, "16:14", "16:14:30", "16:26", "Panel, turn 4 (Seonok Lee)"),
        # headless: the panel, the Q&A and the reception's start pass while starting
        (True, "17:08", "17:09:59", "17:31", "Reception"),
        # dashboard: the introduction ends and the keynote starts while starting
        (False, "15:33", "15:34:50", "15:36", "Keynote"),
    ],
)
def test_a_slow_restart_says_where_the_show_is_when_it_is_shown(
    tmp_path: Path, autopilot: bool, crash: str, read: str, shown: str, where: str
) -> None:
    """The log is read at `read`; loading the front end and the services takes until
    `shown`, across boundaries: the notice names the position at `shown`, not at `read`."""
    prog = _prog(tmp_path)
    first = Rig(prog, at("15:25"), autopilot=autopilot)
    first.to(crash)
    first.crash()
    second = Rig(prog, at(read), real=first.real, autopilot=autopilot, tick=False)
    assert second.run.resumed is not None
    read_where = describe_position(second.run.resumed.state)
    second.clock.set(at(shown))  # the slow part of the start-up

    note = _announced(second)

    # the first run, had it not been killed
    carry = follow_plan if autopilot else advance
    uncrashed, passed = carry(first.session.state, at(shown))
    assert describe_position(uncrashed) == where != read_where
    changes = [e for e in passed if e.kind in STRUCTURAL]
    assert note["at"] == at(shown).isoformat()
    summary, *details = str(note["message"]).split(" | ")
    assert summary == f"resumed from {first.path.name} at {shown}:00: {where}"
    down = f"{len(changes)} change(s) while timekeeper was down, the first: "
    assert [line for line in details if line.startswith(down)], details
    # the show goes on from there
    second.session.tick()
    assert second.session.state == uncrashed


def test_log_file_is_exactly_that_file_and_fresh_sets_it_aside(tmp_path: Path) -> None:
    prog = _prog(tmp_path)
    log = tmp_path / "show.jsonl"
    first = Rig(prog, at("15:25"), log=log)
    play(first, "15:40")
    first.crash()
    again = Rig(prog, at("15:41"), real=first.real, log=log, fresh=True)
    assert again.path == log and again.run.resumed is None
    aside = tmp_path / "show.set-aside-1.jsonl"
    assert any(f"set aside as {aside.name}" in note for note in again.run.notes)
    assert "slot_started" in [r.get("event") for r in read_log(aside).records]  # kept whole
    header = read_log(log).header
    assert header is not None and header.started_at == at("15:41")  # a new run in FILE itself
    again.to("19:00")  # the show ends
    again.crash()
    with pytest.raises(LogMismatchError, match="has ended"):
        Rig(prog, at("19:01"), real=again.real, log=log)


def test_a_rehearsals_would_be_actions_are_not_said_again_on_resume(tmp_path: Path) -> None:
    """A rehearsal never sends an output action, it says "would start streaming": that counts
    as carried out for its resume, or every restart would say (and log) it again. A live
    action that was refused or not configured is not settled by it."""
    prog = _prog(tmp_path)
    first = Rig(prog, at("15:25"))
    play(first, "16:40:12")
    first.obs(
        "action_skipped", key="introduction:on_start:start_streaming", reason="dress_rehearsal"
    )
    first.obs("action_skipped", key="introduction:on_start:start_recording", reason="dry_run")
    first.obs("action_skipped", key="reception:on_start:stop_streaming", reason="not_configured")
    first.crash()
    second = Rig(prog, at("16:40:12"), real=first.real)
    assert second.run.done_keys == {
        "introduction:on_start:start_streaming",
        "introduction:on_start:start_recording",
    }
