"""The forecast: what every screen shows, computed from the show state at an instant.

`evaluate(state, now)` is pure and cheap (one pass forward, one back over the
slots), so the dashboard recomputes it every frame from the clock instead of
counting ticks: the display can never drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from timekeeper.core.countdown import Phase, phase_at
from timekeeper.core.programme import Advance, Slot, Turn
from timekeeper.core.rules import Limit, slot_deadline, slot_limit, turn_limit
from timekeeper.core.state import Mode, Outcome, ShowState
from timekeeper.core.transitions import advance

ZERO = timedelta(0)


@dataclass(frozen=True)
class Cut:
    """The hard start that ends a countdown before its own deadline (docs/timing.md "limit")."""

    slot_id: str  # the hard slot
    title: str
    at: datetime  # its planned start: where the countdown ends
    deadline: datetime  # the countdown's own deadline, which the cut comes before
    label: str  # "until Reception, 17:30 — hard start", for every surface alike


@dataclass(frozen=True)
class Countdown:
    """A running countdown as timestamps (followers recompute it on their own clocks).

    `deadline` is the instant it counts to, its *limit*: its own deadline, or the
    planned start of the hard slot that will cut it first (then `cut` says which,
    and `warning_at`/`danger_at` come before the cut).
    """

    start: datetime
    deadline: datetime
    warning_at: datetime
    danger_at: datetime
    now: datetime
    cut: Cut | None = None

    @property
    def own_deadline(self) -> datetime:
        """The deadline without the cut (actual start + duration + extensions)."""
        return self.cut.deadline if self.cut is not None else self.deadline

    @property
    def duration(self) -> timedelta:
        return self.deadline - self.start

    @property
    def elapsed(self) -> timedelta:
        return self.now - self.start

    @property
    def remaining(self) -> timedelta:
        """Negative in overtime."""
        return self.deadline - self.now

    @property
    def phase(self) -> Phase:
        return phase_at(
            self.remaining, self.deadline - self.warning_at, self.deadline - self.danger_at
        )

    @property
    def progress(self) -> float:
        total = self.duration.total_seconds()
        return 1.0 if total <= 0 else min(1.0, max(0.0, self.elapsed.total_seconds() / total))


@dataclass(frozen=True)
class SlotView:
    index: int
    slot: Slot
    outcome: Outcome
    expected_start: datetime | None  # actual once it has started; None when skipped
    expected_end: datetime | None
    actual_start: datetime | None
    actual_end: datetime | None
    adjustment: timedelta
    squeezed: bool = False  # a hard slot will cut it short (or leave it no time at all)

    @property
    def planned_start(self) -> datetime:
        return self.slot.start

    @property
    def planned_end(self) -> datetime:
        return self.slot.end

    @property
    def start_delta(self) -> timedelta | None:
        """Over/under at this slot's start: positive means late."""
        return None if self.expected_start is None else self.expected_start - self.slot.start

    @property
    def length(self) -> timedelta | None:
        """Actual (or expected) length."""
        if self.expected_start is None or self.expected_end is None:
            return None
        return self.expected_end - self.expected_start


@dataclass(frozen=True)
class TurnView:
    index: int
    turn: Turn
    expected_start: datetime | None
    actual_start: datetime | None
    actual_end: datetime | None
    live: bool


@dataclass(frozen=True)
class Status:
    at: datetime
    mode: Mode
    held: bool
    slots: tuple[SlotView, ...]
    live: SlotView | None
    countdown: Countdown | None  # the live slot's
    turns: tuple[TurnView, ...]  # of the live slot
    turn: TurnView | None  # the live turn
    turn_countdown: Countdown | None
    next: SlotView | None
    over_under: timedelta | None  # expected start of next - its planned start
    end_delta: timedelta  # expected (or actual) end of the show - planned end
    ended_at: datetime | None

    @property
    def next_turn(self) -> TurnView | None:
        if self.turn is None:
            return None
        later = [t for t in self.turns if t.index > self.turn.index]
        return later[0] if later else None

    @property
    def until_next(self) -> timedelta | None:
        """Time until the next slot's expected start."""
        if self.next is None or self.next.expected_start is None:
            return None
        return self.next.expected_start - self.at


def evaluate(state: ShowState, now: datetime) -> Status:
    """The status of the show at `now` (the state is first brought up to `now`)."""
    state, _ = advance(state, now)
    now = max(now, state.as_of)
    expected = _forecast(state, now)
    slots = tuple(_slot_view(state, i, expected[i]) for i in range(len(state.programme.slots)))
    live = slots[state.position] if state.mode is Mode.LIVE else None
    nxt_i = state.next_index if state.mode is not Mode.ENDED else None
    nxt = slots[nxt_i] if nxt_i is not None else None
    countdown = turn_countdown = None
    turns: tuple[TurnView, ...] = ()
    turn = None
    if live is not None:
        countdown = _slot_countdown(state, now)
        turns = _turn_views(state, now)
        turn = next((t for t in turns if t.live), None)
        if turn is not None:
            turn_countdown = _turn_countdown(state, turn, now)
    over_under = None
    if nxt is not None and nxt.start_delta is not None:
        over_under = nxt.start_delta
    return Status(
        at=now,
        mode=state.mode,
        held=state.held,
        slots=slots,
        live=live,
        countdown=countdown,
        turns=turns,
        turn=turn,
        turn_countdown=turn_countdown,
        next=nxt,
        over_under=over_under,
        end_delta=_end_delta(state, slots),
        ended_at=state.ended_at,
    )


