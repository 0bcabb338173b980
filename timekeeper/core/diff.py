"""The difference between two versions of a programme, as data (docs/changes.md).

Owns how slots are matched across versions (`match`: by `id`, then by title),
what changed per slot (`diff`: added, removed, moved, retimed, retitled,
speakers, turns, scene, hard, manual, other settings) and the effect on the
forecast (`forecast_effect`: which expected starts move, and the new end of the
show, both from `status.evaluate`); turns inside a slot are matched by speaker
(`turn_changes`), so a removed turn is one change, not a shift of every later
position. Nothing here is text for a person: that is
`timekeeper.programme.difftext`. Pure: no clock, no files.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from timekeeper.core.programme import Programme, Slot, Turn
from timekeeper.core.state import ShowState, new_show
from timekeeper.core.status import evaluate


class Change(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    MOVED = "moved"  # its place in the running order changed
    RETIMED = "retimed"  # planned start or duration
    RETITLED = "retitled"
    SPEAKERS = "speakers"
    TURNS = "turns"
    SCENE = "scene"
    HARD = "hard"
    MANUAL = "manual"  # advance: auto <-> manual
    OTHER = "other"  # any other setting (actions, texts, transition, thresholds, notes)


# Slot fields compared as "other" settings, with the word a person reads.
OTHER_FIELDS = {
    "on_start": "on_start",
    "on_end": "on_end",
    "texts": "texts",
    "transition": "transition",
    "warning": "warning",
    "danger": "danger",
    "turns_advance": "turns_advance",
    "notes": "notes",
    "give_way": "give_way",
}
EVENT_FIELDS = ("title", "subtitle", "date", "timezone", "venue", "start")


@dataclass(frozen=True)
class SlotChange:
    """One slot across two versions: `old`/`new` is None when it was added/removed."""

    old: Slot | None
    new: Slot | None
    old_index: int | None
    new_index: int | None
    changes: tuple[Change, ...]
    other: tuple[str, ...] = ()  # the names of the other settings that changed

    @property
    def slot(self) -> Slot:
        """The slot as it is now (as it was, when removed)."""
        slot = self.new if self.new is not None else self.old
        assert slot is not None
        return slot


class TurnEdit(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    REPLACED = "replaced"  # another speaker in the same place
    RETIMED = "retimed"  # the same speaker, another duration
    MOVED = "moved"  # the same speaker, another place in the order
    DETAILS = "details"  # title, warning or danger


@dataclass(frozen=True)
class TurnChange:
    """One turn across two versions of a slot; `old`/`new` is None when added/removed."""

    old: Turn | None
    new: Turn | None
    old_index: int | None
    new_index: int | None
    edits: tuple[TurnEdit, ...]


@dataclass(frozen=True)
class Shift:
    """An expected start that moves with the change (before/after: None when not expected)."""

    slot_id: str
    title: str
    before: datetime | None
    after: datetime | None


@dataclass(frozen=True)
class ForecastEffect:
    shifts: tuple[Shift, ...]
    end_before: datetime  # expected (or actual) end of the show
    end_after: datetime


@dataclass(frozen=True)
class ProgrammeDiff:
    slots: tuple[SlotChange, ...]  # every slot, the new running order with removed ones in place
    event: tuple[str, ...] = ()  # event fields that changed
    obs: bool = False  # the obs: section changed
    late: bool = False  # the late: section (the running-late policy) changed
    forecast: ForecastEffect | None = field(default=None)

    @property
    def changed(self) -> tuple[SlotChange, ...]:
        return tuple(s for s in self.slots if s.changes)

    @property
    def same(self) -> bool:
        """Nothing a show would notice differs (the forecast follows from the rest)."""
        return not self.changed and not self.event and not self.obs and not self.late


def match(old: Programme, new: Programme) -> dict[int, int]:
    """Old slot index -> new slot index, for the slots that are the same slot.

    First by id (an id written in the file, or the one made from the title);
    then a slot left unmatched in the new version takes the first unmatched old
    slot with the same title. Everything else was added or removed.
    """
    pairs: dict[int, int] = {}
    by_id = {slot.id: i for i, slot in enumerate(old.slots)}
    for j, slot in enumerate(new.slots):
        i = by_id.get(slot.id)
        if i is not None and i not in pairs:
            pairs[i] = j
    taken = set(pairs.values())
    for j, slot in enumerate(new.slots):
        if j in taken:
            continue
        for i, before in enumerate(old.slots):
            if i not in pairs and before.title == slot.title:
                pairs[i] = j
                taken.add(j)
                break
    return pairs


def diff(old: Programme, new: Programme) -> ProgrammeDiff:
    """What changed from `old` to `new`, slot by slot (without the forecast)."""
    pairs = match(old, new)
    moved = _moved(pairs)
    back = {j: i for i, j in pairs.items()}
    rows: list[SlotChange] = []
    removed = [i for i in range(len(old.slots)) if i not in pairs]
    for j, slot in enumerate(new.slots):
        i = back.get(j)
        if i is None:
            rows.append(SlotChange(None, slot, None, j, (Change.ADDED,)))
            continue
        rows.append(_compare(old.slots[i], slot, i, j, i in moved))
    for i in removed:  # placed after the new slot that follows the old one before it
        place = _place_of_removed(i, pairs, rows)
        rows.insert(place, SlotChange(old.slots[i], None, i, None, (Change.REMOVED,)))
    event = tuple(f for f in EVENT_FIELDS if getattr(old.event, f) != getattr(new.event, f))
    return ProgrammeDiff(tuple(rows), event, old.obs != new.obs, old.late != new.late)


def _place_of_removed(i: int, pairs: dict[int, int], rows: list[SlotChange]) -> int:
    before = [pairs[k] for k in range(i) if k in pairs]
    if not before:
        return 0
    anchor = max(before)
    for place, row in enumerate(rows):
        if row.new_index == anchor:
            return place + 1
    return len(rows)


def _compare(old: Slot, new: Slot, i: int, j: int, moved: bool) -> SlotChange:
    changes: list[Change] = []
    if moved:
        changes.append(Change.MOVED)
    if old.start != new.start or old.duration != new.duration:
        changes.append(Change.RETIMED)
    if old.title != new.title:
        changes.append(Change.RETITLED)
    if old.speakers != new.speakers:
        changes.append(Change.SPEAKERS)
    if old.turns != new.turns:
        changes.append(Change.TURNS)
    if old.scene != new.scene:
        changes.append(Change.SCENE)
    if old.hard != new.hard:
        changes.append(Change.HARD)
    if old.advance != new.advance:
        changes.append(Change.MANUAL)
    other = tuple(name for f, name in OTHER_FIELDS.items() if getattr(old, f) != getattr(new, f))
    if other:
        changes.append(Change.OTHER)
    return SlotChange(old, new, i, j, tuple(changes), other)


def match_turns(old: tuple[Turn, ...], new: tuple[Turn, ...]) -> dict[int, int]:
    """Old turn index -> new turn index: a speaker's turn is the same turn (repeats in order)."""
    pairs: dict[int, int] = {}
    for j, turn in enumerate(new):
        for i, before in enumerate(old):
            if i not in pairs and before.speaker == turn.speaker:
                pairs[i] = j
                break
    return pairs


