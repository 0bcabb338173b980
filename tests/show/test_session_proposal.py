"""The session's running-late proposal: offered after the show moves, never in the show's way."""

from __future__ import annotations

import pytest

from tests.factories import at, seed
from timekeeper.core.clock import ManualClock
from timekeeper.core.engine import Action, ActionKind
from timekeeper.core.modes import RunMode
from timekeeper.show import session as session_module
from timekeeper.show.session import NoProposal, ShowSession


def late_session() -> ShowSession:
    session = ShowSession(seed(), ManualClock(at("16:08")), RunMode.DRY)
    session.tick()
    assert session.proposal is None  # on time
    session.act(Action(ActionKind.EXTEND, minutes=7))
    return session


def test_an_action_that_makes_the_show_late_offers_a_proposal_at_once() -> None:
    session = late_session()
    assert session.proposal is not None and session.proposal.late.total_seconds() == 420
    proposal, _diff = session.accept_proposal("keyboard")
    assert session.proposal is None  # met: nothing more to propose
    assert session.programme.slots[2].duration == proposal.programme.slots[2].duration
    with pytest.raises(NoProposal, match="no proposal to accept"):
        session.accept_proposal("keyboard")


def test_a_failing_proposal_never_stops_the_show(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("boom")

    failures: list[str] = []
    monkeypatch.setattr(session_module, "propose", broken)
    session = ShowSession(seed(), ManualClock(at("16:08")), RunMode.DRY)
    session.on_failure = lambda where, exc: failures.append(f"{where}: {exc}")
    session.tick()
    session.act(Action(ActionKind.EXTEND, minutes=7))
    assert session.status().live.slot.id == "keynote"  # type: ignore[union-attr]
    assert session.proposal is None
    assert failures and failures[0] == "the running-late proposal: boom"
