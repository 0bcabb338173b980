"""Invariants of the running-late proposal over random delays and policies (hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from tests.core.test_proposal import seed
from tests.factories import at, mins
from timekeeper.core.programme import GiveWay, LatePolicy, Programme
from timekeeper.core.proposal import give_way, propose
from timekeeper.core.rehearse import late_show
from timekeeper.core.revise import revise
from timekeeper.core.state import Outcome
from timekeeper.core.status import evaluate

SEED = seed()


def ways(length: timedelta) -> st.SearchStrategy[GiveWay | None]:
    whole = int(length.total_seconds() // 60)
    minimum = st.integers(1, max(1, whole - 1)).map(lambda m: GiveWay(minimum=mins(m)))
    return st.one_of(st.none(), st.just(GiveWay(fixed=True)), minimum)


@st.composite
def policies(draw: st.DrawFn) -> Programme:
    slots = []
    for slot in SEED.slots:
        turns = tuple(replace(t, give_way=draw(ways(t.duration))) for t in slot.turns)
        hard = slot.hard or (slot.id in ("panel", "qa", "reception") and draw(st.booleans()))
        slots.append(replace(slot, give_way=draw(ways(slot.duration)), turns=turns, hard=hard))
    ids = [s.id for s in SEED.slots]
    order = tuple(draw(st.lists(st.sampled_from(ids), unique=True, max_size=3)))
    threshold = mins(draw(st.integers(1, 5)))
    return replace(SEED, slots=tuple(slots), late=LatePolicy(threshold, order))


@settings(max_examples=150, deadline=None)
@given(policies(), st.integers(2, 90), st.integers(6, 115))
def test_a_proposal_never_moves_a_hard_start_nor_shrinks_below_a_minimum(
    programme: Programme, late: int, minute: int
) -> None:
    now = at("15:30") + mins(minute)
    assume(now - mins(late) > at("15:30"))
    state = late_show(programme, mins(late), now)
    proposal = propose(state, now)
    event("a proposal" if proposal is not None else "on time")
    if proposal is None:
        return
    event("meets every target" if proposal.overrun == timedelta(0) else "still overruns")
    assert propose(state, now) == proposal  # deterministic
    old, new = state.programme.slots, proposal.programme.slots
    for i, (a, b) in enumerate(zip(old, new, strict=True)):
        assert (a.id, a.start, a.hard) == (b.id, b.start, b.hard)  # no planned start moves
        rec = state.records[i]
        way = give_way(a, i == len(old) - 1)
        if rec.outcome not in (Outcome.PENDING, Outcome.LIVE) or way.fixed:
            assert b == a  # history, and what is fixed, never changes
            continue
        assert b.duration >= way.floor(a.duration)
        for k, (ta, tb) in enumerate(zip(a.turns, b.turns, strict=True)):
            assert tb.duration >= (ta.give_way or GiveWay()).floor(ta.duration)
            if rec.outcome is Outcome.LIVE and rec.turns[k].actual_end is not None:
                assert tb == ta  # a panellist who has spoken is untouched
    assert proposal.overrun <= proposal.late
    revised, _ = revise(state, proposal.programme, now, by="proposal")
    status = evaluate(revised, now)
    for view in status.slots:
        if view.slot.hard and view.outcome is Outcome.PENDING and view.slot.start >= now:
            assert view.expected_start == view.slot.start  # a hard start never moves
