"""How times read on the operator's screen: one place, so every panel says it the same way.

Pure functions (no Textual): durations as `M:SS` / `H:MM:SS`, signed deltas with a
real minus sign, far-away countdowns with days, instants in the event's timezone.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from timekeeper.core.countdown import clock_text, countdown_text
from timekeeper.core.seconds import delta_text, shown, whole

MINUS = "−"  # U+2212: a dash that does not read as a hyphen


def _seconds(delta: timedelta) -> int:
    """Whole seconds, rounded towards the past (the rule of `core.seconds`)."""
    return whole(delta)


def clock(delta: timedelta) -> str:
    """A non-negative duration (a length, time run) as `MM:SS`, or `H:MM:SS` from one hour up."""
    return clock_text(_seconds(delta))


# What a countdown shows: the core's one rule (core/countdown.py), rounded up, `+` in overtime.
countdown = countdown_text


def signed(delta: timedelta) -> str:
    """A delta as `+3:12` (late) or `−1:05` (early), `0:00` within the same second.

    Floored like the instants beside it (`core.seconds`): 15:31:00.4 against 15:30 is +1:00.
    """
    return delta_text(delta, minus=MINUS)


def lateness(delta: timedelta) -> tuple[str, str]:
    """The show status in words and its kind: ("ON TIME"|"+3:12 LATE"|"−1:05 EARLY", kind)."""
    total = whole(delta)
    if total == 0:
        return "ON TIME", "ontime"
    if total > 0:
        return f"{signed(delta)} LATE", "late"
    return f"{signed(delta)} EARLY", "early"


def far(delta: timedelta) -> str:
    """A long wait: `2 d 03:15:00` from one day up, else `H:MM:SS` / `MM:SS`."""
    total = max(0, _seconds(delta))
    days, rest = divmod(total, 86400)
    if not days:
        return clock_text(rest)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{days} d {hours:02d}:{minutes:02d}:{seconds:02d}"


def minutes(delta: timedelta) -> str:
    """A length as the timeline reads it: `35m` for whole minutes, else `12:30`."""
    total = whole(delta)
    if total % 60 == 0:
        return f"{total // 60}m"
    return clock(timedelta(seconds=total))


def hm(instant: datetime | None, tz: tzinfo) -> str:
    """Local `HH:MM`, or an em dash when there is no instant."""
    return "—" if instant is None else instant.astimezone(tz).strftime("%H:%M")


def hms(instant: datetime | None, tz: tzinfo) -> str:
    """Local `HH:MM:SS`, or an em dash when there is no instant."""
    return "—" if instant is None else shown(instant).astimezone(tz).strftime("%H:%M:%S")


def speed(factor: float) -> str:
    """`×10`, `×1.5`: a speed factor without trailing zeros."""
    return f"×{factor:g}"