def turn_changes(old: tuple[Turn, ...], new: tuple[Turn, ...]) -> tuple[TurnChange, ...]:
    """What changed in a slot's turns, as a stage manager counts: turns matched by speaker.

    A turn removed is one change (the turns after it are the same turns); an
    unmatched old and new turn between the same matched neighbours is one turn
    given to another speaker (`REPLACED`). In the new order, removed ones in place.
    """
    pairs = match_turns(old, new)
    moved = _moved(pairs)
    gone = _by_anchor([i for i in range(len(old)) if i not in pairs], pairs, new_side=False)
    came = _by_anchor([j for j in range(len(new)) if j not in pairs.values()], pairs, True)
    replaced: dict[int, int] = {}  # new index -> old index
    for anchor, news in came.items():
        for j, k in zip(news, gone.get(anchor, []), strict=False):
            replaced[j] = k
    back = {j: i for i, j in pairs.items()}
    rows: list[TurnChange] = []
    for j, turn in enumerate(new):
        i = back.get(j)
        if i is not None:
            edits = _turn_edits(old[i], turn, i in moved)
            if edits:
                rows.append(TurnChange(old[i], turn, i, j, edits))
        elif j in replaced:
            was = old[replaced[j]]
            edits = (TurnEdit.REPLACED, *_turn_edits(was, replace(turn, speaker=was.speaker)))
            rows.append(TurnChange(was, turn, replaced[j], j, edits))
        else:
            rows.append(TurnChange(None, turn, None, j, (TurnEdit.ADDED,)))
    used = set(replaced.values())
    for i in range(len(old)):
        if i in pairs or i in used:
            continue
        anchor = _anchor_new(i, pairs)
        place = next(
            (p for p, r in enumerate(rows) if r.new_index is not None and r.new_index >= anchor),
            len(rows),
        )
        rows.insert(place, TurnChange(old[i], None, i, None, (TurnEdit.REMOVED,)))
    return tuple(rows)


