"""One-step undo for the dashboard's one-key actions (next turn, ±1 minute, a message, l).

Those keys act at once because they are frequent; the price is that each can be
taken back with `u` as long as nothing else has moved the show since. Pure: the
app offers what it just did, and takes the undo back against the state it sees.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from timekeeper.core.engine import Action, ActionKind, ShowState
from timekeeper.core.modes import SpeakerMessage
from timekeeper.core.proposal import Proposal
from timekeeper.show.session import ShowSession

UNDOABLE = frozenset({ActionKind.NEXT_TURN, ActionKind.EXTEND})


@dataclass(frozen=True)
class Undo:
    """How to take one action back: an inverse action, or the message to restore."""

    done: str  # what was done, in words ("Extended +1 min")
    action: Action | None = None
    message: SpeakerMessage | None = None  # restore this (None with action None: clear)
    restores_message: bool = False
    mark: tuple[object, ...] = ()
    proposal: Proposal | None = None  # an accepted running-late proposal: its old lengths back


@dataclass(frozen=True)
class ProposalDesk:
    """How the dashboard accepts a running-late proposal and takes it back (by whom).

    The dashboard's run logs both (`runtime.revisions`); `of(session)` acts on the
    session alone (tests, a run without a log)."""

    accept: Callable[[str], Proposal]
    undo: Callable[[Proposal, str], object]

    @classmethod
    def of(cls, session: ShowSession) -> ProposalDesk:
        def undo(proposal: Proposal, by: str) -> object:
            return session.revise(proposal.undo.apply(session.programme), by)

        return cls(lambda by: session.accept_proposal(by)[0], undo)


def _mark(state: ShowState) -> tuple[object, ...]:
    """What must be unchanged for the undo to mean what it says."""
    live = state.records[state.position] if 0 <= state.position < len(state.records) else None
    return (
        state.mode,
        state.position,
        len(state.undo),
        None if live is None else (live.live_turn, live.adjustment, live.actual_start),
    )


class UndoBook:
    """The last undoable step, if any."""

    def __init__(self) -> None:
        self.last: Undo | None = None

    def offer(self, action: Action, state: ShowState) -> Undo | None:
        """Remember how to undo `action` (just applied, giving `state`); None if it cannot be."""
        if action.kind not in UNDOABLE:
            self.last = None
            return None
        if action.kind is ActionKind.NEXT_TURN:
            undo = Undo("Moved on to the next turn", Action(ActionKind.BACK))
        else:
            minutes = action.minutes
            word = "Extended" if minutes > 0 else "Shortened"
            undo = Undo(f"{word} {minutes:+g} min", Action(ActionKind.EXTEND, minutes=-minutes))
        self.last = Undo(undo.done, undo.action, mark=_mark(state))
        return self.last

    def offer_proposal(self, proposal: Proposal, state: ShowState) -> None:
        self.last = Undo("Running-late proposal accepted", proposal=proposal, mark=_mark(state))

    def offer_message(self, previous: SpeakerMessage | None, state: ShowState) -> None:
        self.last = Undo(
            "Speaker message changed", message=previous, restores_message=True, mark=_mark(state)
        )

    def take(self, state: ShowState) -> Undo | None:
        """The step to undo now, if the show is still where the action left it."""
        last, self.last = self.last, None
        if last is None:
            return None
        if last.restores_message:
            return last
        return last if last.mark == _mark(state) else None
