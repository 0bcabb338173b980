"""A new version of the programme applied to a running show, at an instant (docs/changes.md).

Owns `revise(state, programme, now)` and the rules of what a change may do:
history does not change (done, cut and skipped slots keep their records and
the definition they ran under); the live slot keeps its actual start and its
extensions and takes its new duration, turns, title and scene; everything that
has not happened follows the new version from `now`. A revision that would
remove a slot that is live or has run, reorder what has run, put a slot that
has not run before one that has, or move a hard start into the past is refused
with a `RevisionRefused` saying why. Slots are matched as `diff.match` does.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from itertools import pairwise

from timekeeper.core.diff import match
from timekeeper.core.programme import Programme, Slot
from timekeeper.core.state import (
    Mode,
    Outcome,
    ShowEvent,
    ShowState,
    SlotRecord,
    TurnRecord,
)
from timekeeper.core.transitions import advance
from timekeeper.errors import TransitionError


class RevisionRefused(TransitionError):
    """The new version cannot apply to the show as it stands (the message says why)."""


def revise(
    state: ShowState, programme: Programme, now: datetime, by: str = "operator"
) -> tuple[ShowState, list[ShowEvent]]:
    """The show brought up to `now`, then running on `programme` from `now`.

    Raises RevisionRefused (the state unchanged) when the change may not apply.
    The undo stack is cleared: `back` does not step across a revision.
    """
    state, events = advance(state, now)
    now = max(now, state.as_of)
    if state.mode is Mode.ENDED:
        raise RevisionRefused("the show has ended: a new version changes nothing")
    old = state.programme
    pairs = match(old, programme)
    ran = [i for i, rec in enumerate(state.records) if rec.outcome is not Outcome.PENDING]
    _check_history(state, programme, pairs, ran)
    kept = [pairs[i] for i in ran if i in pairs]
    last_ran = max(kept, default=-1)
    _check_hard_starts(old, programme, pairs, last_ran, now)
    back = {j: i for i, j in pairs.items()}
    slots: list[Slot] = []
    records: list[SlotRecord] = []
    for j, slot in enumerate(programme.slots):
        i = back.get(j)
        if j <= last_ran:
            assert i is not None
            rec = state.records[i]
            if rec.outcome is Outcome.LIVE:
                rec, more = _live_record(slot, rec, now)
                events += more
                slots.append(slot)
            else:
                slots.append(old.slots[i])  # history: as it ran
            records.append(rec)
        else:
            slots.append(slot)
            records.append(SlotRecord(turns=tuple(TurnRecord() for _ in slot.turns)))
    merged = replace(programme, slots=tuple(slots))
    position = pairs[state.position] if state.position >= 0 else -1
    live_id = merged.slots[position].id if state.mode is Mode.LIVE else None
    revised = replace(
        state, programme=merged, as_of=now, position=position, records=tuple(records), undo=()
    )
    events.insert(0, ShowEvent("revised", now, live_id, cause=by))
    revised, more = advance(revised, now)  # a live slot shortened into the past ends now
    return revised, events + more


def _name(slot: Slot) -> str:
    return f"'{slot.title}'"


def _check_history(
    state: ShowState, programme: Programme, pairs: dict[int, int], ran: list[int]
) -> None:
    old = state.programme
    for i in ran:
        rec = state.records[i]
        if i in pairs or rec.outcome is Outcome.SKIPPED:
            continue  # a skipped slot never ran: it may go
        if rec.outcome is Outcome.LIVE:
            raise RevisionRefused(
                f"the new version removes {_name(old.slots[i])}, which is live: "
                "move on first (n), then save the file again"
            )
        raise RevisionRefused(
            f"the new version removes {_name(old.slots[i])}, which has run: "
            "what has happened stays in the programme"
        )
    kept = [(pairs[i], i) for i in ran if i in pairs]
    for (j1, i1), (j2, i2) in pairwise(kept):
        if j2 < j1:
            raise RevisionRefused(
                f"the new version puts {_name(old.slots[i2])} before {_name(old.slots[i1])}, "
                "but they have run in the other order"
            )
    last = max((j for j, _ in kept), default=-1)
    back = {j: i for i, j in pairs.items()}
    for j in range(last + 1):
        found = back.get(j)
        if found is None or state.records[found].outcome is Outcome.PENDING:
            where = old.slots[back[last]]
            raise RevisionRefused(
                f"the new version puts {_name(programme.slots[j])}, which has not run, before "
                f"{_name(where)}, which has already started: put it after the live slot"
            )


def _check_hard_starts(
    old: Programme, programme: Programme, pairs: dict[int, int], last_ran: int, now: datetime
) -> None:
    back = {j: i for i, j in pairs.items()}
    for j in range(last_ran + 1, len(programme.slots)):
        slot = programme.slots[j]
        if not slot.hard or slot.start >= now:
            continue
        i = back.get(j)
        before = old.slots[i] if i is not None else None
        if before is not None and before.hard and before.start == slot.start:
            continue  # unchanged (a held show has hard starts in the past)
        when = programme.local(slot.start).strftime("%H:%M:%S")
        raise RevisionRefused(
            f"the new version gives {_name(slot)} a hard start at {when}, which has passed: "
            "a hard start cannot be in the past"
        )


def _live_record(slot: Slot, rec: SlotRecord, now: datetime) -> tuple[SlotRecord, list[ShowEvent]]:
    """The live slot's record for its new definition: turns kept by position.

    Turns that have started keep their actual times; a live turn the new
    version no longer has ends now; if no turn is live and the next one exists
    and has not run (turns were added), it starts now.
    """
    events: list[ShowEvent] = []
    turns = [rec.turns[k] if k < len(rec.turns) else TurnRecord() for k in range(len(slot.turns))]
    live_turn = rec.live_turn
    if live_turn is not None and live_turn >= len(slot.turns):
        live_turn = None
        events.append(ShowEvent("turns_done", now, slot.id, cause="revised"))
    if live_turn is None:
        ended = [t.actual_end is not None for t in turns]
        nxt = next((k for k, t in enumerate(turns) if t.actual_start is None), None)
        if nxt is not None and all(ended[:nxt]):
            turns[nxt] = TurnRecord(actual_start=now)
            live_turn = nxt
            events.append(
                ShowEvent(
                    "turn_started", now, slot.id, nxt, slot.turns[nxt].speaker, cause="revised"
                )
            )
    return replace(rec, turns=tuple(turns), live_turn=live_turn), events