def _end_delta(state: ShowState, slots: tuple[SlotView, ...]) -> timedelta:
    planned_end = state.programme.slots[-1].end
    if state.ended_at is not None:
        return state.ended_at - planned_end
    ends = [v.expected_end for v in slots if v.expected_end is not None]
    return (max(ends) if ends else planned_end) - planned_end


def _forecast(state: ShowState, now: datetime) -> list[tuple[datetime, datetime, bool] | None]:
    """Expected (start, end, squeezed) of every slot; actual times where known."""
    slots, records = state.programme.slots, state.records
    out: list[tuple[datetime, datetime, bool] | None] = [None] * len(slots)
    prev_end: datetime | None = None
    for i, (slot, rec) in enumerate(zip(slots, records, strict=True)):
        if rec.outcome is Outcome.SKIPPED:
            continue
        if rec.outcome in (Outcome.DONE, Outcome.CUT):
            assert rec.actual_start is not None and rec.actual_end is not None
            out[i] = (rec.actual_start, rec.actual_end, False)
            prev_end = rec.actual_end
        elif rec.outcome is Outcome.LIVE:
            assert rec.actual_start is not None
            end = slot_deadline(slot, rec)
            if slot.advance is Advance.MANUAL or state.held:
                end = max(end, now)
            out[i] = (rec.actual_start, end, False)
            prev_end = end
        else:
            start = max(slot.start, now)  # a hard slot, or nothing before it: its own time
            if not slot.hard and prev_end is not None:
                start = max(start, prev_end)
            out[i] = (start, start + slot.duration, False)
            prev_end = start + slot.duration
    return _cap_by_hard(state, out)


def _cap_by_hard(
    state: ShowState, out: list[tuple[datetime, datetime, bool] | None]
) -> list[tuple[datetime, datetime, bool] | None]:
    """A hard slot's planned start cuts whatever is expected to run into it."""
    cap: datetime | None = None
    for i in range(len(out) - 1, -1, -1):
        value, rec = out[i], state.records[i]
        if value is None:
            continue
        start, end, _ = value
        if rec.outcome in (Outcome.PENDING, Outcome.LIVE) and cap is not None and end > cap:
            out[i] = (min(start, cap), cap, True)
        if rec.outcome is Outcome.PENDING and state.programme.slots[i].hard:
            cap = start
        elif rec.outcome is not Outcome.PENDING:
            break
    return out


def _slot_view(
    state: ShowState, i: int, expected: tuple[datetime, datetime, bool] | None
) -> SlotView:
    rec = state.records[i]
    start, end, squeezed = expected if expected is not None else (None, None, False)
    return SlotView(
        index=i,
        slot=state.programme.slots[i],
        outcome=rec.outcome,
        expected_start=start,
        expected_end=end,
        actual_start=rec.actual_start,
        actual_end=rec.actual_end,
        adjustment=rec.adjustment,
        squeezed=squeezed,
    )


def _countdown(state: ShowState, start: datetime, limit: Limit, now: datetime) -> Countdown:
    cut = None
    if limit.cut_by is not None:
        hard = state.programme.slots[limit.cut_by]
        local = state.programme.local(hard.start)
        when = local.strftime("%H:%M:%S" if local.second else "%H:%M")
        label = f"until {hard.title}, {when} — hard start"
        cut = Cut(hard.id, hard.title, hard.start, limit.deadline, label)
    return Countdown(start, limit.at, limit.warning_at, limit.danger_at, now, cut)


def _slot_countdown(state: ShowState, now: datetime) -> Countdown:
    rec = state.records[state.position]
    assert rec.actual_start is not None
    return _countdown(state, rec.actual_start, slot_limit(state), now)


def _turn_countdown(state: ShowState, turn: TurnView, now: datetime) -> Countdown | None:
    limit = turn_limit(state)
    assert turn.actual_start is not None
    return None if limit is None else _countdown(state, turn.actual_start, limit, now)


def _turn_views(state: ShowState, now: datetime) -> tuple[TurnView, ...]:
    slot, rec = state.programme.slots[state.position], state.records[state.position]
    views = []
    cursor: datetime | None = None
    for j, (turn, trec) in enumerate(zip(slot.turns, rec.turns, strict=True)):
        live = rec.live_turn == j
        if trec.actual_start is not None:
            expected = trec.actual_start
            end = trec.actual_end or max(trec.actual_start + turn.duration, now)
        elif rec.live_turn is not None and j > rec.live_turn and cursor is not None:
            expected = cursor
            end = expected + turn.duration
        else:
            expected, end = None, None  # not reached: the turns moved past it
        views.append(TurnView(j, turn, expected, trec.actual_start, trec.actual_end, live))
        cursor = end
    return tuple(views)
