"""The automatic transitions of the show: what happens by itself, each at its own instant.

Owns `advance(state, now)` (every automatic transition due up to `now`: deadlines,
hard starts, auto turns, and the phase events before them), `next_instant` (when
something next happens by itself), and the building blocks every transition is made
of (start a slot, end the live slot, next turn, end the show, the undo stack). When
things are due it asks `rules.py`; it never reads the clock and knows no operator
action (those are in `actions.py`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from timekeeper.core.countdown import Phase
from timekeeper.core.programme import Advance
from timekeeper.core.rules import (
    Limit,
    coming_hard,
    slot_deadline,
    slot_limit,
    turn_deadline,
    turn_limit,
)
from timekeeper.core.state import (
    UNDO_DEPTH,
    Mode,
    Outcome,
    ShowEvent,
    ShowState,
    SlotRecord,
    Snapshot,
    TurnRecord,
)
from timekeeper.errors import TransitionError


def next_automatic(state: ShowState) -> tuple[datetime, str, int] | None:
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
    auto = next_automatic(state)
    if auto is not None:
        times.append(max(auto[0], state.as_of))
    return min(times) if times else None


def advance(state: ShowState, now: datetime) -> tuple[ShowState, list[ShowEvent]]:
    """Apply every automatic transition due up to `now`, each at its own instant."""
    events: list[ShowEvent] = []
    if now < state.as_of:
        return state, events
    while True:
        auto = next_automatic(state)
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
    state = push_undo(state)
    if kind == "turn":
        return next_turn(state, at, cause="auto")
    events: list[ShowEvent] = []
    if state.mode is Mode.LIVE:
        state, events = end_live(state, at, "deadline" if kind == "deadline" else "hard")
    if kind == "deadline":
        nxt = state.next_index
        if nxt is None:
            return end_show(state, at, events)
        if state.programme.slots[nxt].start > at:  # a gap in the plan, or an early finish
            return state, events
        index, kind = nxt, "auto"
    state, more = start_slot(state, index, at, kind)
    return state, events + more


# ---------------------------------------------------------------- building blocks


def push_undo(state: ShowState) -> ShowState:
    snap = Snapshot(state.mode, state.position, state.records, state.ended_at)
    return replace(state, undo=(*state.undo, snap)[-UNDO_DEPTH:])


def set_record(records: tuple[SlotRecord, ...], i: int, rec: SlotRecord) -> tuple[SlotRecord, ...]:
    return (*records[:i], rec, *records[i + 1 :])


def start_slot(
    state: ShowState, index: int, at: datetime, cause: str
) -> tuple[ShowState, list[ShowEvent]]:
    """Start slot `index` at `at`; pending slots before it are skipped."""
    slots, records = state.programme.slots, state.records
    events: list[ShowEvent] = []
    if state.mode is Mode.BEFORE:
        events.append(ShowEvent("show_started", at, slots[index].id, cause=cause))
    skipped = [i for i in range(state.position + 1, index) if records[i].outcome is Outcome.PENDING]
    if skipped:  # one copy of the records, however many are skipped (a jump over 10,000)
        changed = list(records)
        for i in skipped:
            changed[i] = replace(records[i], outcome=Outcome.SKIPPED)
            events.append(ShowEvent("slot_skipped", at, slots[i].id, cause=cause))
        records = tuple(changed)
    slot = slots[index]
    turns = tuple(TurnRecord() for _ in slot.turns)
    live_turn = None
    if slot.turns:
        turns = (TurnRecord(actual_start=at), *turns[1:])
        live_turn = 0
    rec = replace(
        records[index], outcome=Outcome.LIVE, actual_start=at, turns=turns, live_turn=live_turn
    )
    records = set_record(records, index, rec)
    events.append(ShowEvent("slot_started", at, slot.id, cause=cause))
    if live_turn is not None:
        events.append(
            ShowEvent(
                "turn_started", at, slot.id, turn=0, speaker=slot.turns[0].speaker, cause=cause
            )
        )
    return replace(state, mode=Mode.LIVE, position=index, records=records), events


def end_live(state: ShowState, at: datetime, ended_by: str) -> tuple[ShowState, list[ShowEvent]]:
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
    return replace(state, mode=Mode.BETWEEN, records=set_record(state.records, i, rec)), events


def end_show(
    state: ShowState, at: datetime, events: list[ShowEvent]
) -> tuple[ShowState, list[ShowEvent]]:
    records = state.records
    for i, rec in enumerate(records):
        if rec.outcome is Outcome.PENDING:
            records = set_record(records, i, replace(rec, outcome=Outcome.SKIPPED))
            events.append(ShowEvent("slot_skipped", at, state.programme.slots[i].id, cause="end"))
    events.append(ShowEvent("show_ended", at))
    return replace(state, mode=Mode.ENDED, records=records, ended_at=at), events


def next_turn(state: ShowState, at: datetime, cause: str) -> tuple[ShowState, list[ShowEvent]]:
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
    return replace(state, records=set_record(state.records, i, rec)), events
