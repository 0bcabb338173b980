"""The schedule.json that pretalx, frab and the c3voc tools publish (c3voc's JSON Schema).

Read as untrusted input: size bounded before parsing, every value's type checked
where it is used, and a problem reported with its JSON path
(`schedule.json: $.schedule.conference.days[0].rooms["Gray Room"][3].date: …`);
a syntax error names its line and column.
"""

from __future__ import annotations

import json
from typing import Any

from timekeeper.interop import schedule
from timekeeper.interop.schedule import Conference, ScheduleError, Talk


def looks_like(data: bytes) -> bool:
    return data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def read(data: bytes, source: str, hint: str | None = None) -> Conference:
    """The conference in a schedule.json; ScheduleError with a line or a JSON path otherwise."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ScheduleError(f"{source}: not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ScheduleError(
            f"{source}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"
        ) from None
    except RecursionError:
        raise ScheduleError(f"{source}: nested too deeply to be a schedule") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise ScheduleError(f"{source}: not a schedule: {str(exc).split(';')[0][:120]}") from None
    _refuse_surrogates(document, source)
    top = _object(document, "$", source)
    sched = _object(top.get("schedule"), "$.schedule", source)
    conf = _object(sched.get("conference"), "$.schedule.conference", source)
    at = "$.schedule.conference"
    title = schedule.text(_str(conf, "title", at, source), "title", f"{source}: {at}.title",
                          required=True)  # fmt: skip
    zone = schedule.check_timezone(
        _str(conf, "time_zone_name", at, source), f"{source}: {at}.time_zone_name"
    )
    rooms: list[str] = []
    for index, room in enumerate(_list(conf.get("rooms", []), f"{at}.rooms", source)):
        name = _str(_object(room, f"{at}.rooms[{index}]", source), "name", f"{at}.rooms[{index}]",
                    source)  # fmt: skip
        if name and name not in rooms:
            rooms.append(name)
    talks: list[Talk] = []
    for d, day in enumerate(_list(conf.get("days"), f"{at}.days", source)):
        day_at = f"{at}.days[{d}]"
        day_rooms = _object(
            _object(day, day_at, source).get("rooms", {}), f"{day_at}.rooms", source
        )
        for name, events in day_rooms.items():
            room_at = f"{day_at}.rooms[{json.dumps(name)}]"
            if name not in rooms:
                rooms.append(name)
            for e, event in enumerate(_list(events, room_at, source)):
                talks.append(_talk(_object(event, f"{room_at}[{e}]", source), name,
                                   f"{room_at}[{e}]", source, zone or hint))  # fmt: skip
                schedule.count_talk(len(talks), f"{source}: {room_at}[{e}]")
    return Conference(
        title=title or "",
        source=source,
        timezone=zone,
        acronym=schedule.text(_str(conf, "acronym", at, source), "acronym", at),
        talks=tuple(talks),
        rooms=tuple(rooms),
    )


def _talk(event: dict[str, Any], room: str, at: str, source: str, zone: str | None) -> Talk:
    def where(key: str) -> str:
        return f"{source}: {at}.{key}"

    date_text = _str(event, "date", at, source)
    if not date_text:
        raise ScheduleError(f"{where('date')}: missing (the talk's full date and time)")
    duration_text = _str(event, "duration", at, source)
    if not duration_text:
        raise ScheduleError(f"{where('duration')}: missing")
    persons = []
    for p, person in enumerate(_list(event.get("persons", []), f"{at}.persons", source)):
        person_at = f"{at}.persons[{p}]"
        if isinstance(person, str):
            name: str | None = person
        else:
            entry = _object(person, person_at, source)
            name = _str(entry, "public_name", person_at, source) or _str(
                entry, "name", person_at, source
            )
        name = schedule.text(name, "name", f"{source}: {person_at}")
        if name:
            persons.append(name)
    return Talk(
        title=schedule.text(
            _str(event, "title", at, source), "title", where("title"), required=True
        )
        or "",
        room=room,
        start=schedule.parse_instant(date_text, where("date"), zone),
        duration=schedule.parse_duration(duration_text, where("duration")),
        where=f"{source}: {at}",
        guid=schedule.text(_str(event, "guid", at, source), "guid", where("guid")),
        subtitle=schedule.text(_str(event, "subtitle", at, source), "subtitle", where("subtitle")),
        persons=tuple(persons),
        do_not_record=_flag(event.get("do_not_record")),
        do_not_stream=_flag(event.get("do_not_stream")),
        kind=schedule.text(_str(event, "type", at, source), "type", where("type")),
        url=schedule.text(_str(event, "url", at, source), "url", where("url")),
    )


def _refuse_surrogates(document: object, source: str) -> None:
    """JSON may escape half a character (`"\\ud800"`), which no file or terminal can hold."""
    stack: list[tuple[object, str]] = [(document, "$")]
    while stack:
        value, at = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                _text_only(key, f"{at} (a key)", source)
                stack.append(
                    (item, f"{at}.{key}" if key.isidentifier() else f"{at}[{json.dumps(key)}]")
                )
        elif isinstance(value, list):
            stack.extend((item, f"{at}[{index}]") for index, item in enumerate(value))
        elif isinstance(value, str):
            _text_only(value, at, source)


def _text_only(value: str, at: str, source: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ScheduleError(
            f"{source}: {at}: holds half a character (a lone surrogate, "
            f"{value[exc.start]!a}); not text"
        ) from None


def _flag(value: object) -> bool:
    if isinstance(value, str):  # the schema allows a string ("true", a reason)
        return value.strip().lower() not in {"", "false", "0", "no"}
    return value is True


def _object(value: object, at: str, source: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ScheduleError(f"{source}: {at}: expected an object, got {_kind(value)}")
    return value


def _list(value: object, at: str, source: str) -> list[Any]:
    if not isinstance(value, list):
        raise ScheduleError(f"{source}: {at}: expected a list, got {_kind(value)}")
    return value


def _str(value: dict[str, Any], key: str, at: str, source: str) -> str | None:
    item = value.get(key)
    if item is None or isinstance(item, str):
        return item
    if isinstance(item, int) and not isinstance(item, bool):
        return str(item)
    raise ScheduleError(f"{source}: {at}.{key}: expected text, got {_kind(item)}")


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    kinds: dict[type, str] = {dict: "an object", list: "a list", str: "text"}
    return kinds.get(type(value), "a number")
