"""The running-late proposal: who gives way so the show meets its hard starts and its end.

Owns `misses(state, now)` (how late the forecast reaches each target: every
coming hard start, and the planned end of the show) and `propose(state, now)`
(a new version of what has not happened that meets them, or the one that
overruns least). The rules are docs/running-late.md's: a hard start never moves
and no planned start changes; gaps absorb first (the forecast does that by
itself); then the slots the policy's `order` names, in that order (by default:
the breaks, slots with neither speakers nor turns); then everything else
evenly, a whole minute at a time, the longest first; nothing below its
`GiveWay` floor; the live slot gives way only through its turns that have not
run (the live turn's time left, the coming turns): its own length is the
operator's, with + and −; a turn that has run is untouched. The proposal is a
`Programme` applied with `revise.revise`, like a live edit, so it has the same
diff; `Lengths` is how the as-run log keeps it. Pure and deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from timekeeper.core.programme import GiveWay, Programme, Slot
from timekeeper.core.revise import revise
from timekeeper.core.rules import slot_deadline
from timekeeper.core.state import Mode, Outcome, ShowState
from timekeeper.core.transitions import advance

ZERO = timedelta(0)
MINUTE = timedelta(minutes=1)
DEFAULT = GiveWay()
FIXED = GiveWay(fixed=True)


@dataclass(frozen=True)
class Target:
    """An instant the show must meet: a hard start, or the planned end of the show."""

    slot_id: str  # the hard slot; for the end, the last slot
    title: str
    at: datetime  # planned, UTC
    end: bool = False  # the planned end of the show


@dataclass(frozen=True)
class Miss:
    """How late the forecast reaches a target (zero or negative: it is met)."""

    target: Target
    late: timedelta


@dataclass(frozen=True)
class Shortening:
    """One slot or turn given less time; `turn` is None for the slot itself."""

    slot_id: str
    title: str
    turn: int | None
    speaker: str | None
    before: timedelta
    after: timedelta


@dataclass(frozen=True)
class Lengths:
    """A proposal as the as-run log keeps it: the new length of each slot and turn it changes.

    Applied to the plan as it stands at the same instant, it gives the proposal's
    programme again (a resume, a report); with the old lengths it takes it back.
    """

    items: tuple[tuple[str, int | None, timedelta], ...]  # (slot id, turn index or None, length)

    def apply(self, programme: Programme) -> Programme:
        slots = list(programme.slots)
        for slot_id, turn, length in self.items:
            i = programme.index(slot_id)
            if turn is None:
                slots[i] = replace(slots[i], duration=length)
            else:
                turns = list(slots[i].turns)
                turns[turn] = replace(turns[turn], duration=length)
                slots[i] = replace(slots[i], turns=tuple(turns))
        return replace(programme, slots=tuple(slots))

    def to_json(self) -> list[dict[str, object]]:
        return [
            {"slot": s, "turn": t, "seconds": length.total_seconds()} for s, t, length in self.items
        ]

    @classmethod
    def from_json(cls, data: object) -> Lengths:
        """The lengths of a logged proposal (ValueError when it is not one)."""
        if not isinstance(data, list):
            raise ValueError("a proposal's lengths are a list")
        items = []
        for item in data:
            if not isinstance(item, dict):
                raise ValueError(f"not a proposal's length: {item!r}")
            slot, turn, seconds = item.get("slot"), item.get("turn"), item.get("seconds")
            if not isinstance(slot, str) or not isinstance(seconds, int | float):
                raise ValueError(f"not a proposal's length: {item!r}")
            index = turn if isinstance(turn, int) else None
            items.append((slot, index, timedelta(seconds=seconds)))
        return cls(tuple(items))


@dataclass(frozen=True)
class Proposal:
    """A revision that answers a late forecast (`before`), with the forecast it gives (`after`)."""

    at: datetime
    before: tuple[Miss, ...]
    after: tuple[Miss, ...]
    shortenings: tuple[Shortening, ...]
    programme: Programme

    @property
    def late(self) -> timedelta:
        """The worst miss it answers."""
        return max((m.late for m in self.before), default=ZERO)

    @property
    def lengths(self) -> Lengths:
        """What it changes: the new lengths (slots first, then their turns)."""
        return _lengths(self.shortenings, self.programme, new=True)

    @property
    def undo(self) -> Lengths:
        """The old lengths of everything it changes: applying them takes it back."""
        return _lengths(self.shortenings, self.programme, new=False)

    @property
    def overrun(self) -> timedelta:
        """By how much the show still misses its worst target with the proposal (0: meets all)."""
        return max([ZERO, *(m.late for m in self.after)])


def _lengths(shortenings: tuple[Shortening, ...], programme: Programme, new: bool) -> Lengths:
    items: list[tuple[str, int | None, timedelta]] = []
    for sid in dict.fromkeys(s.slot_id for s in shortenings):
        rows = [s for s in shortenings if s.slot_id == sid]
        slot = programme.slots[programme.index(sid)]
        given = sum((r.before - r.after for r in rows), ZERO)
        items.append((sid, None, slot.duration if new else slot.duration + given))
        items += [(sid, r.turn, r.after if new else r.before) for r in rows if r.turn is not None]
    return Lengths(tuple(items))


def moved(dismissed: tuple[Miss, ...], now: tuple[Miss, ...], threshold: timedelta) -> bool:
    """Has the forecast moved by more than `threshold` since a proposal was dismissed?"""
    before = {m.target: m.late for m in dismissed}
    return any(abs(m.late - before.get(m.target, ZERO)) > threshold for m in now)


def give_way(slot: Slot, last: bool) -> GiveWay:
    """A slot's policy: its own, else the default (the show's last slot is its close: fixed)."""
    if slot.give_way is not None:
        return slot.give_way
    return FIXED if last else DEFAULT


def misses(state: ShowState, now: datetime) -> tuple[Miss, ...]:
    """Every coming target with how late the forecast reaches it, in running order.

    A hard start is reached late by as much as what runs before it is forecast
    to end after it (the forecast without the cut); the end of the show by as
    much as the last slot is forecast to end after its planned end.
    """
    state, _ = advance(state, now)
    now = max(now, state.as_of)
    if state.mode is Mode.ENDED:
        return ()
    slots, out = state.programme.slots, []
    cursor: datetime | None = None
    for slot, rec in zip(slots, state.records, strict=True):
        if rec.outcome is Outcome.LIVE:
            cursor = slot_deadline(slot, rec)
            if slot.manual or state.held:
                cursor = max(cursor, now)
        elif rec.outcome is Outcome.PENDING:
            if slot.hard:
                if cursor is not None:
                    out.append(Miss(Target(slot.id, slot.title, slot.start), cursor - slot.start))
                start = max(slot.start, now)
            else:
                start = max(slot.start, now, cursor or slot.start)
            cursor = start + slot.duration
        elif rec.actual_end is not None:
            cursor = rec.actual_end
    last, rec = slots[-1], state.records[-1]
    if cursor is not None and rec.outcome in (Outcome.PENDING, Outcome.LIVE):
        out.append(Miss(Target(last.id, last.title, last.end, end=True), cursor - last.end))
    return tuple(out)


def propose(state: ShowState, now: datetime) -> Proposal | None:
    """The proposal for the show at `now`, or None when no target is missed by more than
    the policy's threshold. Raises nothing: a proposal that cannot meet a target says
    by how much it still overruns (`Proposal.overrun`)."""
    state, _ = advance(state, now)
    now = max(now, state.as_of)
    before = misses(state, now)
    threshold = state.programme.late.threshold
    if not any(m.late > threshold for m in before):
        return None
    pieces = _pieces(state, now)
    for miss in before:
        if miss.late > ZERO:
            _absorb(state, pieces, miss, _ceil_minute(miss.late))
    programme, shortenings = _apply(state.programme, pieces)
    revised, _ = revise(state, programme, now, by="proposal")
    return Proposal(now, before, misses(revised, now), shortenings, programme)


@dataclass
class _Piece:
    """Something that may give way: a slot, or one turn of a slot (mutable while sharing)."""

    slot: int
    turn: int | None
    planned: timedelta
    floor: timedelta
    length: timedelta = ZERO  # as proposed so far (set from `planned`)

    def __post_init__(self) -> None:
        self.length = self.planned


def _pieces(state: ShowState, now: datetime) -> dict[int, tuple[list[_Piece], timedelta]]:
    """Per slot index: what of it may give way, and how much the slot may give in all."""
    slots, out = state.programme.slots, {}
    for i, (slot, rec) in enumerate(zip(slots, state.records, strict=True)):
        way = give_way(slot, i == len(slots) - 1)
        if way.fixed or rec.outcome not in (Outcome.PENDING, Outcome.LIVE):
            continue
        cap = slot.duration - way.floor(slot.duration)
        if rec.outcome is Outcome.LIVE:
            cap = min(cap, slot_deadline(slot, rec) - now - MINUTE)
        if cap <= ZERO:
            continue
        if not slot.turns:
            if rec.outcome is Outcome.PENDING:  # the live slot's own time is the operator's (±)
                out[i] = ([_Piece(i, None, slot.duration, slot.duration - cap)], cap)
            continue
        turns = []
        for k, turn in enumerate(slot.turns):
            floor = (turn.give_way or DEFAULT).floor(turn.duration)
            if rec.outcome is Outcome.LIVE:
                trec = rec.turns[k]
                if trec.actual_end is not None or (rec.live_turn or 0) > k:
                    continue  # it has run (or the turns moved past it): untouched
                if trec.actual_start is not None:
                    floor = max(floor, _ceil_minute(now - trec.actual_start) + MINUTE)
            if floor < turn.duration:
                turns.append(_Piece(i, k, turn.duration, floor))
        out[i] = (turns, cap)
    return out


def _absorb(
    state: ShowState,
    pieces: dict[int, tuple[list[_Piece], timedelta]],
    miss: Miss,
    need: timedelta,
) -> None:
    """Shorten what runs before `miss`'s target (back to the previous hard start) by `need`."""
    slots = state.programme.slots
    stop = len(slots) if miss.target.end else state.programme.index(miss.target.slot_id)
    first = max(
        (i for i in range(stop) if slots[i].hard and state.records[i].outcome is Outcome.PENDING),
        default=0,
    )
    segment = [i for i in range(first, stop) if i in pieces]
    for group in _groups(state.programme, segment):
        need = _share([p for i in group for p in pieces[i][0]], pieces, need)
        if need <= ZERO:
            return


