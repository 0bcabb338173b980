"""A programme as frab's `schedule.xml` (the element order of frab's schedule.xml.xsd).

The same content as export_json: one room, a <day> per local date, an <event>
per slot with guid, date (with offset), start, duration, persons and
<recording><optout> from the output intent. Written with ElementTree, which
escapes every text.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from timekeeper.core.programme import Programme
from timekeeper.interop import identity
from timekeeper.interop.export_json import hhmm


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def write(programme: Programme) -> str:
    root = ET.Element("schedule")
    _add(root, "version", "timekeeper")
    conf = _add(root, "conference")
    days = identity.days(programme)
    _add(conf, "acronym", identity.acronym(programme))
    _add(conf, "title", programme.event.title)
    _add(conf, "start", days[0][0].isoformat())
    _add(conf, "end", days[-1][0].isoformat())
    _add(conf, "days", str(len(days)))
    _add(conf, "timeslot_duration", "00:05")
    _add(conf, "time_zone_name", programme.event.timezone)
    room_name = identity.room(programme)
    recorded = identity.recorded(programme)
    for index, (day, slots) in enumerate(days, start=1):
        day_el = _add(root, "day", index=str(index), date=day.isoformat(),
                      start=programme.local(slots[0].start).isoformat(),
                      end=programme.local(max(s.end for s in slots)).isoformat())  # fmt: skip
        room = _add(day_el, "room", name=room_name)
        for slot in slots:
            start = programme.local(slot.start)
            event = _add(room, "event", guid=identity.guid(programme, slot),
                         id=str(programme.index(slot.id) + 1))  # fmt: skip
            _add(event, "room", room_name)
            _add(event, "title", slot.title)
            _add(event, "subtitle", "")
            _add(event, "type", "talk")
            _add(event, "date", start.isoformat())
            _add(event, "start", start.strftime("%H:%M"))
            _add(event, "duration", hhmm(slot.duration))
            _add(event, "abstract", slot.notes or "")
            _add(event, "slug", identity.slug(programme, slot))
            _add(event, "track", "")
            persons = _add(event, "persons")
            for index_p, speaker in enumerate(slot.speakers, start=1):
                _add(persons, "person", speaker.name, id=str(index_p))
            _add(event, "language", "")
            _add(event, "description", "")
            recording = _add(event, "recording")
            _add(recording, "license", "")
            optout = recorded is not None and not recorded[slot.id]
            _add(recording, "optout", "true" if optout else "false")
            _add(event, "links")
            _add(event, "attachments")
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"
