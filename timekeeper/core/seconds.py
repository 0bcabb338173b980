"""The one rule for showing time to a person: whole seconds, counted towards the past.

An instant is shown truncated to its second (15:31:00.4 reads 15:31:00), and a
delta between two instants is the difference of what is shown, which for a
planned instant on a whole second is the delta floored (+60.4 s reads +1:00,
−59.6 s reads −1:00). So a start shown as 15:31:00 against a planned 15:30 is
`+1:00` on the dashboard, the speaker screens, the JSON lines and the report
alike. A countdown is the one exception, by design: it counts the time *left*
and so rounds up (00:01 in the last second, 00:00 at the deadline), which is
again deadline minus the shown now.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta


def shown(instant: datetime) -> datetime:
    """The instant as a person reads it: truncated to the second."""
    return instant.replace(microsecond=0)


def whole(delta: timedelta) -> int:
    """A delta in whole seconds, towards the past (−0.4 s is −1, +0.4 s is 0)."""
    return math.floor(delta.total_seconds())


def between(later: datetime, earlier: datetime) -> int:
    """Whole seconds from `earlier` to `later` as shown (the difference of the shown instants)."""
    return whole(shown(later) - shown(earlier))


def left(remaining: timedelta) -> int:
    """Whole seconds of a countdown's time left, rounded up (00:01 in the last second).

    Overtime (negative) is the magnitude rounded down, so the two meet at 0: −0.4 s is 0
    (shown `+00:00`), −1.2 s is −1. Callers tell overtime by the sign of `remaining`.
    """
    total = remaining.total_seconds()
    return -math.floor(-total) if total < 0 else math.ceil(total)


def delta_text(delta: timedelta, *, plus: str = "+", minus: str = "-") -> str:
    """A delta (over/under, a length) as `M:SS` or `H:MM:SS` in whole seconds (`whole`), signed.

    `0:00` within the same second; `plus=""` for an unsigned length. The dashboard passes
    a real minus sign (U+2212), the report a hyphen.
    """
    total = whole(delta)
    sign = plus if total > 0 else minus if total < 0 else ""
    hours, rest = divmod(abs(total), 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{seconds:02d}"
    return f"{sign}{minutes}:{seconds:02d}"
