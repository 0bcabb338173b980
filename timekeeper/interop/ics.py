"""A programme as an iCalendar file for attendees, written by the `icalendar` library.

One VEVENT per slot, in the event's timezone with its VTIMEZONE (generated from
the IANA zone, so the daylight-saving rules are the real ones; a time the clocks
repeat is written in UTC, as iCalendar cannot tell its two occurrences apart), a UID from the
slot's guid (stable across exports: re-importing the calendar updates events
instead of duplicating them), SUMMARY the title, DESCRIPTION the speakers.
"""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar

from timekeeper import __version__
from timekeeper.core.programme import Programme
from timekeeper.interop import identity


def write(programme: Programme, *, stamp: datetime | None = None) -> bytes:
    """The .ics bytes; `stamp` (DTSTAMP) defaults to the programme's start, so output is stable."""
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
        event.add("dtstart", _when(programme, slot.start))
        event.add("dtend", _when(programme, slot.end))
        event.add("location", identity.room(programme))
        if slot.speakers:
            event.add("description", ", ".join(s.label() for s in slot.speakers))
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