def _groups(programme: Programme, segment: list[int]) -> list[list[int]]:
    """Slot indices in the order they give way: the policy's order (else breaks), then the rest."""
    order = programme.late.order
    if order:
        first = [[programme.index(sid)] for sid in order if programme.index(sid) in segment]
    else:
        breaks = [i for i in segment if not programme.slots[i].speakers]
        breaks = [i for i in breaks if not programme.slots[i].turns]
        first = [breaks] if breaks else []
    named = {i for group in first for i in group}
    rest = [i for i in segment if i not in named]
    return [*first, rest] if rest else first


def _share(
    group: list[_Piece], pieces: dict[int, tuple[list[_Piece], timedelta]], need: timedelta
) -> timedelta:
    """Take `need` from `group` evenly: rounds of a minute from each, the longest first."""
    while need > ZERO:
        ready = [p for p in group if _room(p, pieces) > ZERO]
        if not ready:
            break
        ready.sort(key=lambda p: (-p.length, p.slot, p.turn or 0))
        for piece in ready:
            step = min(MINUTE, _room(piece, pieces), need)
            if step <= ZERO:
                continue
            piece.length -= step
            need -= step
            if need <= ZERO:
                break
    return need


def _room(piece: _Piece, pieces: dict[int, tuple[list[_Piece], timedelta]]) -> timedelta:
    """How much more this piece may give: its own floor, and what its slot may give in all."""
    members, cap = pieces[piece.slot]
    given = sum((p.planned - p.length for p in members), ZERO)
    return min(piece.length - piece.floor, cap - given)


