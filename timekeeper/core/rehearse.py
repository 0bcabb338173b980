"""Rehearse running late: the show as it stands at an instant when it runs some minutes behind.

Owns `late_show(programme, late, at)`, what `timekeeper plan --late 7m --at 16:17`
and the proposal's tests start from: the show run to plan (an operator
following it, as `plan.follow_plan` does), with the slot live at `at - late`
running `late` over (extended by it there), brought up to `at`. So "7 minutes
late at 16:17" on the seed is the keynote ending at 16:17 and the panel
starting then. Pure.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from timekeeper.core.actions import apply
from timekeeper.core.plan import follow_plan
from timekeeper.core.programme import Programme
from timekeeper.core.state import Action, ActionKind, Mode, ShowState, new_show

SECOND = timedelta(seconds=1)


class NotLive(ValueError):
    """Nothing is live at the instant the delay would start (the message says when)."""


def late_show(programme: Programme, late: timedelta, at: datetime) -> ShowState:
    """The show at `at`, `late` behind because the slot live at `at - late` ran over."""
    start = at - late
    state = new_show(programme, min(programme.start, start) - SECOND)
    state, _ = follow_plan(state, start - SECOND)
    if state.mode is not Mode.LIVE:
        when = programme.local(start).strftime("%H:%M:%S")
        raise NotLive(
            f"no slot is live at {when} (--at minus --late) to run late: "
            "choose an instant during the show"
        )
    minutes = late.total_seconds() / 60
    state, _ = apply(state, Action(ActionKind.EXTEND, minutes=minutes), start - SECOND)
    state, _ = follow_plan(state, at)
    return state