def _anchor_new(i: int, pairs: dict[int, int]) -> int:
    """Where removed old turn `i` sits in the new order: after its predecessor's new place."""
    before = [pairs[k] for k in range(i) if k in pairs]
    return max(before) + 1 if before else 0


def _by_anchor(indices: list[int], pairs: dict[int, int], new_side: bool) -> dict[int, list[int]]:
    """Unmatched indices grouped by the new index of the matched turn before them (-1: none)."""
    new_of = sorted(pairs.values()) if new_side else []
    groups: dict[int, list[int]] = {}
    for k in indices:
        if new_side:
            anchor = max((j for j in new_of if j < k), default=-1)
        else:
            anchor = max((pairs[i] for i in range(k) if i in pairs), default=-1)
        groups.setdefault(anchor, []).append(k)
    return groups


def _turn_edits(a: Turn, b: Turn, moved: bool = False) -> tuple[TurnEdit, ...]:
    edits = [TurnEdit.MOVED] if moved else []
    if a.duration != b.duration:
        edits.append(TurnEdit.RETIMED)
    if replace(a, duration=b.duration) != b:
        edits.append(TurnEdit.DETAILS)
    return tuple(edits)


def _moved(pairs: dict[int, int]) -> set[int]:
    """Old indices of matched slots that changed place: all but a longest run kept in order."""
    order = [i for i, _ in sorted(pairs.items(), key=lambda p: p[1])]  # old indices, new order
    if not order:
        return set()
    # longest increasing subsequence (patience sorting, with predecessors)
    tails: list[int] = []  # positions in `order`
    prev: list[int | None] = [None] * len(order)
    for pos, value in enumerate(order):
        lo, hi = 0, len(tails)
        while lo < hi:
            mid = (lo + hi) // 2
            if order[tails[mid]] < value:
                lo = mid + 1
            else:
                hi = mid
        prev[pos] = tails[lo - 1] if lo else None
        if lo == len(tails):
            tails.append(pos)
        else:
            tails[lo] = pos
    keep: set[int] = set()
    cursor: int | None = tails[-1]
    while cursor is not None:
        keep.add(order[cursor])
        cursor = prev[cursor]
    return set(order) - keep


def show_end(state: ShowState, now: datetime) -> datetime:
    """The expected end of the show at `now` (its actual end once it has ended)."""
    status = evaluate(state, now)
    return state.programme.slots[-1].end + status.end_delta


def forecast_effect(before: ShowState, after: ShowState, now: datetime) -> ForecastEffect:
    """Which expected starts move from `before` to `after` (the same show, revised), at `now`."""
    old, new = evaluate(before, now), evaluate(after, now)
    pairs = match(before.programme, after.programme)
    shifts = []
    for i, j in sorted(pairs.items(), key=lambda p: p[1]):
        a, b = old.slots[i], new.slots[j]
        if a.actual_start is not None:
            continue  # it has started: history, not forecast
        if a.expected_start != b.expected_start:
            shifts.append(Shift(b.slot.id, b.slot.title, a.expected_start, b.expected_start))
    return ForecastEffect(tuple(shifts), show_end(before, now), show_end(after, now))


def planned_diff(old: Programme, new: Programme) -> ProgrammeDiff:
    """The difference of two files with no show running: the forecast is the plan itself."""
    t0 = min(old.start, new.start)
    effect = forecast_effect(new_show(old, t0), new_show(new, t0), t0)
    return replace(diff(old, new), forecast=effect)


def running_diff(before: ShowState, after: ShowState, now: datetime) -> ProgrammeDiff:
    """The difference a revision makes to a running show (`after` = the revised state)."""
    effect = forecast_effect(before, after, now)
    return replace(diff(before.programme, after.programme), forecast=effect)
