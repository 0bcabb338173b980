"""How the report's renderers write times and durations: one place for every format.

Owns the formatting of instants (local HH:MM:SS, the short HH:MM, local ISO)
and durations (H:MM:SS, signed over/under, seconds for machines, ms for
switch delays) in the event's timezone, and the slot figures the CSV and JSON
renderers share. It must not build the report or choose a layout.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from timekeeper.asrun.report.model import SlotRow
from timekeeper.core.programme import Programme
from timekeeper.core.seconds import delta_text

ZERO = timedelta(0)


def duration(value: timedelta) -> str:
    """H:MM:SS or M:SS in whole seconds floored, as the dashboard reads it (`core.seconds`):
    a start at 15:31:00.4 against 15:30 is +1:00 in both; a minus sign when negative."""
    return delta_text(value, plus="")


def signed(value: timedelta) -> str:
    """Like `duration`, with a plus sign when positive: over/under."""
    return delta_text(value)


def hms(prog: Programme, at: datetime) -> str:
    return f"{prog.local(at):%H:%M:%S}"


def short(prog: Programme, at: datetime) -> str:
    """HH:MM, with seconds only when there are any."""
    local = prog.local(at)
    return f"{local:%H:%M}" if local.second == 0 and local.microsecond == 0 else f"{local:%H:%M:%S}"


def iso(prog: Programme, at: datetime | None) -> str | None:
    return None if at is None else prog.local(at).isoformat()


def secs(value: timedelta | None) -> float | int | None:
    if value is None:
        return None
    seconds = value.total_seconds()
    return int(seconds) if seconds == int(seconds) else round(seconds, 3)


def ms(value: timedelta) -> str:
    ms = value.total_seconds() * 1000
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.2f} s"


def opt(value: timedelta | None, fn: Callable[[timedelta], str] = duration) -> str:
    return "—" if value is None else fn(value)


def slot_figures(prog: Programme, s: SlotRow) -> dict[str, object]:
    """A slot's planned and actual times, lengths and outcome (local ISO times, seconds)."""
    return {
        "planned_start": iso(prog, s.planned_start),
        "planned_end": iso(prog, s.planned_end),
        "actual_start": iso(prog, s.actual_start),
        "actual_end": iso(prog, s.actual_end),
        "planned_seconds": secs(s.planned_length),
        "actual_seconds": secs(s.length),
        "start_delta_seconds": secs(s.start_delta),
        "length_delta_seconds": secs(s.length_delta),
        "extension_seconds": secs(s.extension),
        "outcome": s.outcome,
    }
