"""A programme as the c3voc/pretalx/frab `schedule.json` (validates against c3voc's schema).

One room (the event's venue, else "Main"); one day per local date a slot starts
on, whose day_start/day_end span its slots; each slot an event with its guid
(identity.py), full `date` with offset, `start` HH:MM, `duration` HH:MM and its
speakers as persons. Room signage, "next talk" overlays and recording pipelines
that read schedule.json can read a timekeeper programme.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from timekeeper.core.programme import Programme, Slot
from timekeeper.interop import identity


def hhmm(value: timedelta) -> str:
    minutes = round(value.total_seconds() / 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


Times = Mapping[str, tuple[datetime, datetime]]  # slot id -> (start, end), UTC


def document(programme: Programme, times: Times | None = None) -> dict[str, Any]:
    """The schedule; `times` (the live schedule: expected and actual times) replaces the
    planned start and end of the slots it names, and each event then also has its `end`."""
    room = identity.room(programme)
    recorded = identity.recorded(programme)
    when = dict(times or {})

    def span(slot: Slot) -> tuple[datetime, datetime]:
        return when.get(slot.id, (slot.start, slot.end))

    days = []
    for index, (day, slots) in enumerate(identity.days(programme), start=1):
        days.append({
            "index": index,
            "date": day.isoformat(),
            "day_start": programme.local(min(span(s)[0] for s in slots)).isoformat(),
            "day_end": programme.local(max(span(s)[1] for s in slots)).isoformat(),
            "rooms": {room: [_event(programme, slot, room, recorded, span(slot), times is not None)
                             for slot in slots]},
        })  # fmt: skip
    local_days = [d for d, _ in identity.days(programme)]
    conference = {
        "acronym": identity.acronym(programme),
        "title": programme.event.title,
        "start": local_days[0].isoformat(),
        "end": local_days[-1].isoformat(),
        "daysCount": len(days),
        "timeslot_duration": "00:05",
        "time_zone_name": programme.event.timezone,
        "days": days,
    }
    return {"schedule": {"version": "timekeeper", "conference": conference}}


def _event(
    programme: Programme,
    slot: Slot,
    room: str,
    recorded: dict[str, bool] | None,
    span: tuple[datetime, datetime],
    with_end: bool,
) -> dict[str, Any]:
    start = programme.local(span[0])
    event: dict[str, Any] = {
        "guid": identity.guid(programme, slot),
        "id": programme.index(slot.id) + 1,
        "date": start.isoformat(),
        "start": start.strftime("%H:%M"),
        "duration": hhmm(span[1] - span[0]),
        "room": room,
        "slug": identity.slug(programme, slot),
        "url": f"urn:uuid:{identity.guid(programme, slot)}",
        "title": slot.title,
        "subtitle": "",
        "track": None,
        "type": "talk",
        "language": None,
        "abstract": slot.notes or "",
        "persons": [{"name": s.name, "public_name": s.name} for s in slot.speakers],
        "links": [],
    }
    if with_end:
        event["end"] = programme.local(span[1]).isoformat()
    if recorded is not None:
        event["do_not_record"] = not recorded[slot.id]
    if slot.do_not_record:
        event["do_not_record"] = True
    return event


def write(programme: Programme) -> str:
    return json.dumps(document(programme), indent=2, ensure_ascii=False) + "\n"
