"""The schedule engine: the show's state and its pure transitions, at any instant.

Nothing in the engine reads the clock. `advance(state, now)` applies every
automatic transition due up to `now` (each at its own exact instant) and returns
the events it produced; `apply(state, action, now)` does the same and then the
operator's action; `status.evaluate(state, now)` forecasts planned/expected/actual
times for every slot. The words (planned, expected, actual, deadline, limit,
over/under, phase) are those of docs/timing.md.

This module owns no code: it is the engine's one import point, re-exporting what
its parts own —

- `state.py`: the show state, its records, actions and events;
- `rules.py`: deadlines, thresholds and the limit a coming hard start puts on the live slot;
- `countdown.py`: a countdown's text and phase;
- `transitions.py`: the automatic transitions (`advance`, `next_instant`);
- `actions.py`: the operator's actions (`apply`);
- `plan.py`: `replay`, `planned_move`, `follow_plan`.
"""

from __future__ import annotations

from timekeeper.core.actions import apply
from timekeeper.core.countdown import Phase, phase_at
from timekeeper.core.plan import follow_plan, planned_move, replay
from timekeeper.core.rules import slot_deadline, turn_deadline, turn_thresholds
from timekeeper.core.state import (
    UNDO_DEPTH,
    ZERO,
    Action,
    ActionKind,
    Mode,
    Outcome,
    ShowEvent,
    ShowState,
    SlotRecord,
    TurnRecord,
    new_show,
)
from timekeeper.core.transitions import advance, next_instant

__all__ = [
    "UNDO_DEPTH",
    "ZERO",
    "Action",
    "ActionKind",
    "Mode",
    "Outcome",
    "Phase",
    "ShowEvent",
    "ShowState",
    "SlotRecord",
    "TurnRecord",
    "advance",
    "apply",
    "follow_plan",
    "new_show",
    "next_instant",
    "phase_at",
    "planned_move",
    "replay",
    "slot_deadline",
    "turn_deadline",
    "turn_thresholds",
]
