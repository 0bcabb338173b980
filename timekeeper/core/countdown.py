"""The one countdown rule: what a countdown reads and which phase it is in.

Every surface that shows a countdown to a person (the dashboard's digits, the
speaker screens, the OBS `{remaining}` text) takes its text from `countdown_text`
and its colour from `phase_at`; the browser's copy is checked against the same
table, `tests/vectors/countdown.json`. The rule, as docs/timing.md states it:

- Time left is rounded **up** to the displayed second (`core.seconds.left`):
  `00:01` in the last second, `00:00` exactly at the limit.
- Overtime is `+` and the time past the limit rounded **down**, so the two
  meet at zero: 0.4 s past reads `+00:00`, 35 s past `+00:35`.
- `MM:SS` below one hour, `H:MM:SS` from one hour up (hours are not capped at
  a day: `25:00:00`).
- Phase: normal → warning (left ≤ warning) → danger (left ≤ danger) →
  overtime (left < 0), measured on the exact time left. With whole-second
  thresholds this is the same as on the digits: warning 5 min starts as the
  digits read `05:00`.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from timekeeper.core.seconds import left

ZERO = timedelta(0)


class Phase(StrEnum):
    NORMAL = "normal"
    WARNING = "warning"
    DANGER = "danger"
    OVERTIME = "overtime"


def phase_at(remaining: timedelta, warning: timedelta, danger: timedelta) -> Phase:
    """The phase of a countdown with `remaining` left (negative in overtime)."""
    if remaining < ZERO:
        return Phase.OVERTIME
    if remaining <= danger:
        return Phase.DANGER
    if remaining <= warning:
        return Phase.WARNING
    return Phase.NORMAL


def clock_text(seconds: int) -> str:
    """Whole seconds (≥ 0; less reads as 0) as `MM:SS`, or `H:MM:SS` from one hour up."""
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


def countdown_text(remaining: timedelta) -> str:
    """What a countdown shows: the time left, or `+` and the overtime counting up."""
    total = left(remaining)
    if remaining < ZERO:
        return "+" + clock_text(-total)
    return clock_text(total)
