"""Every countdown counts to its real limit: the hard start that will cut it, when that
comes before its own deadline (docs/timing.md "limit"), and its phases come before the cut."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.factories import at, mins, programme, slot
from timekeeper.core.countdown import Phase, countdown_text
from timekeeper.core.engine import Action, ActionKind, ShowState, advance, apply, new_show
from timekeeper.core.programme import Advance, Programme
from timekeeper.core.status import evaluate
from timekeeper.programme.loader import load_programme_text

SEED = Path(__file__).parent.parent.parent / "programme.yaml"


def seed_with_hard_reception() -> Programme:
    """programme.yaml with `hard: true` on the Reception (the Q&A before it is manual)."""
    text = SEED.read_text(encoding="utf-8")
    marker = "  - id: reception\n"
    assert marker in text
    prog = load_programme_text(text.replace(marker, marker + "    hard: true\n"))
    assert prog.slots[prog.index("reception")].hard and prog.slots[prog.index("qa")].manual
    return prog


def qa_three_minutes_late() -> ShowState:
    """The keynote is extended by 3 minutes, so the panel and then the Q&A start at 17:13."""
    state = new_show(seed_with_hard_reception(), at("15:00"))
    state, _ = apply(state, Action(ActionKind.EXTEND, minutes=3), at("16:00"))
    state, _ = advance(state, at("17:13"))
    assert state.programme.slots[state.position].id == "qa"
    assert state.records[state.position].actual_start == at("17:13")
    return state


def test_late_qa_counts_to_the_hard_reception_not_its_own_deadline() -> None:
    status = evaluate(qa_three_minutes_late(), at("17:29:50"))
    cd = status.countdown
    assert cd is not None
    assert cd.remaining == timedelta(seconds=10)
    assert countdown_text(cd.remaining) == "00:10"  # not 03:10
    assert cd.phase is Phase.DANGER
    assert cd.deadline == at("17:30") and cd.own_deadline == at("17:33")
    assert cd.cut is not None
    assert (cd.cut.slot_id, cd.cut.title, cd.cut.at) == ("reception", "Reception", at("17:30"))
    assert cd.cut.label == "until Reception, 17:30 — hard start"
    assert cd.progress > 0.99


def test_the_countdown_of_a_slot_a_hard_start_cuts_ends_at_the_cut() -> None:
    state = qa_three_minutes_late()
    before = evaluate(state, at("17:20"))
    assert before.countdown is not None
    limit = before.countdown.deadline
    state, events = advance(state, at("17:31"))
    ended = [e for e in events if e.kind == "slot_ended"]
    assert [(e.slot, e.at, e.cause) for e in ended] == [("qa", limit, "hard")]
    assert limit == at("17:30")


def test_warning_and_danger_come_before_the_cut_and_no_overtime_at_it() -> None:
    _, events = advance(qa_three_minutes_late(), at("17:31"))
    phases = [(e.phase, e.at) for e in events if e.kind == "phase" and e.slot == "qa"]
    # warning 5 min and danger 1 min before 17:30, not before 17:33
    assert phases == [("warning", at("17:25")), ("danger", at("17:29"))]


def test_a_hold_stops_the_hard_start_so_the_countdown_counts_to_its_own_deadline() -> None:
    state, _ = apply(qa_three_minutes_late(), Action(ActionKind.HOLD), at("17:20"))
    cd = evaluate(state, at("17:29:50")).countdown
    assert cd is not None and cd.cut is None
    assert cd.deadline == at("17:33") and countdown_text(cd.remaining) == "03:10"


def test_an_on_time_slot_is_not_cut() -> None:
    state = new_show(seed_with_hard_reception(), at("15:00"))
    cd = evaluate(state, at("17:20")).countdown
    assert cd is not None and cd.cut is None and cd.deadline == at("17:30")


def test_an_auto_slot_that_ends_before_the_hard_start_is_not_cut() -> None:
    prog = programme([slot("talk", "10:00", 20), slot("gap", "10:30", 10, hard=True)])
    cd = evaluate(new_show(prog, at("09:00")), at("10:05")).countdown
    assert cd is not None and cd.cut is None and cd.deadline == at("10:20")


def panel_with_a_hard_slot_after() -> ShowState:
    """A panel of three 10-minute turns from 10:00, a hard keynote at 10:25."""
    prog = programme(
        [
            slot(
                "panel",
                "10:00",
                30,
                turns=[("Ada", 10), ("Grace", 10), ("Alan", 10)],
                advance=Advance.MANUAL,
            ),
            slot("keynote", "10:25", 30, hard=True),
        ]
    )
    state = new_show(prog, at("09:00"))
    state, _ = apply(state, Action(ActionKind.NEXT_TURN), at("10:10"))
    state, _ = apply(state, Action(ActionKind.NEXT_TURN), at("10:20"))  # Alan until 10:30
    return state


def test_the_live_turn_counts_to_the_hard_start_too() -> None:
    status = evaluate(panel_with_a_hard_slot_after(), at("10:24"))
    turn = status.turn_countdown
    assert status.turn is not None and status.turn.turn.speaker == "Alan"
    assert turn is not None and turn.deadline == at("10:25") and turn.own_deadline == at("10:30")
    assert turn.remaining == mins(1) and turn.phase is Phase.WARNING  # turn warning: 1 min
    assert turn.cut is not None and turn.cut.label == "until Keynote, 10:25 — hard start"


def test_the_turns_phases_come_before_the_cut() -> None:
    _, events = advance(panel_with_a_hard_slot_after(), at("10:26"))
    turn_phases = [(e.phase, e.at) for e in events if e.kind == "phase" and e.turn == 2]
    # turn thresholds (1 min, 30 s) before 10:25, no overtime: the keynote starts then
    assert turn_phases == [("warning", at("10:24")), ("danger", at("10:24:30"))]
    ended = [(e.kind, e.at, e.cause) for e in events if e.kind in ("turn_ended", "slot_ended")]
    assert ended == [("turn_ended", at("10:25"), "hard"), ("slot_ended", at("10:25"), "hard")]