def _apply(
    programme: Programme, pieces: dict[int, tuple[list[_Piece], timedelta]]
) -> tuple[Programme, tuple[Shortening, ...]]:
    """The programme with the pieces' new lengths, and one `Shortening` per piece that gave."""
    slots, shortenings = list(programme.slots), []
    for i, (members, _cap) in sorted(pieces.items()):
        slot = slots[i]
        given = sum((p.planned - p.length for p in members), ZERO)
        if given <= ZERO:
            continue
        turns = list(slot.turns)
        for p in members:
            if p.turn is not None and p.length != p.planned:
                turns[p.turn] = replace(turns[p.turn], duration=p.length)
                speaker = slot.turns[p.turn].speaker
                shortenings.append(
                    Shortening(slot.id, slot.title, p.turn, speaker, p.planned, p.length)
                )
        if not slot.turns:
            shortenings.append(
                Shortening(slot.id, slot.title, None, None, slot.duration, slot.duration - given)
            )
        slots[i] = replace(slot, duration=slot.duration - given, turns=tuple(turns))
    return replace(programme, slots=tuple(slots)), tuple(shortenings)


def _ceil_minute(delta: timedelta) -> timedelta:
    """Up to a whole minute: a stage manager gives and takes whole minutes."""
    minutes = -(-delta.total_seconds() // 60)
    return timedelta(minutes=max(0.0, minutes))
