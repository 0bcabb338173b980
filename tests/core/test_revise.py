"""A new programme version applied to a running show: what changes, is kept, is refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.test_engine_properties import T0, _check, actions, programmes
from tests.factories import at, mins, seed
from timekeeper.core.engine import Action, ActionKind, Mode, Outcome, ShowState, advance, apply
from timekeeper.core.programme import Programme, Slot, Turn
from timekeeper.core.revise import RevisionRefused, revise
from timekeeper.core.state import new_show
from timekeeper.core.status import evaluate
from timekeeper.errors import TransitionError


def running(now: str) -> ShowState:
    state, _ = advance(new_show(seed(), at("15:00")), at(now))
    return state


def edit(prog: Programme, slot_id: str, **changes: object) -> Programme:
    i = prog.index(slot_id)
    new = replace(prog.slots[i], **changes)  # type: ignore[arg-type]
    return replace(prog, slots=(*prog.slots[:i], new, *prog.slots[i + 1 :]))


def test_the_live_slot_keeps_its_actual_start_and_takes_its_new_duration() -> None:
    state = running("15:40")  # keynote live since 15:35, 35 min
    state, _ = apply(state, Action(ActionKind.EXTEND, minutes=2), at("15:40"))
    new, events = revise(state, edit(state.programme, "keynote", duration=mins(45)), at("15:41"))
    assert events[0].kind == "revised" and events[0].slot == "keynote"
    status = evaluate(new, at("15:41"))
    assert status.live is not None and status.live.slot.id == "keynote"
    assert status.live.actual_start == at("15:35")
    assert status.countdown is not None and status.countdown.deadline == at("16:22")  # +45 +2
    assert status.next is not None and status.next.expected_start == at("16:22")
    history = evaluate(new, at("15:41")).slots[0]
    assert (history.actual_start, history.actual_end) == (at("15:30"), at("15:35"))


def test_a_live_slot_shortened_into_the_past_ends_at_the_instant_of_the_change() -> None:
    state = running("15:50")
    new, events = revise(state, edit(state.programme, "keynote", duration=mins(10)), at("15:50"))
    assert [e.kind for e in events] == ["revised", "slot_ended"]
    assert new.records[1].actual_end == at("15:50")
    assert new.mode is Mode.BETWEEN  # the panel is planned at 16:10: the show waits for it


def test_a_slot_added_after_the_live_one_runs_next() -> None:
    state = running("15:40")
    prog = state.programme
    brk = Slot(id="break", title="Break", start=at("16:10"), duration=mins(5), scene="Break")
    later = tuple(replace(s, start=s.start + mins(5)) for s in prog.slots[2:])
    revised, _ = revise(state, replace(prog, slots=(*prog.slots[:2], brk, *later)), at("15:41"))
    final, events = advance(revised, at("16:20"))
    started = [e.slot for e in events if e.kind == "slot_started"]
    assert started == ["break", "panel"]
    assert final.records[3].actual_start == at("16:15")


def test_a_removed_slot_never_runs() -> None:
    state = running("17:00")  # panel live
    prog = state.programme
    revised, _ = revise(
        state, replace(prog, slots=tuple(s for s in prog.slots if s.id != "qa")), at("17:00")
    )
    _, events = advance(revised, at("18:00"))
    started = [e.slot for e in events if e.kind == "slot_started"]
    assert started == ["reception"]


def test_a_speaker_swapped_in_the_live_panel_takes_the_turn_on() -> None:
    state = running("16:11")  # panel live, turn 1 (moderator) since 16:10
    state, _ = apply(state, Action(ActionKind.NEXT_TURN), at("16:12"))  # Beryl ter Haar
    panel = state.programme.slots[2]
    turns = (panel.turns[0], Turn("Ada Lovelace", mins(8)), *panel.turns[2:])
    new, _ = revise(state, edit(state.programme, "panel", turns=turns), at("16:13"))
    status = evaluate(new, at("16:13"))
    assert status.turn is not None and status.turn.turn.speaker == "Ada Lovelace"
    assert status.turn.actual_start == at("16:12")
    assert status.turn_countdown is not None
    assert status.turn_countdown.deadline == at("16:20")
    assert status.turns[0].actual_end == at("16:12")  # the moderator's turn is history


def test_a_renamed_scene_of_a_coming_slot_is_in_the_running_plan() -> None:
    state = running("15:40")
    new, _ = revise(state, edit(state.programme, "qa", scene="Questions"), at("15:41"))
    assert new.programme.slots[3].scene == "Questions"


def test_history_keeps_its_definition_and_actual_times() -> None:
    state = running("15:40")
    changed = edit(state.programme, "introduction", title="Welcome", duration=mins(20))
    new, _ = revise(state, changed, at("15:41"))
    assert new.programme.slots[0] == state.programme.slots[0]  # as it ran
    assert new.records[0] == state.records[0]


def test_removing_the_live_slot_is_refused_with_the_reason() -> None:
    state = running("15:40")
    prog = state.programme
    without = replace(prog, slots=tuple(s for s in prog.slots if s.id != "keynote"))
    with pytest.raises(RevisionRefused, match="removes 'Keynote', which is live"):
        revise(state, without, at("15:41"))


def test_moving_a_hard_start_into_the_past_is_refused() -> None:
    state = running("15:40")
    prog = edit(state.programme, "qa", hard=True, start=at("15:39"))
    with pytest.raises(RevisionRefused, match="hard start at 15:39:00, which has passed"):
        revise(state, prog, at("15:41"))


def test_a_slot_that_has_not_run_cannot_go_before_the_live_one() -> None:
    state = running("15:40")
    prog = state.programme
    order = (prog.slots[0], prog.slots[3], prog.slots[1], prog.slots[2], prog.slots[4])
    with pytest.raises(RevisionRefused, match="'Qa', which has not run, before 'Keynote'"):
        revise(state, replace(prog, slots=order), at("15:41"))


def test_removing_a_slot_that_has_run_is_refused() -> None:
    state = running("15:40")
    prog = state.programme
    with pytest.raises(RevisionRefused, match="removes 'Introduction', which has run"):
        revise(state, replace(prog, slots=prog.slots[1:]), at("15:41"))


@settings(max_examples=150, deadline=None)
@given(programmes(), st.lists(st.tuples(st.integers(0, 900), actions), max_size=15), st.data())
def test_a_revision_never_changes_history(
    prog: Programme, plan: list[Any], data: st.DataObject
) -> None:
    now = T0
    state = new_show(prog, now)
    for seconds, action in plan:
        now += timedelta(seconds=seconds * 10)
        try:
            state, _ = apply(state, action, now)
        except TransitionError:
            state, _ = advance(state, now)
    # the same file again: nothing a screen shows changes
    same, _ = revise(state, state.programme, now) if state.mode is not Mode.ENDED else (state, [])
    assert evaluate(same, now).slots == evaluate(state, now).slots
    # every slot a minute longer: history keeps its actual times, the invariants hold
    longer = replace(
        prog, slots=tuple(replace(s, duration=s.duration + mins(1)) for s in prog.slots)
    )
    try:
        new, _ = revise(state, longer, now)
    except RevisionRefused:
        return
    for old_rec, new_rec in zip(state.records, new.records, strict=True):
        if old_rec.outcome in (Outcome.DONE, Outcome.CUT, Outcome.SKIPPED):
            assert new_rec == old_rec
        if old_rec.outcome is Outcome.LIVE:
            assert new_rec.actual_start == old_rec.actual_start
    _check(new, now)
