"""Which IANA time zone an imported programme is in, and which one an export may name.

Import (`zone_for`): the zone the user gives (`--timezone ZONE`), else the schedule's own
`time_zone_name`, else one inferred from a place the conference's name mentions — only
when exactly one Area/City zone is named there and it agrees with every talk's published
UTC offset — else none: the user is asked for `--timezone ZONE`. A fixed offset such as
`Etc/GMT-1` is never guessed: the same offset is a different zone in summer.

Export (`exportable`): c3voc's schema wants `time_zone_name` to be an Area/City name or
`UTC`; a programme in any other zone (`Etc/GMT-1`, `CET`) is exported in UTC.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from timekeeper.interop.schedule import Conference, ScheduleError, Talk, check_timezone

#: c3voc's schema.json, Conference.time_zone_name (a search, as JSON Schema applies it).
SCHEMA_PATTERN = re.compile(r"^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$")


def zone_for(
    conference: Conference, talks: Sequence[Talk], given: str | None
) -> tuple[str, str | None]:
    """The programme's zone and a note on where it came from (None: the schedule named it)."""
    if given:
        zone = check_timezone(given, "--timezone") or given
        if conference.timezone and conference.timezone != zone:
            return zone, f"--timezone {zone} used; the schedule names {conference.timezone}"
        return zone, None
    if conference.timezone:
        return conference.timezone, None
    found = _inferred(conference.title, talks)
    if found:
        return found, (
            f"the schedule names no time zone: {found} inferred from the conference's name "
            f"{conference.title!r} (every talk's UTC offset agrees); --timezone ZONE chooses"
        )
    raise ScheduleError(
        f"{conference.source}: the schedule names no time zone (its talks are at "
        f"{_offsets(talks)}), and a UTC offset does not say which zone (summer time "
        "differs): give the venue's zone, e.g. --timezone Europe/Berlin"
    )


def exportable(zone: str) -> bool:
    """Does c3voc's schema accept `zone` as time_zone_name?"""
    return SCHEMA_PATTERN.search(zone) is not None


@cache
def _cities() -> dict[str, tuple[str, ...]]:
    """Every Area/City zone by its city's name in lower case ('new york' -> America/New_York)."""
    cities: dict[str, list[str]] = {}
    for name in available_timezones():
        area, _, city = name.rpartition("/")
        if not area or area.split("/")[0] in {"Etc", "Antarctica", "SystemV", "US", "Canada"}:
            continue
        cities.setdefault(city.replace("_", " ").lower(), []).append(name)
    return {city: tuple(sorted(zones)) for city, zones in cities.items()}


def _inferred(title: str, talks: Sequence[Talk]) -> str | None:
    words = re.findall(r"[^\W\d_]+", title.lower())
    named: set[str] = set()
    for size in (1, 2, 3):
        for at in range(len(words) - size + 1):
            named.update(_cities().get(" ".join(words[at : at + size]), ()))
    fitting = {zone for zone in named if _agrees(zone, talks)}
    return fitting.pop() if len(fitting) == 1 else None


def _agrees(zone: str, talks: Sequence[Talk]) -> bool:
    tz = ZoneInfo(zone)
    return bool(talks) and all(
        t.start.utcoffset() == t.start.astimezone(tz).utcoffset() for t in talks
    )


def _offsets(talks: Sequence[Talk]) -> str:
    seen = sorted({t.start.utcoffset() or timedelta() for t in talks})
    return ", ".join(_utc(offset) for offset in seen) or "no offset"


def _utc(offset: timedelta) -> str:
    sign, size = ("+" if offset >= timedelta() else "-"), abs(offset)
    hours, rest = divmod(size, timedelta(hours=1))
    return f"UTC{sign}{hours:02d}:{rest // timedelta(minutes=1):02d}"
