"""Durations as people write them in a running order: 90s, 5m, 1h30m, 1h 30m, 2d, PT5M.

A bare number is refused on purpose: in a programme `5` could mean seconds or
minutes, and guessing wrong puts a countdown off by a factor of sixty.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pendulum

_UNITS = {
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "m": timedelta(minutes=1),
    "min": timedelta(minutes=1),
    "s": timedelta(seconds=1),
    "ms": timedelta(milliseconds=1),
}
_PART = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(ms|min|d|h|m|s)(?![a-z])", re.IGNORECASE)
EXAMPLES = "90s, 5m, 1h30m, 1h 30m, 2d, 500ms or PT5M"

#: What the JSON Schema accepts (compact form or ISO 8601 without years and months).
PATTERN = (
    r"^\s*(\d+(\.\d+)?\s*(ms|min|d|h|m|s)\s*)+$"
    r"|^P(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$"
)


def parse_duration(value: object) -> timedelta:
    """A duration from YAML, or ValueError with a message that says what to write."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"expected a duration such as {EXAMPLES}")
    if isinstance(value, int | float):
        raise ValueError(
            f"a plain number is not a duration: write {_number(value)}m for minutes "
            f"(or {_number(value)}s, {_number(value)}h)"
        )
    if not isinstance(value, str):
        raise ValueError(f"expected a duration such as {EXAMPLES}")
    text = value.strip()
    try:
        return _parse_iso(text) if text[:1] in ("P", "p") else _parse_compact(text)
    except OverflowError:
        raise ValueError(f"'{text}' is too long a duration") from None


def _number(value: int | float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _parse_compact(text: str) -> timedelta:
    total, pos, seen = timedelta(), 0, set()
    for match in _PART.finditer(text):
        if match.start() != pos:
            break
        unit = match.group(2).lower()
        if unit in seen:
            raise ValueError(f"'{text}' gives '{unit}' twice; expected a duration like {EXAMPLES}")
        seen.add(unit)
        total += float(match.group(1)) * _UNITS[unit]
        pos = match.end()
    if not text or pos != len(text.rstrip()) or not seen:
        raise ValueError(_unparseable(text))
    return _round(total)


def _unparseable(text: str) -> str:
    if text.lstrip("+-").replace(".", "", 1).isdigit():
        return f"'{text}' has no unit: write {text}m for minutes (or {text}s, {text}h)"
    if text.startswith("-"):
        return f"'{text}': a duration cannot be negative"
    if re.fullmatch(r"\d+:\d\d(:\d\d)?", text):
        return f"'{text}' looks like a clock time; write a duration like 1h30m or 1m30s"
    return f"cannot read '{text}' as a duration; expected something like {EXAMPLES}"


def _parse_iso(text: str) -> timedelta:
    try:
        parsed = pendulum.parse(text.upper(), exact=True)
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        parsed = None
    if not isinstance(parsed, pendulum.Duration):
        raise ValueError(f"cannot read '{text}' as an ISO 8601 duration (e.g. PT5M, PT1H30M)")
    if parsed.years or parsed.months:
        raise ValueError(f"'{text}': years and months have no fixed length; use days or weeks")
    return _round(timedelta(seconds=parsed.total_seconds()))


def _round(value: timedelta) -> timedelta:
    """Whole milliseconds: more precision than a countdown shows is noise from floats."""
    return timedelta(milliseconds=round(value / timedelta(milliseconds=1)))


def format_duration(value: timedelta) -> str:
    """The shortest compact form that reads back to the same duration: 1h30m, 45s, 2d3h, 500ms."""
    if value < timedelta():
        return "-" + format_duration(-value)
    millis = round(value / timedelta(milliseconds=1))
    seconds, ms = divmod(millis, 1000)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m"), (secs, "s"), (ms, "ms")]
    text = "".join(f"{amount}{unit}" for amount, unit in parts if amount)
    return text or "0s"


def format_clock(value: timedelta) -> str:
    """A length for a table column: 35m, 1h00m, 2h05m, 45s, 1d2h00m."""
    seconds = round(value.total_seconds())
    sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{sign}{days}d{hours}h{minutes:02d}m"
    if hours:
        return f"{sign}{hours}h{minutes:02d}m" + (f"{secs:02d}s" if secs else "")
    if minutes:
        return f"{sign}{minutes}m" + (f"{secs:02d}s" if secs else "")
    return f"{sign}{secs}s"
