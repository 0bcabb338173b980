"""docs/timing.md's worked example, row by row: the engine must read exactly like the table."""

from __future__ import annotations

from datetime import timedelta

from tests.factories import at, mins, webinar
from timekeeper.core.engine import Action, ActionKind, Mode, Outcome, ShowState, apply, new_show
from timekeeper.core.status import Status, evaluate


def _run() -> dict[str, tuple[ShowState, Status]]:
    """Play the example, keeping the state and status at each instant of the table."""
    prog = webinar()
    state = new_show(prog, at("09:50"))
    seen: dict[str, tuple[ShowState, Status]] = {}

    def look(hhmm: str) -> None:
        seen[hhmm] = (state, evaluate(state, at(hhmm)))

    look("10:00:30")
    state, _ = apply(state, Action(ActionKind.NEXT), at("10:01"))
    look("10:01")
    look("10:06")
    state, _ = apply(state, Action(ActionKind.EXTEND, minutes=5), at("10:30"))
    look("10:30")
    look("10:41")
    look("10:45")
    look("11:30")
    look("11:40")
    state, _ = apply(state, Action(ActionKind.NEXT), at("11:43"))
    look("11:43")
    return seen


SEEN = _run()


def test_before_the_operator_starts_the_delay_grows() -> None:
    status = SEEN["10:00:30"][1]
    assert status.mode is Mode.BEFORE
    assert status.next is not None and status.next.slot.id == "welcome"
    assert status.over_under == timedelta(seconds=30)


def test_1001_operator_starts_the_show() -> None:
    status = SEEN["10:01"][1]
    assert status.live is not None and status.live.slot.id == "welcome"
    assert status.countdown is not None and status.countdown.deadline == at("10:06")
    assert status.next is not None and status.next.slot.id == "talk"
    assert status.next.expected_start == at("10:06")
    assert status.over_under == mins(1)


def test_1006_welcome_deadline_starts_talk() -> None:
    status = SEEN["10:06"][1]
    assert status.live is not None and status.live.slot.id == "talk"
    assert status.countdown is not None and status.countdown.deadline == at("10:36")
    assert status.next is not None and status.next.expected_start == at("10:36")
    assert status.over_under == mins(1)


def test_1030_extend_talk_by_five() -> None:
    status = SEEN["10:30"][1]
    assert status.countdown is not None and status.countdown.deadline == at("10:41")
    assert status.next is not None and status.next.slot.id == "break"
    assert status.next.expected_start == at("10:41")
    assert status.over_under == mins(6)


def test_1041_break_starts_workshop_is_hard() -> None:
    status = SEEN["10:41"][1]
    assert status.live is not None and status.live.slot.id == "break"
    cd = status.countdown
    assert cd is not None and cd.own_deadline == at("10:51")
    # its limit: the countdown counts to the Workshop's hard start, not to 10:51
    assert cd.deadline == at("10:45") and cd.remaining == mins(4)
    assert cd.cut is not None and cd.cut.label == "until Workshop, 10:45 — hard start"
    assert status.next is not None and status.next.slot.id == "workshop" and status.next.slot.hard
    assert status.next.expected_start == at("10:45")
    assert status.over_under == timedelta(0)
    assert status.live.squeezed  # the forecast already shows the cut


def test_1045_hard_start_cuts_break() -> None:
    _state, status = SEEN["10:45"]
    assert status.live is not None and status.live.slot.id == "workshop"
    brk = status.slots[2]
    assert brk.outcome is Outcome.CUT and brk.actual_end == at("10:45") and brk.length == mins(4)
    assert status.countdown is not None and status.countdown.deadline == at("11:30")
    assert status.next is not None and status.next.expected_start == at("11:30")
    assert status.over_under == timedelta(0)


def test_1130_closing_manual_starts() -> None:
    status = SEEN["11:30"][1]
    assert status.live is not None and status.live.slot.id == "closing"
    assert status.countdown is not None and status.countdown.deadline == at("11:40")
    assert status.next is None and status.over_under is None


def test_1140_manual_slot_counts_into_overtime() -> None:
    status = SEEN["11:40"][1]
    assert status.live is not None and status.live.slot.id == "closing"
    assert status.countdown is not None and status.countdown.remaining == timedelta(0)
    later = evaluate(SEEN["11:40"][0], at("11:41:30"))
    assert later.live is not None and later.live.slot.id == "closing"
    assert later.countdown is not None and later.countdown.remaining == -mins(1.5)
    assert later.countdown.phase.value == "overtime"


def test_1143_operator_ends_the_show_three_minutes_late() -> None:
    status = SEEN["11:43"][1]
    assert status.mode is Mode.ENDED
    assert status.end_delta == mins(3)


def test_report_lengths() -> None:
    status = SEEN["11:43"][1]
    rows = {v.slot.id: v for v in status.slots}
    assert (rows["welcome"].actual_start, rows["welcome"].actual_end) == (at("10:01"), at("10:06"))
    assert rows["welcome"].start_delta == mins(1)
    assert rows["talk"].length == mins(35) and rows["talk"].adjustment == mins(5)
    assert rows["break"].outcome is Outcome.CUT and rows["break"].length == mins(4)
    assert rows["workshop"].start_delta == timedelta(0) and rows["workshop"].length == mins(45)
    assert rows["closing"].length == mins(13)
