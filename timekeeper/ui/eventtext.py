"""ShowEvents as sentences for the event log ("16:10:00 Panel discussion started (auto)").

Pure; an event kind this module does not know still reads sensibly through the
fallback. The run's notices say their own line (`show.notices.Notice.line`).
"""

from __future__ import annotations

from datetime import tzinfo

from timekeeper.core.engine import ShowEvent
from timekeeper.core.programme import Programme
from timekeeper.core.text import inert

SILENT = {"operator", "turn_ended"}  # implied by the events that follow them

CAUSES = {
    "auto": "auto",
    "operator": "operator",
    "deadline": "deadline",
    "hard": "cut by a hard start",
    "jump": "jumped over",
    "end": "show ended",
    "back": "after back",
}

PHASES = {"warning": "warning", "danger": "danger: wrap up", "overtime": "OVERTIME"}


def describe(event: ShowEvent, programme: Programme) -> str | None:
    """One log line (without the time), or None for events that add nothing to read."""
    if event.kind in SILENT:
        return None
    title = _title(event.slot, programme)
    cause = f" ({CAUSES.get(event.cause, event.cause)})" if event.cause else ""
    kind = event.kind
    if kind == "show_started":
        return f"Show started{cause}"
    if kind == "show_ended":
        return "Show ended"
    if kind == "slot_started":
        return f"{title} started{cause}"
    if kind == "slot_ended":
        return f"{title} ended{cause}"
    if kind == "slot_skipped":
        return f"{title} skipped{cause}"
    if kind == "turn_started":
        return f"Turn {_turn_of(event, programme)} {event.speaker}{cause}"
    if kind == "turns_done":
        return f"{title}: all turns done, free time"
    if kind == "phase":
        who = event.speaker if event.speaker else title
        return f"{who}: {PHASES.get(event.phase or '', event.phase)}"
    if kind in ("extended", "shortened"):
        return f"{title} {kind} by {abs(event.minutes or 0):g} min"
    if kind == "hold":
        return f"HOLD: nothing moves on by itself{cause}"
    if kind == "release":
        return "Released: automatic advance again"
    if kind == "back":
        return f"Back: last move undone, {title} live" if event.slot else "Back: last move undone"
    if kind == "revised":
        who = " (--accept-changes)" if event.cause == "accept-changes" else ""
        return f"Programme revised{who}: the new plan runs from now"
    if kind == "message":
        if not event.text:
            return "Speaker message cleared"
        flash = " (flashing)" if event.cause == "flash" else ""
        return f"Speaker message{flash}: {event.text}"
    return _fallback(event, title)


def _title(slot_id: str | None, programme: Programme) -> str:
    if slot_id is None:
        return ""
    try:
        return programme.slots[programme.index(slot_id)].title
    except KeyError:
        return slot_id


def _turn_of(event: ShowEvent, programme: Programme) -> str:
    """`3/7`: which turn of how many."""
    try:
        count = len(programme.slots[programme.index(event.slot or "")].turns)
    except KeyError:
        return str((event.turn or 0) + 1)
    return f"{(event.turn or 0) + 1}/{count}"


def _fallback(event: ShowEvent, title: str) -> str:
    """Events from other parts (obs_connected, scene_switch_confirmed, ...)."""
    words = event.kind.replace("_", " ")
    words = words[:1].upper() + words[1:]
    extra = [x for x in (title, event.text, event.cause) if x]
    return f"{words}: {', '.join(extra)}" if extra else words


def line(event: ShowEvent, programme: Programme, tz: tzinfo) -> str | None:
    """The log line with its local time, or None."""
    text = describe(event, programme)
    if text is None:
        return None
    return f"{event.at.astimezone(tz):%H:%M:%S} {inert(text)}"
