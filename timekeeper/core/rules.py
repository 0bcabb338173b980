"""The timing rules of docs/timing.md in one place: deadlines, thresholds and limits.

Owns a slot's deadline (actual start + planned duration + extensions), a turn's
deadline and thresholds, which hard start comes next, and the *limit* of the live
slot and of the live turn: the earlier of its own deadline and the planned start
of a coming hard slot that will cut it. The engine's transitions (when a slot
ends, when a phase changes) and the forecast (`status.evaluate`, what every
countdown counts to) both read these, so they cannot disagree. Pure functions of
the state; nothing here changes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from timekeeper.core.programme import Slot, Turn
from timekeeper.core.state import Mode, Outcome, ShowState, SlotRecord


def slot_deadline(slot: Slot, record: SlotRecord) -> datetime:
    """Actual start + planned duration + extensions (docs/timing.md "deadline")."""
    assert record.actual_start is not None
    return record.actual_start + slot.duration + record.adjustment


def turn_deadline(slot: Slot, record: SlotRecord, index: int) -> datetime:
    """Actual start of turn `index` + its planned duration."""
    start = record.turns[index].actual_start
    assert start is not None
    return start + slot.turns[index].duration


def slot_thresholds(slot: Slot) -> tuple[timedelta, timedelta]:
    """Warning and danger lead times of a slot's countdown."""
    return slot.warning, slot.danger


def turn_thresholds(turn: Turn) -> tuple[timedelta, timedelta]:
    """Warning and danger lead times of a turn: its own, never more than half the turn."""
    half = turn.duration / 2
    return min(turn.warning, half), min(turn.danger, half / 2)


def coming_hard(state: ShowState) -> int | None:
    """The first hard slot after the current position that has not run: the next hard start."""
    slots = state.programme.slots
    for i in range(state.position + 1, len(slots)):
        if state.records[i].outcome is Outcome.PENDING and slots[i].hard:
            return i
    return None


def hard_cut(state: ShowState) -> int | None:
    """The hard slot whose planned start will end the live slot, if one will.

    A hold stops hard starts, so a held show has none; an automatic slot whose
    deadline comes first ends by itself before the hard start (not a cut).
    """
    if state.mode is not Mode.LIVE or state.held:
        return None
    hard = coming_hard(state)
    if hard is None:
        return None
    slot, rec = state.programme.slots[state.position], state.records[state.position]
    if slot.manual or state.programme.slots[hard].start < slot_deadline(slot, rec):
        return hard
    return None


@dataclass(frozen=True)
class Limit:
    """What a countdown counts to, and the instants of its phases."""

    at: datetime  # the limit: its own deadline, or the hard start that cuts it first
    deadline: datetime  # its own deadline
    warning_at: datetime
    danger_at: datetime
    cut_by: int | None = None  # the hard slot whose planned start is `at`, when it cuts


def _limit(
    deadline: datetime, thresholds: tuple[timedelta, timedelta], state: ShowState, cut: int | None
) -> Limit:
    if cut is not None and state.programme.slots[cut].start >= deadline:
        cut = None  # its own deadline comes first (a manual slot goes into overtime)
    at = deadline if cut is None else state.programme.slots[cut].start
    warning, danger = thresholds
    return Limit(at, deadline, at - warning, at - danger, cut)


def slot_limit(state: ShowState) -> Limit:
    """The live slot's limit (docs/timing.md "limit")."""
    assert state.mode is Mode.LIVE
    slot, rec = state.programme.slots[state.position], state.records[state.position]
    return _limit(slot_deadline(slot, rec), slot_thresholds(slot), state, hard_cut(state))


def turn_limit(state: ShowState) -> Limit | None:
    """The live turn's limit: its deadline, or the hard start that ends its slot first."""
    if state.mode is not Mode.LIVE:
        return None
    slot, rec = state.programme.slots[state.position], state.records[state.position]
    j = rec.live_turn
    if j is None:
        return None
    deadline = turn_deadline(slot, rec, j)
    return _limit(deadline, turn_thresholds(slot.turns[j]), state, hard_cut(state))
