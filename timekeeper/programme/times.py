"""Dates, times of day, datetimes and timezones, read with pendulum.

Reading happens in two steps because a start such as `15:35` only becomes an
instant once the event's date and timezone are known: `parse_time_spec` checks
the text while the YAML is validated, and `resolve` turns it into a UTC instant
afterwards. Local times are interpreted in the event timezone, so arithmetic on
the UTC results is real elapsed time, across a daylight-saving change too.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

import pendulum

_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TIME_EXAMPLES = '"15:35", "15:35:30" or "2023-11-21T09:00"'

#: What the JSON Schema accepts for a start or an end.
TIME_PATTERN = (
    r"^\d{1,2}:\d{2}(:\d{2})?$"
    r"|^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$"
)


@dataclass(frozen=True)
class TimeSpec:
    """A start or end as written: a time of day (`clock`) or a full datetime (`moment`)."""

    text: str
    clock: time | None = None
    moment: datetime | None = None  # naive: in the event timezone; aware: as given

    @property
    def has_date(self) -> bool:
        return self.moment is not None


def parse_time_spec(value: object) -> TimeSpec:
    """Check the text of a start or end; ValueError says what to write instead."""
    if not isinstance(value, str) or isinstance(value, bool):
        raise ValueError(f"expected a time such as {TIME_EXAMPLES}, got {_kind(value)}")
    text = value.strip()
    clock = _CLOCK.fullmatch(text)
    if clock:
        return TimeSpec(text, clock=_clock_time(text, clock))
    return TimeSpec(text, moment=_parse_datetime(text))


def _kind(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return str(value).lower() if value is not None else "nothing"
    if isinstance(value, int | float):
        return f"the number {value}"
    return "a list" if isinstance(value, list) else "a mapping"


def _clock_time(text: str, match: re.Match[str]) -> time:
    hour, minute, second = (int(group or 0) for group in match.groups())
    if hour > 23 or minute > 59 or second > 59:
        hint = " (after midnight, write the next day's date)" if hour >= 24 else ""
        raise ValueError(f"'{text}' is not a time of day; expected 00:00 to 23:59:59{hint}")
    return time(hour, minute, second)


def _parse_datetime(text: str) -> datetime:
    if _DATE.fullmatch(text):
        raise ValueError(f"'{text}' is a date without a time; write e.g. \"{text}T09:00\"")
    try:
        parsed = pendulum.parse(text, exact=True, tz=None)
    except (ValueError, OverflowError, pendulum.parsing.exceptions.ParserError):
        parsed = None
    if not isinstance(parsed, datetime):
        raise ValueError(f"cannot read '{text}' as a time; expected {TIME_EXAMPLES}")
    return parsed


def parse_date(value: object) -> date:
    """The event date, strictly YYYY-MM-DD."""
    text = value.strip() if isinstance(value, str) else None
    if text is None or not _DATE.fullmatch(text):
        raise ValueError(f"expected a date as YYYY-MM-DD (e.g. 2023-11-20), got {value!r}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a real date (check the month and the day)") from None


def check_timezone(name: str) -> str:
    """An IANA timezone name that both pendulum and zoneinfo know; ValueError suggests one."""
    try:
        pendulum.timezone(name)
        ZoneInfo(name)
    except (ValueError, OSError, KeyError):
        raise ValueError(_unknown_timezone(name)) from None
    return name


def _unknown_timezone(name: str) -> str:
    message = f"unknown timezone '{name}'; expected an IANA name such as Europe/Amsterdam"
    names = _timezones()
    exact = [zone for zone in names if zone.lower() == name.strip().lower()]
    close = exact or difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    return f"{message}; did you mean '{close[0]}'?" if close else message


@cache
def _timezones() -> list[str]:
    return sorted(available_timezones())


@dataclass(frozen=True)
class Resolved:
    """A planned instant in UTC, plus a note when the local time was ambiguous."""

    instant: datetime
    note: str | None = None


def resolve(spec: TimeSpec, timezone: str, day: date) -> Resolved:
    """The UTC instant of `spec`; a time of day falls on `day`. ValueError if it never happens."""
    try:
        if spec.moment is not None and spec.moment.tzinfo is not None:
            return Resolved(to_utc(spec.moment))
        local = spec.moment or datetime.combine(day, spec.clock or time())
        return _resolve_local(spec.text, local, timezone)
    except OverflowError:
        raise ValueError(f"{spec.text} is out of the range of dates timekeeper handles") from None


def _resolve_local(text: str, local: datetime, timezone: str) -> Resolved:
    """Wall-clock time in `timezone`: refuse a time the clocks skip, flag one they repeat."""
    fields = (local.year, local.month, local.day, local.hour, local.minute, local.second)
    exceptions = pendulum.tz.exceptions
    try:
        instant = pendulum.datetime(*fields, local.microsecond, tz=timezone, fold=0,
                                    raise_on_unknown_times=True)  # fmt: skip
    except exceptions.NonExistingTime:
        raise ValueError(
            f"{text} does not exist on {local.date()} in {timezone} (the clocks "
            "jump forward); write a later time or give an offset such as +02:00"
        ) from None
    except exceptions.AmbiguousTime:
        first = pendulum.datetime(*fields, local.microsecond, tz=timezone, fold=0)
        note = (
            f"{text} happens twice on {local.date()} in {timezone} (the clocks go back); "
            f"read as the first one, UTC{_offset(first)}; give an offset to choose"
        )
        return Resolved(to_utc(first), note)
    return Resolved(to_utc(instant))


def _offset(instant: datetime) -> str:
    return instant.strftime("%z")[:3] + ":" + instant.strftime("%z")[3:]


def to_utc(instant: datetime) -> datetime:
    """A plain `datetime` in `datetime.UTC` (not a pendulum subclass), as the core expects."""
    utc = instant.astimezone(UTC)
    return datetime(
        utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond, tzinfo=UTC
    )
