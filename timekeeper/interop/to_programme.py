"""One room of a conference schedule as a programme.yaml text, commented, that `check` accepts.

Mapping (docs/interop.md): each talk is a slot — its guid the slot id (lower-cased;
anything outside a-z, 0-9, '-', '_' slugified), its persons the speakers, its
full `date` the planned start (written with its UTC offset, so a day past
midnight and a daylight-saving change stay exact), its duration. A gap of up to
`max_changeover` between two talks becomes a changeover slot (`changeover_scene`);
a longer gap (the night, a long break) stays a gap. Recording: every talk is
recorded on its own (`start_recording` at its start, `stop_recording` at its end)
unless the schedule opts it out; streaming runs through each block of slots and
stops for a talk the schedule marks `do_not_stream`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import yaml

from timekeeper.interop.schedule import Conference, ScheduleError, Talk
from timekeeper.interop.zones import zone_for
from timekeeper.programme.durations import format_duration
from timekeeper.programme.ids import slugify
from timekeeper.programme.model import ID_PATTERN


@dataclass(frozen=True)
class Options:
    talk_scene: str = "Stage"
    changeover_scene: str = "Changeover"
    max_changeover: timedelta = timedelta(hours=2)
    timezone: str | None = None  # --timezone ZONE: for a schedule that names none


@dataclass
class Slot:
    """A slot to write: a talk or a changeover, with the actions the flags imply."""

    id: str
    title: str
    start: datetime
    duration: timedelta
    scene: str
    talk: Talk | None = None
    on_start: list[str] = field(default_factory=list)
    on_end: list[str] = field(default_factory=list)


def slot_id(guid: str | None, title: str) -> str:
    """The guid as it is when it is a valid id (a UUID is), else slugified; else the title's."""
    if guid and re.fullmatch(ID_PATTERN, guid.lower()):
        return guid.lower()
    return slugify(guid or "") or slugify(title) or "talk"


def plan(conference: Conference, room: str, options: Options) -> list[Slot]:
    """The room's slots in order, changeovers in the gaps, stream/record actions set."""
    talks = conference.room_talks(conference.find_room(room))
    if not talks:
        raise ScheduleError(f"{conference.source}: room '{room}' has no talks")
    slots: list[Slot] = []
    taken: set[str] = set()
    for talk in talks:
        if slots and talk.start < slots[-1].start + slots[-1].duration:
            before = slots[-1]
            raise ScheduleError(
                f"{talk.where}: '{talk.title}' starts before '{before.title}' ends "
                f"({before.start + before.duration:%Y-%m-%d %H:%M%z}) in room '{talk.room}'"
            )
        if slots:
            end = slots[-1].start + slots[-1].duration
            gap = talk.start - end
            if timedelta() < gap <= options.max_changeover:
                slots.append(Slot(_unique(f"changeover-{slot_id(talk.guid, talk.title)}", taken),
                                  "Changeover", end, gap, options.changeover_scene))  # fmt: skip
        slots.append(Slot(_unique(slot_id(talk.guid, talk.title), taken), talk.title, talk.start,
                          talk.duration, talk.scene or options.talk_scene, talk))  # fmt: skip
    _outputs(slots)
    return slots


def _unique(base: str, taken: set[str]) -> str:
    candidate, counter = base, 2
    while candidate in taken:
        candidate, counter = f"{base}-{counter}", counter + 1
    taken.add(candidate)
    return candidate


def _outputs(slots: list[Slot]) -> None:
    """Record each talk on its own; stream each block, pausing for do_not_stream talks."""
    streaming = False
    for index, slot in enumerate(slots):
        talk = slot.talk
        if talk is not None and not talk.do_not_record:
            slot.on_start.append("start_recording")
            slot.on_end.append("stop_recording")
        wanted = talk is None or not talk.do_not_stream
        if wanted and not streaming:
            slot.on_start.insert(0, "start_streaming")
        elif streaming and not wanted:
            slot.on_start.insert(0, "stop_streaming")
        streaming = wanted
        last_of_block = (
            index + 1 == len(slots) or slots[index + 1].start > slot.start + slot.duration
        )
        if streaming and last_of_block:
            slot.on_end.append("stop_streaming")
            streaming = False


def render(conference: Conference, room: str, options: Options | None = None) -> str:
    """programme.yaml for one room, with comments saying where each part came from."""
    options = options or Options()
    slots = plan(conference, room, options)
    name = conference.find_room(room)
    zone_name, _ = zone_for(conference, [s.talk for s in slots if s.talk], options.timezone)
    zone = ZoneInfo(zone_name)
    first = slots[0].start.astimezone(zone)
    lines = [
        "# yaml-language-server: $schema=schema/programme.schema.json",
        "#",
        f"# Room '{_safe(name)}' of {_safe(conference.title)}, imported from "
        f"{_safe(conference.source)} by `timekeeper import`.",
        "# Starts are the schedule's own instants with their UTC offset; slot ids are the",
        "# talks' guids, so a later re-import can recognise them.",
        f"# Gaps of up to {format_duration(options.max_changeover)} are changeover slots "
        f"(scene {options.changeover_scene!r}); longer gaps stay gaps.",
        "# Each talk is recorded on its own unless the schedule opts it out; the stream runs",
        "# through each block of slots and stops for a talk marked do_not_stream.",
        "# Check it with:  timekeeper check THIS-FILE",
        "",
        "event:",
        f"  title: {_q(conference.title + ' — ' + name)}",
        f"  date: {first.date().isoformat()}",
        f"  timezone: {zone_name}",
        f"  venue: {_q(name)}",
        "",
        "slots:",
    ]
    for slot in slots:
        lines.extend(slot_lines(slot, zone))
    return "\n".join(lines) + "\n"


def slot_lines(slot: Slot, zone: ZoneInfo) -> list[str]:
    talk = slot.talk
    out: list[str] = []
    if talk is not None and (talk.do_not_record or talk.do_not_stream):
        flags = [f for f, on in (("do_not_record", talk.do_not_record),
                                 ("do_not_stream", talk.do_not_stream)) if on]  # fmt: skip
        out.append(f"  # the schedule says {' and '.join(flags)}")
    out += [
        f"  - id: {yaml_id(slot.id)}",
        f"    title: {_q(slot.title)}",
        f"    start: {_q(instant_text(slot.start, zone))}",
        f"    duration: {format_duration(slot.duration)}",
    ]
    if talk is not None and talk.persons:
        out.append(f"    speakers: [{', '.join(_q(p) for p in talk.persons)}]")
    out.append(f"    scene: {_q(slot.scene)}")
    if slot.on_start:
        out.append(f"    on_start: [{', '.join(slot.on_start)}]")
    if slot.on_end:
        out.append(f"    on_end: [{', '.join(slot.on_end)}]")
    notes = [n for n in ((talk.subtitle, talk.url) if talk else ()) if n]
    if notes:
        out.append(f"    notes: {_q(' — '.join(notes))}")
    return out


def yaml_id(slot_id: str) -> str:
    """The id as YAML reads it back as the same text: `1`, `null`, `yes` are quoted."""
    return slot_id if yaml.safe_load(slot_id) == slot_id else _q(slot_id)


def instant_text(instant: datetime, zone: ZoneInfo) -> str:
    local = instant.astimezone(zone)
    return local.isoformat(timespec="seconds" if local.second else "minutes")


def _q(value: str) -> str:
    """A YAML double-quoted scalar (JSON's escaping is valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def _safe(value: str) -> str:
    """Text for a comment line: no line breaks."""
    return " ".join(value.split())
