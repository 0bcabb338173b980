"""`GET /api/status`: what a Stream Deck button needs for its feedback, as plain JSON.

The live slot and turn, the remaining seconds (negative in overtime) and the
phase with a colour a button can use as its background, over/under, the next
slot, the hold, and OBS's health. Built from the same `Status` every screen
renders, at the instant asked.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from timekeeper.core.countdown import countdown_text
from timekeeper.core.status import Countdown, Status
from timekeeper.obs.status import ObsStatus

# phase -> a button background (hex RGB, as Companion's feedback styles take it)
PHASE_COLOURS = {
    "idle": "#1f4e99",  # nothing counting down (before the show, between slots)
    "normal": "#1e7d32",
    "warning": "#e6a100",
    "danger": "#c62828",
    "overtime": "#7f0000",
}


def _seconds(delta: timedelta) -> int:
    """Whole seconds as the countdown shows them (a countdown never reads 0 too early)."""
    value = delta.total_seconds()
    return math.ceil(value) if value >= 0 else -math.ceil(-value)


def _countdown(cd: Countdown | None, tz: Any) -> dict[str, Any] | None:
    if cd is None:
        return None
    phase = cd.phase.value
    return {
        "remaining_seconds": _seconds(cd.remaining),
        "remaining_text": countdown_text(cd.remaining),
        "phase": phase,
        "colour": PHASE_COLOURS.get(phase, PHASE_COLOURS["normal"]),
        "deadline": cd.deadline.astimezone(tz).isoformat(),
        "cut": cd.cut.label if cd.cut is not None else None,
    }


def _over_under(over: timedelta | None) -> str | None:
    if over is None:
        return None
    seconds = _seconds(over)
    return "late" if seconds > 0 else "early" if seconds < 0 else "on time"


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def _obs(obs: ObsStatus | None) -> dict[str, Any]:
    if obs is None:
        return {"state": "not_configured", "healthy": None}
    return {
        "state": obs.state.value,
        "healthy": obs.connected and obs.alarm is None,
        "auto_switch": obs.auto_switch,
        "program_scene": obs.program_scene if obs.connected else None,
        "streaming": obs.streaming,
        "recording": obs.recording,
        "alarm": obs.alarm,
        "override": obs.override,
    }


def status_json(status: Status, obs: ObsStatus | None, tz: Any) -> dict[str, Any]:
    """The feedback document (`tz`: the event's timezone, for the local times)."""
    live, turn, nxt = status.live, status.turn, status.next
    slot_cd = _countdown(status.countdown, tz)
    phase = slot_cd["phase"] if slot_cd is not None else "idle"
    over = status.over_under
    return {
        "at": status.at.astimezone(tz).isoformat(),
        "mode": status.mode.value,
        "held": status.held,
        "phase": phase,
        "colour": PHASE_COLOURS.get(phase, PHASE_COLOURS["normal"]),
        "live": None
        if live is None
        else {"slot": live.slot.id, "title": live.slot.title, "countdown": slot_cd},
        "turn": None
        if turn is None
        else {
            "index": turn.index,
            "speaker": turn.turn.speaker,
            "countdown": _countdown(status.turn_countdown, tz),
        },
        "next": None
        if nxt is None
        else {
            "slot": nxt.slot.id,
            "title": nxt.slot.title,
            "planned_start": nxt.slot.start.astimezone(tz).isoformat(),
            "expected_start": _iso(nxt.expected_start and nxt.expected_start.astimezone(tz)),
            "hard": nxt.slot.hard,
        },
        "over_under_seconds": None if over is None else _seconds(over),
        "over_under": _over_under(over),
        "obs": _obs(obs),
    }
