"""The one gate of a run's show: every remote surface passes it before it moves the show.

`gate_for(session)` is the run's `BurstGate` (core/gate.py), made once per session and
told by the session of every move (a key, a deadline, another surface), so a request
that arrived before the show moved is refused as stale. HTTP and OSC (`actions.Controls`)
and a room's MQTT commands (`rooms/commands.py`) use the same gate, and the questions of
`core/asks.py`, that the keyboard's dialogs ask.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable

from timekeeper.core.gate import BurstGate
from timekeeper.core.state import ShowEvent
from timekeeper.show.session import ShowSession

# what changes the live slot or turn: a request decided before one of these is stale
MOVES = frozenset({"slot_started", "slot_ended", "show_ended", "turn_started", "back"})
Clock = Callable[[], float]

_GATES: weakref.WeakKeyDictionary[ShowSession, tuple[BurstGate, Clock]] = (
    weakref.WeakKeyDictionary()
)


def gate_for(session: ShowSession, clock: Clock = time.monotonic) -> tuple[BurstGate, Clock]:
    """The session's gate and the monotonic clock it runs on (the first caller's)."""
    found = _GATES.get(session)
    if found is not None:
        return found
    gate = BurstGate()

    def moved(events: list[ShowEvent]) -> None:
        if any(e.kind in MOVES for e in events):
            gate.show_moved(clock())

    session.subscribe(moved)
    _GATES[session] = (gate, clock)
    return gate, clock


def precondition(session: ShowSession, expected: object) -> str | None:
    """Why `"from": expected` (the slot the sender believes is live) no longer holds."""
    if expected is None:
        return None
    if not isinstance(expected, str) or len(expected) > 200:
        return "from must be the id of the slot you believe is live"
    live = session.status().live
    now = live.slot.id if live is not None else ""
    if expected == now:
        return None
    shown = f"{live.slot.title} ({now})" if live is not None else "no slot"
    return f"{expected or 'no slot'} is no longer live ({shown} is): nothing done"
