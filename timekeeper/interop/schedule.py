"""What a conference schedule says, whatever format it came in: rooms and talks.

The readers (frab_xml, schedule_json, csvio) build these; `to_programme` reads them.
Instants are aware datetimes as published (each talk's full `date`, with its
offset), never a wall-clock `start` combined with a day, because a conference
"day" may run past midnight.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from timekeeper.errors import TimekeeperError

#: Bounds on untrusted input: a real conference schedule is far below each.
MAX_BYTES = 32 * 1024 * 1024
MAX_TALKS = 20_000
MAX_TEXT = 2_000
#: The years timekeeper plans (as the programme loader): a typo in a year must not overflow.
FIRST_YEAR, LAST_YEAR = 1900, 8999
#: The longest item a schedule may give (a camp's "open hackcenter" runs for days).
MAX_DURATION = timedelta(days=31)


class ScheduleError(TimekeeperError):
    """A schedule file that cannot be read; the message starts with where (FILE:LINE or path)."""

    exit_code = 2


@dataclass(frozen=True)
class Talk:
    """One scheduled item in one room."""

    title: str
    room: str
    start: datetime  # aware, as published
    duration: timedelta
    where: str  # FILE:LINE or FILE: json path, for messages
    guid: str | None = None
    subtitle: str | None = None
    persons: tuple[str, ...] = ()
    do_not_record: bool = False
    do_not_stream: bool = False
    kind: str | None = None  # lecture, workshop, ...
    url: str | None = None
    scene: str | None = None  # only CSV running orders name one

    @property
    def end(self) -> datetime:
        return self.start + self.duration


@dataclass(frozen=True)
class Conference:
    """A published schedule: the conference and every talk of every room."""

    title: str
    source: str
    timezone: str | None = None  # IANA name, when the schedule gives one
    acronym: str | None = None
    talks: tuple[Talk, ...] = ()
    rooms: tuple[str, ...] = field(default=())  # in the order the schedule lists them
    first_day: date | None = None

    def room_talks(self, room: str) -> list[Talk]:
        """The talks of one room (`find_room`), in time order."""
        name = room if room in self.rooms else self.find_room(room)
        return sorted((t for t in self.talks if t.room == name), key=_key)

    def find_room(self, room: str) -> str:
        """The room's name as the schedule spells it: exactly, else the one that differs only
        in case; ScheduleError listing the rooms if none, or naming the rooms if several."""
        if room in self.rooms:
            return room
        alike = [name for name in self.rooms if name.casefold() == room.casefold()]
        if len(alike) == 1:
            return alike[0]
        if alike:
            names = " and ".join(f"'{name}'" for name in alike)
            raise ScheduleError(
                f"{self.source}: rooms {names} differ only in case: give --room exactly as "
                "the schedule spells it"
            )
        listed = ", ".join(f"'{name}'" for name in self.rooms) or "none"
        raise ScheduleError(f"{self.source}: no room '{room}'; its rooms are {listed}")


def _key(talk: Talk) -> tuple[datetime, str]:
    return (talk.start, talk.title)


_DURATION = re.compile(r"(?:(\d{1,6}):)?(\d{1,6}):(\d{2})(?::(\d{2}))?")


def parse_duration(text: str, where: str) -> timedelta:
    """frab's "HH:MM" (also "D:HH:MM" and "HH:MM:SS" as some exports write them)."""
    match = _DURATION.fullmatch(text.strip())
    if not match:
        raise ScheduleError(f"{where}: duration {text!r} is not HH:MM (e.g. 00:45)")
    days, hours, minutes, seconds = match.groups()
    if text.count(":") == 2 and seconds is None:
        # "H:MM:SS" is more common than "D:HH:MM"
        hours, minutes, seconds, days = days, hours, minutes, None
    value = timedelta(
        days=int(days or 0), hours=int(hours), minutes=int(minutes), seconds=int(seconds or 0)
    )
    if value <= timedelta():
        raise ScheduleError(f"{where}: duration {text!r} is not longer than zero")
    if value > MAX_DURATION:
        raise ScheduleError(f"{where}: duration {text!r} is longer than {MAX_DURATION.days} days")
    return value


def parse_instant(text: str, where: str, timezone: str | None) -> datetime:
    """A talk's full `date`, e.g. 2020-12-14T09:00:00+01:00; naive only with a known zone."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ScheduleError(
            f"{where}: date {text!r} is not an ISO 8601 date and time "
            "(e.g. 2020-12-14T09:00:00+01:00)"
        ) from None
    if value.tzinfo is None:
        if timezone is None:
            raise ScheduleError(
                f"{where}: date {text!r} has no UTC offset and the schedule names no time "
                "zone: give it with --timezone ZONE (e.g. Europe/Berlin)"
            )
        value = value.replace(tzinfo=ZoneInfo(timezone))
    return in_years(value, text, where)


def in_years(value: datetime, text: str, where: str) -> datetime:
    """`value` if it falls in the years timekeeper plans; else ScheduleError (no overflow later)."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ScheduleError(
            f"{where}: date {text!r} falls outside the years timekeeper plans "
            f"({FIRST_YEAR} to {LAST_YEAR})"
        )
    return value


def check_timezone(name: str | None, where: str) -> str | None:
    """The schedule's time_zone_name if it is an IANA zone; None when absent."""
    if not name or not name.strip():
        return None
    try:
        if len(name.strip()) > 64:
            raise ValueError("no IANA zone name is that long")
        ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ScheduleError(
            f"{where}: time zone {name[:64]!r} is not an IANA zone (e.g. Europe/Berlin)"
        ) from None
    return name.strip()


def text(value: str | None, what: str, where: str, *, required: bool = False) -> str | None:
    """A bounded, stripped piece of text; ScheduleError when required and missing."""
    if value is None or not value.strip():
        if required:
            raise ScheduleError(f"{where}: {what} is missing")
        return None
    value = " ".join(value.split())
    if len(value) > MAX_TEXT:
        raise ScheduleError(f"{where}: {what} is longer than {MAX_TEXT} characters")
    return value


def read_bounded(path: str) -> bytes:
    """The file's bytes, refused past MAX_BYTES (a schedule is a few MB at most)."""
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size  # 0 for a pipe: read up to the bound
            data = handle.read(min(size, MAX_BYTES) + 1)
            if len(data) > size:  # a pipe, or a file still growing
                data += handle.read(MAX_BYTES + 1 - len(data))
    except OSError as exc:
        raise ScheduleError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise ScheduleError(f"{path}: larger than {MAX_BYTES // (1024 * 1024)} MiB; not a schedule")
    return data


def count_talk(count: int, where: str) -> None:
    if count > MAX_TALKS:
        raise ScheduleError(f"{where}: more than {MAX_TALKS} talks; not read further")
