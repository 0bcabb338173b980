"""The schedule engine: pure transitions of the show state, at any instant.

Nothing here reads the clock. `advance(state, now)` applies every automatic
transition due up to `now` (each at its own exact instant) and returns the
events it produced; `apply(state, action, now)` does the same and then the
operator's action; `status.evaluate(state, now)` forecasts planned/expected/actual
times for every slot. The words (planned, expected, actual, deadline,
over/under, phase) are those of docs/timing.md; the state and its records live
in `state.py`, the deadlines and limits in `rules.py`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from timekeeper.core.countdown import Phase as Phase  # re-exported; home: core/countdown.py
from timekeeper.core.countdown import phase_at as phase_at
from timekeeper.core.programme import Advance, Programme
from timekeeper.core.rules import Limit, coming_hard, slot_limit, turn_deadline, turn_limit
from timekeeper.core.rules import slot_deadline as slot_deadline
from timekeeper.core.state import UNDO_DEPTH as UNDO_DEPTH
from timekeeper.core.state import ZERO as ZERO
from timekeeper.core.state import Action as Action
from timekeeper.core.state import ActionKind as ActionKind
from timekeeper.core.state import Mode as Mode
from timekeeper.core.state import Outcome as Outcome
from timekeeper.core.state import ShowEvent as ShowEvent
from timekeeper.core.state import ShowState as ShowState
from timekeeper.core.state import SlotRecord as SlotRecord
from timekeeper.core.state import Snapshot
from timekeeper.core.state import TurnRecord as TurnRecord
from timekeeper.core.state import new_show as new_show
from timekeeper.errors import TransitionError

# ---------------------------------------------------------------- automatic transitions


def _next_automatic(state: ShowState) -> tuple[datetime, str, int] | None:
    """The earliest automatic transition due in this state: (instant, kind, slot index)."""
    if state.held or state.mode is Mode.ENDED:
        return None
    slots = state.programme.slots
    candidates: list[tuple[datetime, int, str, int]] = []  # (at, priority, kind, index)
    hard = coming_hard(state)
    if hard is not None:
        candidates.append((slots[hard].start, 2, "hard", hard))
    if state.mode is Mode.BEFORE:
        first = state.next_index
        if first is not None and state.programme.event.start is Advance.AUTO:
            candidates.append((slots[first].start, 1, "auto", first))
    elif state.mode is Mode.BETWEEN:
        nxt = state.next_index
        if nxt is not None:
            candidates.append((slots[nxt].start, 1, "auto", nxt))
    else:
        slot, rec = slots[state.position], state.records[state.position]
        if rec.live_turn is not None and slot.turns_advance is Advance.AUTO:
            at = turn_deadline(slot, rec, rec.live_turn)
            candidates.append((at, 0, "turn", state.position))
        if slot.advance is Advance.AUTO:
            candidates.append((slot_deadline(slot, rec), 1, "deadline", state.position))
    if not candidates:
        return None
    at, _, kind, index = min(candidates)
    return at, kind, index


def _phase_instants(state: ShowState) -> list[tuple[datetime, str, int | None]]:
    """Warning, danger and overtime instants of the live slot and turn, before their limits."""
    if state.mode is not Mode.LIVE:
        return []
    rec = state.records[state.position]
    limits: list[tuple[Limit, int | None]] = [(slot_limit(state), None)]
    turn = turn_limit(state)
    if turn is not None:
        limits.append((turn, rec.live_turn))
    out: list[tuple[datetime, str, int | None]] = []
    for limit, j in limits:
        out += [
            (limit.warning_at, Phase.WARNING.value, j),
            (limit.danger_at, Phase.DANGER.value, j),
            (limit.at, Phase.OVERTIME.value, j),
        ]
    start = rec.actual_start
    assert start is not None
    return [p for p in out if p[0] > start]


def next_instant(state: ShowState) -> datetime | None:
    """When something next happens by itself (a transition or a phase change), after `as_of`."""
    times = [t for t, _, _ in _phase_instants(state) if t > state.as_of]
    auto = _next_automatic(state)
    if auto is not None:
        times.append(max(auto[0], state.as_of))
    return min(times) if times else None


def advance(state: ShowState, now: datetime) -> tuple[ShowState, list[ShowEvent]]:
    """Apply every automatic transition due up to `now`, each at its own instant."""
    events: list[ShowEvent] = []
    if now < state.as_of:
        return state, events
    while True:
        auto = _next_automatic(state)
        until = now if auto is None or auto[0] > now else max(auto[0], state.as_of)
        inclusive = auto is None or auto[0] > now
        events += _phase_events(state, until, inclusive)
        if auto is None or auto[0] > now:
            return replace(state, as_of=now), events
        state = replace(state, as_of=until)
        state, more = _automatic(state, auto[1], auto[2], until)
        events += more


def _phase_events(state: ShowState, until: datetime, inclusive: bool) -> list[ShowEvent]:
    slot_id = state.programme.slots[state.position].id if state.mode is Mode.LIVE else None
    out = []
    for at, phase, turn in sorted(_phase_instants(state), key=lambda p: p[0]):
        if at > state.as_of and (at < until or (inclusive and at == until)):
            speaker = (
                state.programme.slots[state.position].turns[turn].speaker
                if turn is not None
                else None
            )
            out.append(ShowEvent("phase", at, slot_id, turn=turn, speaker=speaker, phase=phase))
    return out


def _automatic(
    state: ShowState, kind: str, index: int, at: datetime
) -> tuple[ShowState, list[ShowEvent]]:
    state = _push_undo(state)
    if kind == "turn":
        return _next_turn(state, at, cause="auto")
    events: list[ShowEvent] = []
    if state.mode is Mode.LIVE:
        state, events = _end_live(state, at, "deadline" if kind == "deadline" else "hard")
    if kind == "deadline":
        nxt = state.next_index
        if nxt is None:
            return _end_show(state, at, events)
        if state.programme.slots[nxt].start > at:  # a gap in the plan, or an early finish
            return state, events
        index, kind = nxt, "auto"
    state, more = _start_slot(state, index, at, kind)
    return state, events + more


# ---------------------------------------------------------------- building blocks


def _push_undo(state: ShowState) -> ShowState:
    snap = Snapshot(state.mode, state.position, state.records, state.ended_at)
    return replace(state, undo=(*state.undo, snap)[-UNDO_DEPTH:])


def _set(records: tuple[SlotRecord, ...], i: int, rec: SlotRecord) -> tuple[SlotRecord, ...]:
    return (*records[:i], rec, *records[i + 1 :])


def _start_slot(
    state: ShowState, index: int, at: datetime, cause: str
) -> tuple[ShowState, list[ShowEvent]]:
    """Start slot `index` at `at`; pending slots before it are skipped."""
    slots, records = state.programme.slots, state.records
    events: list[ShowEvent] = []
    if state.mode is Mode.BEFORE:
        events.append(ShowEvent("show_started", at, slots[index].id, cause=cause))
    for i in range(state.position + 1, index):
        if records[i].outcome is Outcome.PENDING:
            records = _set(records, i, replace(records[i], outcome=Outcome.SKIPPED))
            events.append(ShowEvent("slot_skipped", at, slots[i].id, cause=cause))
    slot = slots[index]
    turns = tuple(TurnRecord() for _ in slot.turns)
    live_turn = None
    if slot.turns:
        turns = (TurnRecord(actual_start=at), *turns[1:])
        live_turn = 0
    rec = replace(
        records[index], outcome=Outcome.LIVE, actual_start=at, turns=turns, live_turn=live_turn
    )
    records = _set(records, index, rec)
    events.append(ShowEvent("slot_started", at, slot.id, cause=cause))
    if live_turn is not None:
        events.append(
            ShowEvent(
                "turn_started", at, slot.id, turn=0, speaker=slot.turns[0].speaker, cause=cause
            )
        )
    return replace(state, mode=Mode.LIVE, position=index, records=records), events


def _end_live(state: ShowState, at: datetime, ended_by: str) -> tuple[ShowState, list[ShowEvent]]:
    """End the live slot (and its live turn) at `at`; the show is then BETWEEN slots."""
    i = state.position
    slot, rec = state.programme.slots[i], state.records[i]
    events: list[ShowEvent] = []
    turns = rec.turns
    if rec.live_turn is not None:
        j = rec.live_turn
        turns = (*turns[:j], replace(turns[j], actual_end=at), *turns[j + 1 :])
        events.append(
            ShowEvent(
                "turn_ended", at, slot.id, turn=j, speaker=slot.turns[j].speaker, cause=ended_by
            )
        )
    outcome = Outcome.CUT if ended_by == "hard" else Outcome.DONE
    rec = replace(
        rec, outcome=outcome, actual_end=at, ended_by=ended_by, turns=turns, live_turn=None
    )
    events.append(ShowEvent("slot_ended", at, slot.id, cause=ended_by, outcome=outcome.value))
    return replace(state, mode=Mode.BETWEEN, records=_set(state.records, i, rec)), events


def _end_show(
    state: ShowState, at: datetime, events: list[ShowEvent]
) -> tuple[ShowState, list[ShowEvent]]:
    records = state.records
    for i, rec in enumerate(records):
        if rec.outcome is Outcome.PENDING:
            records = _set(records, i, replace(rec, outcome=Outcome.SKIPPED))
            events.append(ShowEvent("slot_skipped", at, state.programme.slots[i].id, cause="end"))
    events.append(ShowEvent("show_ended", at))
    return replace(state, mode=Mode.ENDED, records=records, ended_at=at), events


def _next_turn(state: ShowState, at: datetime, cause: str) -> tuple[ShowState, list[ShowEvent]]:
    i = state.position
    slot, rec = state.programme.slots[i], state.records[i]
    j = rec.live_turn
    if j is None:
        raise TransitionError("no speaker turn is live")
    turns = (*rec.turns[:j], replace(rec.turns[j], actual_end=at), *rec.turns[j + 1 :])
    events = [
        ShowEvent("turn_ended", at, slot.id, turn=j, speaker=slot.turns[j].speaker, cause=cause)
    ]
    live_turn = None
    if j + 1 < len(slot.turns):
        live_turn = j + 1
        turns = (*turns[: j + 1], TurnRecord(actual_start=at), *turns[j + 2 :])
        events.append(
            ShowEvent(
                "turn_started",
                at,
                slot.id,
                turn=j + 1,
                speaker=slot.turns[j + 1].speaker,
                cause=cause,
            )
        )
    else:
        events.append(ShowEvent("turns_done", at, slot.id, cause=cause))
    rec = replace(rec, turns=turns, live_turn=live_turn)
    return replace(state, records=_set(state.records, i, rec)), events


# ---------------------------------------------------------------- operator actions


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
    state = _push_undo(state)
    events: list[ShowEvent] = []
    nxt = state.next_index
    if state.mode is Mode.LIVE:
        state, events = _end_live(state, now, "operator")
    if nxt is None:
        return _end_show(state, now, events)
    state, more = _start_slot(state, nxt, now, "operator")
    return state, events + more


def _op_next_turn(
    state: ShowState, action: Action, now: datetime
) -> tuple[ShowState, list[ShowEvent]]:
    if state.mode is not Mode.LIVE:
        raise TransitionError("no slot is live")
    slot, rec = state.programme.slots[state.position], state.records[state.position]
    if not slot.turns:
        raise TransitionError(f"'{slot.title}' has no speaker turns")
    if rec.live_turn is None:
        raise TransitionError(f"all turns of '{slot.title}' are done; next slot moves on")
    return _next_turn(_push_undo(state), now, cause="operator")


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
    due = _next_automatic(restored)
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
    state = replace(state, records=_set(state.records, i, rec))
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
    state = _push_undo(state)
    events: list[ShowEvent] = []
    if state.mode is Mode.LIVE:
        state, events = _end_live(state, now, "jump")
    state, more = _start_slot(state, target, now, "operator")
    return state, events + more


def _op_end(state: ShowState, action: Action, now: datetime) -> tuple[ShowState, list[ShowEvent]]:
    if state.mode is Mode.ENDED:
        raise TransitionError("the show has ended")
    state = _push_undo(state)
    events: list[ShowEvent] = []
    if state.mode is Mode.LIVE:
        state, events = _end_live(state, now, "end")
    return _end_show(state, now, events)


_HANDLERS = {
    ActionKind.NEXT: _op_next,
    ActionKind.NEXT_TURN: _op_next_turn,
    ActionKind.BACK: _op_back,
    ActionKind.EXTEND: _op_extend,
    ActionKind.HOLD: _op_hold,
    ActionKind.RELEASE: _op_hold,
    ActionKind.JUMP: _op_jump,
    ActionKind.END: _op_end,
}


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
        auto = _next_automatic(state)
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
