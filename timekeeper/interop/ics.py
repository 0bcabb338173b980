"""A programme as an iCalendar file for attendees, written by the `icalendar` library.

One VEVENT per slot, in the event's timezone with its VTIMEZONE (generated from
the IANA zone, so the daylight-saving rules are the real ones; a time the clocks
repeat is written in UTC, as iCalendar cannot tell its two occurrences apart), a UID from the
slot's guid (stable across exports: re-importing the calendar updates events
instead of duplicating them), SUMMARY the title, DESCRIPTION the speakers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import icalendar

from timekeeper import __version__
from timekeeper.core.programme import Programme
from timekeeper.interop import identity


def write(
    programme: Programme,
    *,
    stamp: datetime | None = None,
    times: Mapping[str, tuple[datetime, datetime]] | None = None,
    notes: Mapping[str, str] | None = None,
) -> bytes:
    """The .ics bytes; `stamp` (DTSTAMP) defaults to the programme's start, so output is stable.
    `times` (slot id -> start, end) replaces planned times (the live feed), `notes` adds a line
    to a slot's DESCRIPTION (e.g. "planned 10:00–10:30, live now")."""
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//timekeeper//{__version__}//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", programme.event.title)
    cal.add("x-wr-timezone", programme.event.timezone)
    dtstamp = stamp or programme.start
    for slot in programme.slots:
        event = icalendar.Event()
        event.add("uid", f"{identity.guid(programme, slot)}@timekeeper")
        event.add("dtstamp", dtstamp.astimezone(UTC))
        event.add("summary", slot.title)
        start, end = (times or {}).get(slot.id, (slot.start, slot.end))
        event.add("dtstart", _when(programme, start))
        event.add("dtend", _when(programme, end))
        event.add("location", identity.room(programme))
        lines = [", ".join(s.label() for s in slot.speakers)] if slot.speakers else []
        lines += [(notes or {})[slot.id]] if slot.id in (notes or {}) else []
        if lines:
            event.add("description", "\n".join(lines))
        cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


def _when(programme: Programme, instant: datetime) -> datetime:
    """Local time with the event's TZID; UTC for a time the clocks repeat (iCalendar reads
    such a local time as its first occurrence: 02:15 after the clocks go back would be wrong)."""
    local = programme.local(instant)
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        return instant.astimezone(UTC)
    return local
