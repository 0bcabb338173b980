"""ShowSession: the one owner of the state publishes every change to its subscribers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from tests.factories import at, seed
from timekeeper.core.clock import ManualClock, SimulatedClock
from timekeeper.core.engine import Action, ActionKind, ShowEvent
from timekeeper.core.modes import RunMode
from timekeeper.errors import TransitionError
from timekeeper.show.session import ShowSession


def _session(start: str = "15:29") -> tuple[ShowSession, ManualClock, list[ShowEvent]]:
    clock = ManualClock(at(start))
    session = ShowSession(seed(), clock, RunMode.DRY)
    seen: list[ShowEvent] = []
    session.subscribe(seen.extend)
    return session, clock, seen


def test_tick_publishes_boundaries_at_their_own_instants() -> None:
    session, clock, seen = _session()
    clock.set(at("15:35:01"))
    session.tick()
    starts = [(e.slot, e.at) for e in seen if e.kind == "slot_started"]
    assert starts == [("introduction", at("15:30")), ("keynote", at("15:35"))]
    assert session.status().live.slot.id == "keynote"  # type: ignore[union-attr]


def test_operator_action_is_recorded_with_its_instant() -> None:
    session, clock, seen = _session("15:40")
    session.tick()
    seen.clear()
    session.act(Action(ActionKind.EXTEND, minutes=2))
    assert seen[0].kind == "operator" and seen[0].action == Action(ActionKind.EXTEND, minutes=2)
    assert seen[0].at == at("15:40")
    countdown = session.status().countdown
    assert countdown is not None and countdown.deadline == at("16:12")


def test_refused_action_changes_nothing_and_publishes_nothing() -> None:
    session, clock, seen = _session("15:00")
    session.tick()
    seen.clear()
    with pytest.raises(TransitionError):
        session.act(Action(ActionKind.NEXT_TURN))
    assert seen == []


def test_message_to_the_speaker_screens() -> None:
    session, clock, seen = _session()
    session.set_message("  Two minutes, please ", flash=True)
    assert session.message is not None and session.message.text == "Two minutes, please"
    assert seen[-1].kind == "message" and seen[-1].text == "Two minutes, please"
    session.set_message("")
    assert session.message is None


def test_rehearsal_flag_follows_clock_and_mode() -> None:
    assert ShowSession(seed(), ManualClock(at("15:00")), RunMode.DRY).rehearsal
    live = ShowSession(seed(), ManualClock(at("15:00"), simulated=False), RunMode.LIVE)
    assert not live.rehearsal


async def test_scheduler_runs_the_show_to_its_end_on_a_fast_clock() -> None:
    """At 20,000× the seed's three hours take about half a second of real time."""
    clock = SimulatedClock(at("15:29:59"), speed=20_000)
    session = ShowSession(seed(), clock, RunMode.DRY)
    seen: list[ShowEvent] = []
    session.subscribe(seen.extend)
    await asyncio.wait_for(session.run(), timeout=10)
    assert session.ended
    starts = [e.slot for e in seen if e.kind == "slot_started"]
    assert starts == ["introduction", "keynote", "panel", "qa", "reception"]
    # each boundary is stamped with its planned instant, however late the tick came
    assert [e.at for e in seen if e.kind == "slot_started"][2] == at("16:10")
    assert seen[-1].kind == "show_ended" and seen[-1].at == at("18:30")
    assert clock.now() - at("18:30") < timedelta(minutes=5)
