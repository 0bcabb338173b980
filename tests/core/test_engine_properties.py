"""Invariants of the engine over random programmes and random operator actions (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import programme
from timekeeper.core.engine import (
    Action,
    ActionKind,
    Mode,
    Outcome,
    ShowState,
    advance,
    apply,
    new_show,
    replay,
)
from timekeeper.core.programme import Advance, Programme
from timekeeper.core.status import evaluate
from timekeeper.errors import TransitionError

T0 = datetime(2023, 11, 20, 8, 50, tzinfo=UTC)


@st.composite
def programmes(draw: st.DrawFn) -> Programme:
    n = draw(st.integers(1, 7))
    specs: list[dict[str, object]] = []
    minute = draw(st.integers(600, 660))  # 10:00-11:00 in Amsterdam, after T0
    for i in range(n):
        minute += draw(st.sampled_from([0, 0, 0, 5, 15]))
        length = draw(st.integers(1, 45))
        turns = draw(st.lists(st.integers(1, 8), max_size=3))
        if sum(turns) > length:
            turns = []
        specs.append(
            {
                "id": f"s{i}",
                "start": f"{minute // 60:02d}:{minute % 60:02d}",
                "minutes": length,
                "hard": draw(st.booleans()) and i > 0,
                "advance": draw(st.sampled_from([Advance.AUTO, Advance.AUTO, Advance.MANUAL])),
                "turns_advance": draw(st.sampled_from([Advance.AUTO, Advance.MANUAL])),
                "turns": [(f"p{j}", m) for j, m in enumerate(turns)],
            }
        )
        minute += length
    return programme(specs, start=draw(st.sampled_from([Advance.AUTO, Advance.MANUAL])))


actions = st.sampled_from(
    [
        Action(ActionKind.NEXT),
        Action(ActionKind.NEXT_TURN),
        Action(ActionKind.BACK),
        Action(ActionKind.EXTEND, minutes=1),
        Action(ActionKind.EXTEND, minutes=-1),
        Action(ActionKind.EXTEND, minutes=-20),
        Action(ActionKind.HOLD),
        Action(ActionKind.RELEASE),
        Action(ActionKind.JUMP, slot="s3"),
        Action(ActionKind.END),
    ]
)
steps = st.lists(st.tuples(st.integers(0, 900), st.one_of(st.none(), actions)), max_size=25)


def _check(state: ShowState, now: datetime) -> None:
    status = evaluate(state, now)
    live = [v for v in status.slots if v.outcome is Outcome.LIVE]
    assert len(live) == (1 if status.mode is Mode.LIVE else 0)
    started = [v.actual_start for v in status.slots if v.actual_start is not None]
    assert started == sorted(started)
    for v in status.slots:
        if v.actual_end is not None:
            assert v.actual_start is not None and v.actual_end >= v.actual_start
    pending = [v for v in status.slots if v.outcome is Outcome.PENDING]
    starts = [v.expected_start for v in pending]
    assert all(s is not None and s >= now for s in starts)
    assert starts == sorted(starts)  # type: ignore[type-var]
    for v in pending:
        if v.slot.hard and not status.held and v.slot.start >= now:
            assert v.expected_start == v.slot.start
    if status.countdown is not None:
        assert status.countdown.remaining == status.countdown.deadline - now


@settings(max_examples=300, deadline=None)
@given(programmes(), steps)
def test_invariants_hold_through_any_sequence_of_actions(prog: Programme, plan: list[Any]) -> None:
    now = T0
    state = new_show(prog, now)
    log: list[tuple[datetime, Action]] = []
    for seconds, action in plan:
        previous = evaluate(state, now)
        later = now + timedelta(seconds=seconds * 10)
        # without an action, expected starts never go backwards as time passes
        status = evaluate(state, later)
        before = {v.index: v.expected_start for v in previous.slots if v.outcome is Outcome.PENDING}
        for v in status.slots:
            if v.outcome is Outcome.PENDING and v.index in before:
                assert v.expected_start >= before[v.index]  # type: ignore[operator]
        now = later
        state, _ = advance(state, now)
        _check(state, now)
        if action is not None:
            try:
                state, _ = apply(state, action, now)
                log.append((now, action))
            except TransitionError:
                pass
            _check(state, now)
    end = now + timedelta(hours=6)
    final, _ = advance(state, end)
    again = replay(prog, T0, log, end)
    assert again.records == final.records and again.mode == final.mode


@settings(max_examples=100, deadline=None)
@given(programmes())
def test_untouched_show_runs_every_slot_once_in_order(prog: Programme) -> None:
    state, events = advance(new_show(prog, T0), T0 + timedelta(days=1))
    started = [e.slot for e in events if e.kind == "slot_started"]
    assert started == sorted(started, key=lambda s: prog.index(s or ""))
    assert len(set(started)) == len(started)
    if prog.event.start is Advance.AUTO and not any(s.manual for s in prog.slots):
        assert state.mode is Mode.ENDED
