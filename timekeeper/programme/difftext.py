"""A programme difference as a stage manager reads it: one line per changed slot, then the forecast.

Owns the words of `timekeeper diff`, of the dashboard's change dialog and of
the `programme_changed` JSON line (`render_diff`, `diff_json`); what changed is
decided by `timekeeper.core.diff`. Times are the event's local time of day.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from timekeeper.core.diff import (
    Change,
    ProgrammeDiff,
    SlotChange,
    TurnChange,
    TurnEdit,
    turn_changes,
)
from timekeeper.core.programme import Programme, Slot, Speaker, Turn

MARK = {Change.ADDED: "+", Change.REMOVED: "-"}


def hhmm(programme: Programme, instant: datetime) -> str:
    local = programme.local(instant)
    return local.strftime("%H:%M:%S" if local.second else "%H:%M")


def length(delta: timedelta) -> str:
    """5 min, 1 h 30 min, 90 s: how a running order states durations."""
    seconds = int(delta.total_seconds())
    if seconds % 60:
        return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"
    minutes = seconds // 60
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


def mmss(delta: timedelta) -> str:
    """6:00, 5:30, 1:02:00: a turn's length as its countdown reads it."""
    return signed(delta)[1:]


def signed(delta: timedelta) -> str:
    """+5:00, −1:30, +1:02:00."""
    seconds = int(delta.total_seconds())
    sign = "+" if seconds >= 0 else "−"
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours}:{minutes:02d}:{secs:02d}" if hours else f"{sign}{minutes}:{secs:02d}"


def render_diff(d: ProgrammeDiff, old: Programme, new: Programme) -> list[str]:
    """The lines of the difference; ["no difference"] when the versions run the same show."""
    if d.same:
        return ["no difference"]
    lines: list[str] = []
    if d.event:
        lines.append("event: " + ", ".join(d.event) + " changed")
    if d.obs:
        lines.append("obs: settings changed")
    if d.late:
        lines.append("late: the running-late policy changed")
    for row in d.changed:
        lines.append(_slot_line(row, old, new))
    if d.forecast is not None:
        lines += _forecast_lines(d, new)
    return lines


def _slot_line(row: SlotChange, old: Programme, new: Programme) -> str:
    if Change.ADDED in row.changes:
        assert row.new is not None
        s = row.new
        where = f"{hhmm(new, s.start)}–{hhmm(new, s.end)}, {length(s.duration)}"
        return f"+ added {_name(s)}: {where}" + _traits(s)
    if Change.REMOVED in row.changes:
        assert row.old is not None
        s = row.old
        return f"- removed {_name(s)}: was {hhmm(old, s.start)}, {length(s.duration)}"
    assert row.old is not None and row.new is not None
    a, b = row.old, row.new
    parts: list[str] = []
    for change in row.changes:
        parts += _describe(change, a, b, old, new, row)
    return f"~ {_name(b)}: " + "; ".join(parts)


def _name(slot: Slot) -> str:
    return f"'{slot.title}'"


def _traits(slot: Slot) -> str:
    bits = []
    if slot.scene:
        bits.append(f"scene {slot.scene}")
    if slot.hard:
        bits.append("HARD")
    if slot.manual:
        bits.append("manual")
    if slot.speakers:
        bits.append("with " + slot.speaker_names())
    return ", " + ", ".join(bits) if bits else ""


def _describe(
    change: Change, a: Slot, b: Slot, old: Programme, new: Programme, row: SlotChange
) -> list[str]:
    if change is Change.MOVED:
        return [f"moved (now slot {(row.new_index or 0) + 1}, was {(row.old_index or 0) + 1})"]
    if change is Change.RETIMED:
        out = []
        if a.start != b.start:
            out.append(f"starts {hhmm(new, b.start)} (was {hhmm(old, a.start)})")
        if a.duration != b.duration:
            out.append(f"{length(b.duration)} (was {length(a.duration)})")
        return out
    if change is Change.RETITLED:
        return [f"retitled (was '{a.title}')"]
    if change is Change.SPEAKERS:
        return [_speakers(a.speakers, b.speakers)]
    if change is Change.TURNS:
        return _turns(a.turns, b.turns)
    if change is Change.SCENE:
        return [f"scene {b.scene or '(none)'} (was {a.scene or '(none)'})"]
    if change is Change.HARD:
        return ["now HARD" if b.hard else "no longer hard"]
    if change is Change.MANUAL:
        return ["now manual" if b.manual else "now auto (was manual)"]
    return [", ".join(row.other) + " changed"]


