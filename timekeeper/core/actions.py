"""The operator's actions as pure transitions: next, next turn, back, extend, hold, jump, end.

Owns `apply(state, action, now)`: the show is first brought up to `now` (the
automatic transitions of `transitions.py`), then the action is applied at `now`,
or refused with a TransitionError whose message the operator reads. Nothing
here decides when anything is due (that is `rules.py`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from timekeeper.core.state import Action, ActionKind, Mode, Outcome, ShowEvent, ShowState
from timekeeper.core.transitions import (
    advance,
    end_live,
    end_show,
    next_automatic,
    next_turn,
    push_undo,
    set_record,
    start_slot,
)
from timekeeper.errors import TransitionError


def apply(state: ShowState, action: Action, now: datetime) -> tuple[ShowState, list[ShowEvent]]:
    """Bring the show up to `now`, then apply the operator's action at `now`.

    Raises TransitionError (with a message for the operator) when the action
    does not apply; the state is then unchanged.
    """
    state, events = advance(state, now)
    handler = _HANDLERS[action.kind]
    state, more = handler(state, action, now)
    return state, events + more


def _op_next(state: ShowState, action: Action, now: datetime) -> tuple[ShowState, list[ShowEvent]]:
    if state.mode is Mode.ENDED:
        raise TransitionError("the show has ended")
    state = push_undo(state)
    events: list[ShowEvent] = []
    nxt = state.next_index
    if state.mode is Mode.LIVE:
        state, events = end_live(state, now, "operator")
    if nxt is None:
        return end_show(state, now, events)
    state, more = start_slot(state, nxt, now, "operator")
    return state, events + more


def _opnext_turn(
    state: ShowState, action: Action, now: datetime
) -> tuple[ShowState, list[ShowEvent]]:
    if state.mode is not Mode.LIVE:
        raise TransitionError("no slot is live")
    slot, rec = state.programme.slots[state.position], state.records[state.position]
    if not slot.turns:
        raise TransitionError(f"'{slot.title}' has no speaker turns")
    if rec.live_turn is None:
        raise TransitionError(f"all turns of '{slot.title}' are done; next slot moves on")
    return next_turn(push_undo(state), now, cause="operator")


def _op_back(state: ShowState, action: Action, now: datetime) -> tuple[ShowState, list[ShowEvent]]:
    if not state.undo:
        raise TransitionError("nothing to undo")
    snap = state.undo[-1]
    restored = replace(
        state,
        mode=snap.mode,
        position=snap.position,
        records=snap.records,
        ended_at=snap.ended_at,
        undo=state.undo[:-1],
    )
    due = next_automatic(restored)
    held = restored.held or (due is not None and due[0] <= now)
    restored = replace(restored, held=held)
    live = restored.live
    slot_id = restored.programme.slots[live].id if live is not None else None
    events = [ShowEvent("back", now, slot_id, cause="operator")]
    if held and not state.held:
        events.append(ShowEvent("hold", now, slot_id, cause="back"))
    return restored, events


def _op_extend(
    state: ShowState, action: Action, now: datetime
) -> tuple[ShowState, list[ShowEvent]]:
    if state.mode is not Mode.LIVE:
        raise TransitionError("no slot is live to extend or shorten")
    i = state.position
    slot, rec = state.programme.slots[i], state.records[i]
    delta = timedelta(minutes=action.minutes)
    adjustment = max(rec.adjustment + delta, -slot.duration)
    kind = "extended" if action.minutes >= 0 else "shortened"
    rec = replace(rec, adjustment=adjustment)
    state = replace(state, records=set_record(state.records, i, rec))
    event = ShowEvent(kind, now, slot.id, cause="operator", minutes=action.minutes)
    state, more = advance(state, now)  # a shortened auto slot may be due now
    return state, [event, *more]


def _op_hold(state: ShowState, action: Action, now: datetime) -> tuple[ShowState, list[ShowEvent]]:
    held = action.kind is ActionKind.HOLD
    if state.held == held:
        return state, []
    live = state.live
    slot_id = state.programme.slots[live].id if live is not None else None
    state = replace(state, held=held)
    state, more = advance(state, now)  # a release may make a passed deadline due now
    return state, [ShowEvent("hold" if held else "release", now, slot_id, cause="operator"), *more]


def _op_jump(state: ShowState, action: Action, now: datetime) -> tuple[ShowState, list[ShowEvent]]:
    if state.mode is Mode.ENDED:
        raise TransitionError("the show has ended")
    try:
        target = state.programme.index(action.slot or "")
    except KeyError:
        raise TransitionError(f"no slot with id '{action.slot}'") from None
    if target <= state.position or state.records[target].outcome is not Outcome.PENDING:
        raise TransitionError("can only jump forward, to a slot that has not run")
    state = push_undo(state)
    events: list[ShowEvent] = []
    if state.mode is Mode.LIVE:
        state, events = end_live(state, now, "jump")
    state, more = start_slot(state, target, now, "operator")
    return state, events + more


def _op_end(state: ShowState, action: Action, now: datetime) -> tuple[ShowState, list[ShowEvent]]:
    if state.mode is Mode.ENDED:
        raise TransitionError("the show has ended")
    state = push_undo(state)
    events: list[ShowEvent] = []
    if state.mode is Mode.LIVE:
        state, events = end_live(state, now, "end")
    return end_show(state, now, events)


_HANDLERS = {
    ActionKind.NEXT: _op_next,
    ActionKind.NEXT_TURN: _opnext_turn,
    ActionKind.BACK: _op_back,
    ActionKind.EXTEND: _op_extend,
    ActionKind.HOLD: _op_hold,
    ActionKind.RELEASE: _op_hold,
    ActionKind.JUMP: _op_jump,
    ActionKind.END: _op_end,
}
