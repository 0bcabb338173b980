"""Speaker-screen scenes of the seed show: (name, raw snapshot, show instant), for display tests.

Each scene is the speaker protocol's snapshot message as the server sends it, so the
Python display and the page's JavaScript can be compared on exactly the same input.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.core.test_limits import qa_three_minutes_late
from tests.factories import at, seed
from timekeeper.core.clock import ManualClock
from timekeeper.core.engine import Action, ActionKind
from timekeeper.core.modes import RunMode
from timekeeper.show.session import ShowSession
from timekeeper.speaker.snapshot import build_snapshot


def _snap(session: ShowSession) -> dict[str, Any]:
    msg = session.message
    return build_snapshot(
        session.status(),
        session.programme,
        seq=1,
        speed=session.clock.speed,
        rehearsal=session.rehearsal,
        message=(msg.text, msg.flash, session.clock.now()) if msg is not None else None,
    )


def scenes() -> list[tuple[str, dict[str, Any], datetime]]:
    """Before the show, a keynote in each phase, a panel turn in overtime, a cut, the end."""
    out: list[tuple[str, dict[str, Any], datetime]] = []
    clock = ManualClock(at("15:25:01"))
    session = ShowSession(seed(), clock, RunMode.DRY)
    for name, when in (
        ("before", "15:25:01"),
        ("keynote", "15:40"),
        ("keynote-warning", "16:06"),
        ("keynote-danger", "16:09:30"),
        ("panel-turn", "16:11"),
        ("panel-turn-over", "16:14:20"),
        ("ended", "17:59"),
    ):
        clock.set(at(when))
        session.tick()
        if name == "ended":
            session.act(Action(ActionKind.NEXT))  # the reception is the last slot: n ends the show
        if name == "panel-turn-over":
            session.set_message("Please wrap up", flash=True)
        out.append((name, _snap(session), clock.now()))
    state = qa_three_minutes_late()
    cut_clock = ManualClock(at("17:29:50"))
    cut = ShowSession(state.programme, cut_clock, RunMode.DRY, state=state, catch_up=False)
    out.append(("cut-by-hard-start", _snap(cut), cut_clock.now()))
    return out