def _speakers(a: tuple[Speaker, ...], b: tuple[Speaker, ...]) -> str:
    before, after = [s.name for s in a], [s.name for s in b]
    gone = [n for n in before if n not in after]
    came = [n for n in after if n not in before]
    if not gone and not came:
        return "speaker details changed"
    words = [f"−{n}" for n in gone] + [f"+{n}" for n in came]
    return "speakers " + ", ".join(words)


def _turns(a: tuple[Turn, ...], b: tuple[Turn, ...]) -> list[str]:
    """One phrase per changed turn, turns matched by speaker ("Seonok Lee's turn removed")."""
    return [turn_phrase(row) for row in turn_changes(a, b)]


def turn_phrase(row: TurnChange) -> str:
    """A turn's change in the words of a running order."""
    if TurnEdit.ADDED in row.edits:
        assert row.new is not None and row.new_index is not None
        t = row.new
        return f"{t.speaker}'s turn added ({mmss(t.duration)}, turn {row.new_index + 1})"
    assert row.old is not None
    if TurnEdit.REMOVED in row.edits:
        return f"{row.old.speaker}'s turn removed"
    assert row.new is not None and row.new_index is not None
    a, b = row.old, row.new
    if TurnEdit.REPLACED in row.edits:
        words = f"turn {row.new_index + 1}: {b.speaker} (was {a.speaker})"
    else:
        words = b.speaker
    if TurnEdit.RETIMED in row.edits:
        words += f" {mmss(a.duration)} → {mmss(b.duration)}"
    if TurnEdit.MOVED in row.edits:
        words += f" moved to turn {row.new_index + 1}"
    if TurnEdit.DETAILS in row.edits:
        words += ": details changed" if row.edits == (TurnEdit.DETAILS,) else " (details changed)"
    return words


def _forecast_lines(d: ProgrammeDiff, new: Programme) -> list[str]:
    f = d.forecast
    assert f is not None
    lines = []
    for shift in f.shifts:
        if shift.before is None or shift.after is None:
            continue
        moved = signed(shift.after - shift.before)
        lines.append(
            f"  expected '{shift.title}' {hhmm(new, shift.after)} "
            f"(was {hhmm(new, shift.before)}, {moved})"
        )
    if lines:
        lines.insert(0, "forecast:")
    else:
        lines.append("forecast: no expected start moves")
    end = f"end of show {hhmm(new, f.end_after)}"
    if f.end_after != f.end_before:
        end += f" (was {hhmm(new, f.end_before)}, {signed(f.end_after - f.end_before)})"
    else:
        end += " (unchanged)"
    lines.append(("  " if len(lines) > 1 else "") + end)
    return lines


def diff_json(d: ProgrammeDiff, old: Programme, new: Programme) -> dict[str, object]:
    """The difference as data for the JSON lines (`programme_changed`)."""
    slots = []
    for row in d.changed:
        item: dict[str, object] = {
            "slot": row.slot.id,
            "title": row.slot.title,
            "changes": [c.value for c in row.changes],
        }
        if row.other:
            item["other"] = list(row.other)
        slots.append(item)
    data: dict[str, object] = {"slots": slots, "lines": render_diff(d, old, new)}
    if d.event:
        data["event_fields"] = list(d.event)
    if d.forecast is not None:
        data["end_before"] = d.forecast.end_before.astimezone(new.tz).isoformat()
        data["end_after"] = d.forecast.end_after.astimezone(new.tz).isoformat()
        data["moves"] = [
            {
                "slot": s.slot_id,
                "before": s.before.astimezone(new.tz).isoformat() if s.before else None,
                "after": s.after.astimezone(new.tz).isoformat() if s.after else None,
            }
            for s in d.forecast.shifts
        ]
    return data
