"""The seed programme walked minute by minute with a fake clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from tests.factories import PANELLISTS, at, mins, programme, seed, slot
from timekeeper.core.engine import (
    Action,
    ActionKind,
    Mode,
    Outcome,
    ShowState,
    advance,
    apply,
    new_show,
    next_instant,
)
from timekeeper.core.programme import Advance
from timekeeper.core.status import evaluate
from timekeeper.errors import TransitionError

NEXT = Action(ActionKind.NEXT)
NEXT_TURN = Action(ActionKind.NEXT_TURN)


def _planned_live(minute: str) -> str | None:
    t = at(minute)
    for s in seed().slots:
        if s.start <= t < s.end:
            return s.id
    return None


def test_untouched_seed_runs_to_plan_minute_by_minute() -> None:
    prog = seed()
    state = new_show(prog, at("15:20"))
    t = at("15:20")
    while t <= at("18:31"):
        state, _ = advance(state, t)
        status = evaluate(state, t)
        expected_live = _planned_live(t.astimezone(prog.tz).strftime("%H:%M"))
        assert (status.live.slot.id if status.live else None) == expected_live, t
        if status.next is not None:
            assert status.over_under == timedelta(0), t
        t += timedelta(minutes=1)
    assert state.mode is Mode.ENDED and state.ended_at == at("18:30")
    assert all(r.outcome is Outcome.DONE for r in state.records)


def test_before_doors_counts_down_to_the_first_slot() -> None:
    status = evaluate(new_show(seed(), at("15:00")), at("15:29:50"))
    assert status.mode is Mode.BEFORE
    assert status.next is not None and status.next.slot.id == "introduction"
    assert status.until_next == timedelta(seconds=10)
    assert status.over_under == timedelta(0)


def test_every_event_of_the_day_in_order() -> None:
    _state, events = advance(new_show(seed(), at("15:00")), at("18:31"))
    kinds = [(e.kind, e.slot) for e in events if e.kind != "phase"]
    starts = [s for k, s in kinds if k == "slot_started"]
    assert starts == ["introduction", "keynote", "panel", "qa", "reception"]
    assert kinds[0] == ("show_started", "introduction") and kinds[-1] == ("show_ended", None)
    turn_speakers = [e.speaker for e in events if e.kind == "turn_started"]
    assert turn_speakers == ["Michele Molè"]  # turns are moved on by the operator


def test_warning_and_danger_phase_events_at_their_instants() -> None:
    _, events = advance(new_show(seed(), at("15:00")), at("16:10"))
    keynote = [(e.phase, e.at) for e in events if e.kind == "phase" and e.slot == "keynote"]
    assert keynote == [("warning", at("16:05")), ("danger", at("16:09"))]


def test_keynote_overruns_on_hold_and_everything_shifts() -> None:
    state = new_show(seed(), at("15:00"))
    state, _ = apply(state, Action(ActionKind.HOLD), at("16:09"))
    status = evaluate(state, at("16:12"))
    assert status.live is not None and status.live.slot.id == "keynote"
    assert status.countdown is not None and status.countdown.remaining == -mins(2)
    assert status.countdown.phase.value == "overtime"
    assert status.over_under == mins(2)  # grows second by second while in overtime
    assert evaluate(state, at("16:12:30")).over_under == mins(2.5)
    state, events = apply(state, Action(ActionKind.RELEASE), at("16:13"))
    assert [e.kind for e in events if e.kind != "phase"][:3] == [
        "release",
        "slot_ended",
        "slot_started",
    ]
    status = evaluate(state, at("16:13"))
    assert status.live is not None and status.live.slot.id == "panel"
    assert status.next is not None and status.next.expected_start == at("17:13")
    assert status.over_under == mins(3)
    assert status.end_delta == mins(3)  # no gap in the plan absorbs it: ends 18:33
    later = evaluate(state, at("17:14"))
    assert later.live is not None and later.live.slot.id == "qa"


def test_reception_absorbs_nothing_without_a_gap() -> None:
    state = new_show(seed(), at("15:00"))
    state, _ = apply(state, Action(ActionKind.EXTEND, minutes=3), at("15:40"))
    status = evaluate(state, at("15:40"))
    assert [v.start_delta for v in status.slots[2:]] == [mins(3)] * 3
    assert status.end_delta == mins(3)


def test_gap_in_the_plan_absorbs_delay() -> None:
    prog = programme([slot("a", "10:00", 30), slot("b", "10:40", 20)])
    state = new_show(prog, at("09:00"))
    state, _ = apply(state, Action(ActionKind.EXTEND, minutes=5), at("10:10"))
    status = evaluate(state, at("10:10"))
    assert status.next is not None and status.next.expected_start == at("10:40")
    assert status.over_under == timedelta(0)
    status = evaluate(state, at("10:36"))
    assert status.mode is Mode.BETWEEN and status.until_next == mins(4)


def test_early_finish_waits_for_the_next_planned_start() -> None:
    prog = programme([slot("a", "10:00", 30), slot("b", "10:30", 20)])
    state = new_show(prog, at("09:00"))
    state, _ = apply(state, Action(ActionKind.EXTEND, minutes=-10), at("10:05"))
    status = evaluate(state, at("10:25"))
    assert status.mode is Mode.BETWEEN
    assert status.next is not None and status.next.expected_start == at("10:30")
    assert status.over_under == timedelta(0)
    assert status.slots[0].actual_end == at("10:20")
    status = evaluate(state, at("10:30"))
    assert status.live is not None and status.live.slot.id == "b"


def test_next_now_pulls_the_next_slot_forward() -> None:
    state = new_show(seed(), at("15:00"))
    state, _ = apply(state, NEXT, at("16:00"))
    status = evaluate(state, at("16:00"))
    assert status.live is not None and status.live.slot.id == "panel"
    assert status.slots[1].actual_end == at("16:00")
    # an early finish does not pull the next soft slot forward (docs/timing.md rule 1)
    assert status.next is not None and status.next.expected_start == at("17:10")
    assert status.over_under == timedelta(0)
    assert status.countdown is not None and status.countdown.deadline == at("17:00")


def test_panel_turns_move_on_by_the_operator_and_count_into_overtime() -> None:
    state = new_show(seed(), at("15:00"))
    status = evaluate(state, at("16:14"))
    assert status.turn is not None and status.turn.turn.speaker == "Michele Molè"
    assert status.turn_countdown is not None and status.turn_countdown.remaining == -mins(1)
    assert status.turn_countdown.phase.value == "overtime"
    assert status.next_turn is not None and status.next_turn.turn.speaker == PANELLISTS[0]
    assert status.next_turn.expected_start == at("16:14")
    state, _ = apply(state, NEXT_TURN, at("16:14"))
    status = evaluate(state, at("16:19:15"))
    assert status.turn is not None and status.turn.turn.speaker == PANELLISTS[0]
    assert status.turn_countdown is not None and status.turn_countdown.remaining == timedelta(
        seconds=45
    )
    assert status.turn_countdown.phase.value == "warning"
    assert status.countdown is not None and status.countdown.remaining == mins(50.75)


def test_free_time_after_the_last_turn_and_slot_still_ends_on_time() -> None:
    state = new_show(seed(), at("15:00"))
    t = at("16:10")
    for _ in range(7):
        t += mins(5)
        state, _ = apply(state, NEXT_TURN, t)
    status = evaluate(state, t)
    assert status.live is not None and status.live.slot.id == "panel" and status.turn is None
    with pytest.raises(TransitionError, match="all turns"):
        apply(state, NEXT_TURN, t)
    status = evaluate(state, at("17:10"))
    assert status.live is not None and status.live.slot.id == "qa"


def test_slot_ends_by_deadline_whatever_turn_is_live() -> None:
    state, events = advance(new_show(seed(), at("15:00")), at("17:10"))
    assert ("turn_ended", "Michele Molè", at("17:10")) in [
        (e.kind, e.speaker, e.at) for e in events
    ]
    assert evaluate(state, at("17:10")).live.slot.id == "qa"  # type: ignore[union-attr]


def test_auto_turns_advance_by_themselves() -> None:
    prog = seed()
    panel = replace(prog.slots[2], turns_advance=Advance.AUTO)
    prog = replace(prog, slots=(*prog.slots[:2], panel, *prog.slots[3:]))
    _, events = advance(new_show(prog, at("15:00")), at("16:50"))
    starts = [(e.speaker, e.at) for e in events if e.kind == "turn_started"]
    assert starts[0] == ("Michele Molè", at("16:10"))
    assert starts[1] == (PANELLISTS[0], at("16:13"))
    assert starts[-1] == (PANELLISTS[-1], at("16:43"))


def test_hard_slot_cuts_a_manual_slot_in_overtime() -> None:
    prog = seed()
    qa = replace(prog.slots[3], advance=Advance.MANUAL)
    reception = replace(prog.slots[4], hard=True)
    prog = replace(prog, slots=(*prog.slots[:3], qa, reception))
    state = new_show(prog, at("15:00"))
    state, _ = apply(state, Action(ActionKind.EXTEND, minutes=10), at("16:00"))  # keynote late
    status = evaluate(state, at("17:25"))
    assert status.live is not None and status.live.slot.id == "qa"
    assert status.next is not None and status.next.expected_start == at("17:30")
    assert status.live.squeezed and status.live.expected_end == at("17:30")
    status = evaluate(state, at("17:30"))
    assert status.live is not None and status.live.slot.id == "reception"
    assert status.slots[3].outcome is Outcome.CUT and status.slots[3].length == mins(10)


def test_hard_slot_skips_slots_it_overtakes() -> None:
    prog = programme(
        [
            slot("a", "10:00", 30, advance=Advance.MANUAL),
            slot("b", "10:30", 10),
            slot("c", "10:40", 10, hard=True),
        ]
    )
    state, events = advance(new_show(prog, at("09:00")), at("10:40"))
    assert state.records[1].outcome is Outcome.SKIPPED
    assert state.records[0].outcome is Outcome.CUT
    assert ("slot_skipped", "b") in [(e.kind, e.slot) for e in events]


def test_manual_start_waits_for_the_operator() -> None:
    prog = replace(seed(), event=replace(seed().event, start=Advance.MANUAL))
    state, _ = advance(new_show(prog, at("15:00")), at("15:45"))
    assert state.mode is Mode.BEFORE
    status = evaluate(state, at("15:45"))
    assert status.over_under == mins(15)
    assert status.slots[1].expected_start == at("15:50")


def test_back_restores_the_previous_slot_with_its_original_start() -> None:
    state = new_show(seed(), at("15:00"))
    state, _ = apply(state, NEXT, at("15:32"))  # operator moves to the keynote early, by mistake
    state, _events = apply(state, Action(ActionKind.BACK), at("15:32:20"))
    status = evaluate(state, at("15:32:20"))
    assert status.live is not None and status.live.slot.id == "introduction"
    assert status.live.actual_start == at("15:30")
    assert status.slots[1].outcome is Outcome.PENDING and not status.held
    assert evaluate(state, at("15:35")).live.slot.id == "keynote"  # type: ignore[union-attr]


def test_back_after_an_automatic_advance_holds() -> None:
    state, _ = advance(new_show(seed(), at("15:00")), at("15:36"))
    state, events = apply(state, Action(ActionKind.BACK), at("15:36"))
    status = evaluate(state, at("15:37"))
    assert status.held and status.live is not None and status.live.slot.id == "introduction"
    assert status.countdown is not None and status.countdown.remaining == -mins(2)
    assert "hold" in [e.kind for e in events]


def test_back_twice_and_nothing_to_undo() -> None:
    state = new_show(seed(), at("15:00"))
    with pytest.raises(TransitionError):
        apply(state, Action(ActionKind.BACK), at("15:00"))
    state, _ = apply(state, NEXT, at("15:29"))
    state, _ = apply(state, NEXT, at("15:30"))
    state, _ = apply(state, Action(ActionKind.BACK), at("15:31"))
    state, _ = apply(state, Action(ActionKind.BACK), at("15:31"))
    assert state.mode is Mode.BEFORE and state.held


def test_jump_skips_the_slots_in_between() -> None:
    state = new_show(seed(), at("15:00"))
    state, _events = apply(state, Action(ActionKind.JUMP, slot="qa"), at("15:40"))
    status = evaluate(state, at("15:40"))
    assert status.live is not None and status.live.slot.id == "qa"
    assert [v.outcome for v in status.slots] == [
        Outcome.DONE,
        Outcome.DONE,
        Outcome.SKIPPED,
        Outcome.LIVE,
        Outcome.PENDING,
    ]
    with pytest.raises(TransitionError, match="forward"):
        apply(state, Action(ActionKind.JUMP, slot="keynote"), at("15:41"))
    with pytest.raises(TransitionError, match="no slot"):
        apply(state, Action(ActionKind.JUMP, slot="nope"), at("15:41"))


def test_shorten_past_now_ends_the_slot_at_once() -> None:
    state = new_show(seed(), at("15:00"))
    state, events = apply(state, Action(ActionKind.EXTEND, minutes=-40), at("15:40"))
    kinds = [e.kind for e in events if e.kind not in ("phase", "show_started")]
    assert kinds[kinds.index("shortened") :] == ["shortened", "slot_ended"]
    status = evaluate(state, at("15:40"))
    assert (
        status.mode is Mode.BETWEEN and status.next is not None and status.next.slot.id == "panel"
    )


def test_actions_that_do_not_apply_explain_why() -> None:
    state = new_show(seed(), at("15:00"))
    with pytest.raises(TransitionError, match="no slot is live"):
        apply(state, Action(ActionKind.EXTEND, minutes=1), at("15:00"))
    with pytest.raises(TransitionError, match="no speaker turns"):
        apply(state, NEXT_TURN, at("15:40"))
    state, _ = advance(state, at("19:00"))
    with pytest.raises(TransitionError, match="ended"):
        apply(state, NEXT, at("19:00"))


def test_daylight_saving_change_keeps_real_durations() -> None:
    day = date(2023, 10, 29)  # clocks go back at 03:00 CEST -> 02:00 CET
    prog = programme([slot("night", "01:30", 120), slot("after", None, 30)], day=day)
    assert prog.slots[0].end - prog.slots[0].start == mins(120)
    state, _ = advance(new_show(prog, at("01:00", day)), at("01:30", day))
    status = evaluate(state, at("01:30", day))
    assert status.countdown is not None and status.countdown.remaining == mins(120)
    local_deadline = prog.local(status.countdown.deadline)
    assert local_deadline.strftime("%H:%M %Z") == "02:30 CET"


def test_next_instant_points_at_the_next_boundary() -> None:
    state, _ = advance(new_show(seed(), at("15:00")), at("15:31"))
    assert next_instant(state) == at("15:34")  # the introduction's danger phase
    state, _ = advance(state, at("15:34"))
    assert next_instant(state) == at("15:35")


def _state_at(hhmm: str) -> ShowState:
    return advance(new_show(seed(), at("15:00")), at(hhmm))[0]


def test_clock_going_backwards_changes_nothing() -> None:
    state = _state_at("16:00")
    again, events = advance(state, at("15:50"))
    assert again == state and events == []


def test_follow_plan_moves_manual_turns_and_slots_at_their_deadlines() -> None:
    from timekeeper.core.engine import follow_plan

    prog = seed()
    qa = replace(prog.slots[3], advance=Advance.MANUAL)
    prog = replace(prog, slots=(*prog.slots[:3], qa, prog.slots[4]))
    state, events = follow_plan(new_show(prog, at("15:00")), at("18:31"))
    assert state.mode is Mode.ENDED and state.ended_at == at("18:30")
    turns = [(e.speaker, e.at) for e in events if e.kind == "turn_started"]
    assert turns[1] == (PANELLISTS[0], at("16:13")) and turns[-1] == (PANELLISTS[-1], at("16:43"))
    moves = [(e.at, e.action.kind.value) for e in events if e.kind == "operator" and e.action]
    assert moves[-1] == (at("17:30"), "next")  # the manual Q&A, moved on at its planned end
    assert all(e.cause == "autopilot" for e in events if e.kind == "operator")
    # a log of those moves replays to the same show
    from timekeeper.core.engine import replay

    logged = [(e.at, e.action) for e in events if e.kind == "operator" and e.action]
    assert replay(prog, at("15:00"), logged, at("18:31")).records == state.records


def test_a_new_show_first_seen_late_is_taken_to_have_run_to_plan() -> None:
    state, _ = advance(new_show(seed(), at("16:09:30")), at("16:09:30"))
    status = evaluate(state, at("16:09:30"))
    assert status.live is not None and status.live.slot.id == "keynote"
    assert status.live.actual_start == at("15:35")
