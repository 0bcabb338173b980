"""`ShowSession.boundary_ahead`: the next slot start the show makes by itself, and when.

Pure: a manual clock, no event loop. The director arms a switch only for what this says.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from tests.factories import at
from timekeeper.core.clock import ManualClock
from timekeeper.core.engine import Action, ActionKind
from timekeeper.core.modes import RunMode
from timekeeper.show.session import ShowSession

from .test_director import SEED

NEAR = timedelta(seconds=3)


def session_at(when: str) -> tuple[ShowSession, ManualClock]:
    clock = ManualClock(at(when))
    session = ShowSession(SEED, clock, RunMode.LIVE)
    session.tick()
    return session, clock


def started(session: ShowSession, within: timedelta = NEAR) -> tuple[object, str | None] | None:
    ahead = session.boundary_ahead(within)
    if ahead is None:
        return None
    (start,) = [e for e in ahead.events if e.kind == "slot_started"]
    return ahead.at, start.slot


def test_the_first_planned_start_and_an_auto_deadline_are_boundaries_ahead() -> None:
    session, clock = session_at("15:29:58")
    assert started(session) == (at("15:30"), "introduction")
    clock.set(at("15:30"))
    session.tick()
    assert started(session) is None  # the keynote is five minutes away
    assert started(session, timedelta(minutes=6)) == (at("15:35"), "keynote")


def test_an_extension_moves_the_boundary_and_nothing_is_applied() -> None:
    session, clock = session_at("15:30")
    clock.set(at("15:34:58"))
    before = session.state
    assert started(session) == (at("15:35"), "keynote")
    assert session.state is before  # a forecast: the show is as it was
    session.act(Action(ActionKind.EXTEND, minutes=1))
    assert started(session) is None
    assert started(session, timedelta(minutes=2)) == (at("15:36"), "keynote")


def test_a_manual_slot_and_a_hold_have_no_boundary_ahead() -> None:
    session, clock = session_at("17:10")  # the Q&A is manual: it ends when the operator says
    assert session.state.live is not None
    clock.set(at("17:29:58"))
    assert started(session) is None  # at 17:30 the manual Q&A counts into overtime
    session, clock = session_at("15:34:58")
    session.act(Action(ActionKind.HOLD))
    assert started(session) is None


def test_a_hard_start_cuts_a_manual_slot_on_time_and_is_a_boundary() -> None:
    slots = tuple(replace(s, hard=True) if s.id == "reception" else s for s in SEED.slots)
    clock = ManualClock(at("17:29:58"))
    session = ShowSession(replace(SEED, slots=slots), clock, RunMode.LIVE)
    session.tick()
    assert started(session) == (at("17:30"), "reception")
