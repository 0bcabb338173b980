"""Replaying a show and following its plan: the operator's moves when nobody is at the keys.

Owns `replay` (rebuild the state from recorded operator actions: crash recovery,
reports), `planned_move` (the move an operator who follows the plan makes next)
and `follow_plan` (advance to an instant making those moves, as "autopilot"
operator events). Built only from `actions.apply` and `transitions.advance`.
"""

from __future__ import annotations

from datetime import datetime

from timekeeper.core.actions import apply
from timekeeper.core.programme import Advance, Programme
from timekeeper.core.rules import slot_deadline, turn_deadline
from timekeeper.core.state import Action, ActionKind, Mode, ShowEvent, ShowState, new_show
from timekeeper.core.transitions import advance, next_automatic


def replay(
    programme: Programme, start: datetime, actions: list[tuple[datetime, Action]], now: datetime
) -> ShowState:
    """Rebuild the show from its recorded operator actions (crash recovery, reports)."""
    state = new_show(programme, start)
    for at, action in actions:
        state, _ = apply(state, action, at)
    state, _ = advance(state, now)
    return state


# ---------------------------------------------------------------- following the plan


def planned_move(state: ShowState) -> tuple[datetime, Action] | None:
    """The move an operator who follows the plan makes next, and when.

    Manual slots and manual turns only move on when someone says so; with no one
    at the keys (an unattended run, or catching up a run started late) this is
    what "running to plan" means for them: moved on at their deadlines.
    """
    if state.held or state.mode is Mode.ENDED:
        return None
    moves: list[tuple[datetime, Action]] = []
    if state.mode is Mode.BEFORE and state.programme.event.start is Advance.MANUAL:
        first = state.next_index
        if first is not None:
            moves.append((state.programme.slots[first].start, Action(ActionKind.NEXT)))
    if state.mode is Mode.LIVE:
        slot, rec = state.programme.slots[state.position], state.records[state.position]
        if slot.advance is Advance.MANUAL:
            moves.append((slot_deadline(slot, rec), Action(ActionKind.NEXT)))
        if rec.live_turn is not None and slot.turns_advance is Advance.MANUAL:
            moves.append((turn_deadline(slot, rec, rec.live_turn), Action(ActionKind.NEXT_TURN)))
    if not moves:
        return None
    at, action = min(moves, key=lambda m: m[0])
    return max(at, state.as_of), action


def follow_plan(state: ShowState, now: datetime) -> tuple[ShowState, list[ShowEvent]]:
    """Advance to `now`, making every planned move (see planned_move) at its own instant.

    Each move is returned as an "operator" event with cause "autopilot", so a log
    of the run replays it like any operator action.
    """
    events: list[ShowEvent] = []
    while True:
        move = planned_move(state)
        auto = next_automatic(state)
        if auto is not None and auto[0] <= now and (move is None or auto[0] <= move[0]):
            state, more = advance(state, max(auto[0], state.as_of))  # it may bring a move
            events += more
            continue
        if move is None or move[0] > now:
            state, more = advance(state, now)
            return state, events + more
        at, action = move
        state, more = advance(state, at)
        events += more
        if planned_move(state) != move:  # an automatic transition up to `at` came first
            continue
        events.append(ShowEvent("operator", at, cause="autopilot", action=action))
        state, more = apply(state, action, at)
        events += more
