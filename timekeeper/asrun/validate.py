"""Which parsed log records a replay or a report can trust: bounds on what a record may hold.

Why: a log is a file, and a file can be damaged or edited by hand. A record that
parses as JSON but holds what no run writes (an action timekeeper does not know,
an instant without a UTC offset, NaN or a year of minutes, a speed of 0) would
crash a resume or a report deep in the engine, and a crash of `run` reads as
"run again to resume" to a supervisor that then loops. So each record is checked
here, field by field, against what a run writes; the reader refuses the first bad
one with its line number (`LogRecordError`, exit 2) and nothing is changed on disk.
Owns `record_problem` and `header_problem`; it must not open or write files.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from timekeeper.cliargs import SPEED_MAX, SPEED_MIN
from timekeeper.core.state import ActionKind

MAX_MINUTES = 7 * 24 * 60.0  # an extension or shortening of more than a week is no run's
YEARS = (1970, 2999)
MAX_TURNS = 10_000  # instants a run can have been logged at
INSTANTS = ("at", "real_at", "until", "from")
SHA256 = re.compile(r"[0-9a-f]{64}")
MODES = ("live", "dress", "dry")
TIMED = ("extended", "shortened")  # the engine's events that carry `minutes`


def _instant(value: object) -> str | None:
    """Why `value` is not an instant a run writes (None: it is one)."""
    if not isinstance(value, str):
        return f"{value!r} is not an ISO 8601 instant"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return f"{value!r} is not an ISO 8601 instant"
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return f"{value!r} has no UTC offset"
    if not YEARS[0] <= parsed.year <= YEARS[1]:
        return f"{value!r} is outside the years {YEARS[0]}–{YEARS[1]}"
    return None


def _minutes(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"minutes {value!r} is not a number"
    if not math.isfinite(value) or abs(value) > MAX_MINUTES:
        return f"minutes {value!r} is not a number of minutes a run can add (at most a week)"
    return None


def _action(action: object) -> str | None:
    if not isinstance(action, dict):
        return f"the operator action {action!r} is not an object"
    kind = action.get("action")
    try:
        ActionKind(str(kind))
    except ValueError:
        known = ", ".join(k.value for k in ActionKind)
        return f"the operator action {kind!r} is not one timekeeper knows ({known})"
    if "minutes" in action and action["minutes"] is not None:
        return _minutes(action["minutes"])
    slot = action.get("slot")
    if slot is not None and not isinstance(slot, str):
        return f"the slot {slot!r} of the operator action is not an id"
    return None


def _place(rec: Mapping[str, Any]) -> str | None:
    """The slot (an id) and turn (an index) an event names, if it names them."""
    slot, turn = rec.get("slot"), rec.get("turn")
    if slot is not None and not isinstance(slot, str):
        return f"the slot {slot!r} is not an id"
    if turn is not None and (isinstance(turn, bool) or not isinstance(turn, int)):
        return f"the turn {turn!r} is not a turn's number"
    if isinstance(turn, int) and not 0 <= turn < MAX_TURNS:
        return f"the turn {turn!r} is not a turn's number"
    return None


def record_problem(rec: Mapping[str, Any]) -> str | None:
    """Why this record (not the header) cannot be trusted; None when it can."""
    for name in INSTANTS:
        if rec.get(name) is not None:
            why = _instant(rec[name])
            if why is not None:
                return f"`{name}`: {why}"
    kind, event = rec.get("record"), rec.get("event")
    if not isinstance(kind, str) or (event is not None and not isinstance(event, str)):
        return f"its kind ({kind!r}, {event!r}) is not a name"
    if kind == "event":
        why = _place(rec)
        if why is not None:
            return why
    if kind == "event" and event == "operator":
        return _action(rec.get("action"))
    if kind == "event" and event in TIMED and rec.get("minutes") is not None:
        return _minutes(rec["minutes"])
    if kind == "revision" and not (
        isinstance(rec.get("sha256"), str) and SHA256.fullmatch(rec["sha256"])
    ):
        return f"the revision's sha256 {rec.get('sha256')!r} is not a sha256"
    return None


def header_problem(rec: Mapping[str, Any]) -> str | None:
    """Why this run header cannot be trusted; None when it can."""
    for name in ("started_at", "real_started_at"):
        why = _instant(rec.get(name))
        if why is not None:
            return f"`{name}`: {why}"
    speed = rec.get("speed", 1.0)
    if isinstance(speed, bool) or not isinstance(speed, int | float):
        return f"`speed` {speed!r} is not a number"
    if not math.isfinite(speed) or not SPEED_MIN <= speed <= SPEED_MAX:
        return f"`speed` {speed!r} is not a factor from {SPEED_MIN:g} to {SPEED_MAX:g}"
    if rec.get("mode") not in MODES:
        return f"`mode` {rec.get('mode')!r} is not one of {', '.join(MODES)}"
    if not isinstance(rec.get("rehearsal"), bool):
        return f"`rehearsal` {rec.get('rehearsal')!r} is not true or false"
    zone = rec.get("timezone", "UTC")
    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        return f"`timezone` {zone!r} is not a timezone name"
    return None
