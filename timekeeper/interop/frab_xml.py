"""frab's schedule.xml (also written by pretalx and the c3voc tools), read safely.

The XML comes from the internet, so it is parsed by defusedxml (no entity
expansion, no external entities or DTD fetches) through SAX, which lets every
element keep its line: a problem is reported as FILE:LINE. Only what a
programme needs is read: the conference, its rooms and each event's guid,
title, subtitle, full `date` (with its offset), duration, persons, type, url and
the recording opt-out (`<recording><optout>`, plus `do_not_record` /
`do_not_stream` where an exporter writes them).
"""

from __future__ import annotations

import xml.sax
from dataclasses import dataclass, field
from xml.sax.handler import ContentHandler

import defusedxml.sax
from defusedxml import DefusedXmlException

from timekeeper.interop import schedule
from timekeeper.interop.schedule import Conference, ScheduleError, Talk

#: A real schedule.xml has a few tens of thousands of elements; counted before parsing too.
MAX_ELEMENTS = 250_000


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str]
    line: int
    children: list[_Node] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def child(self, tag: str) -> _Node | None:
        return next((c for c in self.children if c.tag == tag), None)

    def child_text(self, tag: str) -> str | None:
        found = self.child(tag)
        return found.text if found is not None else None

    def all(self, tag: str) -> list[_Node]:
        return [c for c in self.children if c.tag == tag]


class _Builder(ContentHandler):
    """Builds a small tree of `_Node`s, each with the line its start tag is on."""

    def __init__(self) -> None:
        super().__init__()
        self.root: _Node | None = None
        self._stack: list[_Node] = []
        self._count = 0
        self._locator: xml.sax.xmlreader.Locator | None = None

    def setDocumentLocator(self, locator: xml.sax.xmlreader.Locator) -> None:
        self._locator = locator

    def startElement(self, name: str, attrs: xml.sax.xmlreader.AttributesImpl) -> None:
        self._count += 1
        if self._count > MAX_ELEMENTS:
            raise xml.sax.SAXParseException(
                f"more than {MAX_ELEMENTS} elements",
                None,
                self._locator,  # type: ignore[arg-type]
            )
        line = (self._locator.getLineNumber() if self._locator else None) or 0
        node = _Node(name, dict(attrs.items()), line)
        if self._stack:
            self._stack[-1].children.append(node)
        else:
            self.root = node
        self._stack.append(node)

    def endElement(self, name: str) -> None:
        self._stack.pop()

    def characters(self, content: str) -> None:
        if self._stack:
            self._stack[-1].parts.append(content)


def looks_like(data: bytes) -> bool:
    return data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def read(data: bytes, source: str, hint: str | None = None) -> Conference:
    """The conference in a frab schedule.xml; ScheduleError at FILE:LINE otherwise."""
    if data.count(b"<") > 2 * MAX_ELEMENTS:  # every element has a '<': refused before parsing
        raise ScheduleError(f"{source}: more than {MAX_ELEMENTS} XML elements; not a schedule")
    builder = _Builder()
    try:
        defusedxml.sax.parseString(data, builder)
    except xml.sax.SAXParseException as exc:
        raise ScheduleError(
            f"{source}:{exc.getLineNumber()}: not well-formed XML: {exc.getMessage()}"
        ) from None
    except DefusedXmlException as exc:
        raise ScheduleError(f"{source}: refused: {exc} (entities are not allowed)") from None
    except LookupError as exc:  # <?xml encoding="..."?> names an encoding Python lacks
        raise ScheduleError(f"{source}:1: not readable XML: {exc}") from None
    root = builder.root
    if root is None or root.tag != "schedule":
        line = root.line if root else 1
        raise ScheduleError(f"{source}:{line}: expected a frab <schedule> document")
    return _conference(root, source, hint)


def _conference(root: _Node, source: str, hint: str | None) -> Conference:
    conf = root.child("conference")
    where = f"{source}:{(conf or root).line}"
    if conf is None:
        raise ScheduleError(f"{where}: <conference> is missing")
    title = schedule.text(conf.child_text("title"), "<title>", where, required=True)
    zone_node = conf.child("time_zone_name")
    zone = schedule.check_timezone(
        zone_node.text if zone_node is not None else None,
        f"{source}:{zone_node.line}" if zone_node is not None else where,
    )
    rooms: list[str] = []
    talks: list[Talk] = []
    for day in root.all("day"):
        for room in day.all("room"):
            name = schedule.text(room.attrs.get("name"), "room name", f"{source}:{room.line}")
            if name is None:
                raise ScheduleError(f"{source}:{room.line}: <room> has no name attribute")
            if name not in rooms:
                rooms.append(name)
            for event in room.all("event"):
                talks.append(_talk(event, name, source, zone or hint))
                schedule.count_talk(len(talks), f"{source}:{event.line}")
    return Conference(
        title=title or "",
        source=source,
        timezone=zone,
        acronym=schedule.text(conf.child_text("acronym"), "<acronym>", where),
        talks=tuple(talks),
        rooms=tuple(rooms),
    )


def _field(event: _Node, tag: str, source: str, *, required: bool = False) -> str | None:
    node = event.child(tag)
    where = f"{source}:{(node or event).line}"
    if node is None and required:
        raise ScheduleError(f"{where}: <event> has no <{tag}>")
    return schedule.text(node.text if node is not None else None, f"<{tag}>", where,
                         required=required)  # fmt: skip


def _talk(event: _Node, room: str, source: str, zone: str | None) -> Talk:
    where = f"{source}:{event.line}"
    date_text = _field(event, "date", source, required=True) or ""
    date_line = f"{source}:{event.child('date').line}"  # type: ignore[union-attr]
    duration_node = event.child("duration")
    if duration_node is None:
        raise ScheduleError(f"{where}: <event> has no <duration>")
    persons_node = event.child("persons")
    persons = tuple(
        name
        for person in (persons_node.all("person") if persons_node is not None else [])
        if (name := schedule.text(person.text, "<person>", f"{source}:{person.line}"))
    )
    recording = event.child("recording")
    optout = _flag(recording.child_text("optout") if recording is not None else None)
    return Talk(
        title=_field(event, "title", source, required=True) or "",
        room=room,
        start=schedule.parse_instant(date_text, date_line, zone),
        duration=schedule.parse_duration(duration_node.text, f"{source}:{duration_node.line}"),
        where=where,
        guid=schedule.text(event.attrs.get("guid"), "guid", where),
        subtitle=_field(event, "subtitle", source),
        persons=persons,
        do_not_record=optout or _flag(event.child_text("do_not_record")),
        do_not_stream=_flag(event.child_text("do_not_stream")),
        kind=_field(event, "type", source),
        url=_field(event, "url", source),
    )


def _flag(value: str | None) -> bool:
    return value is not None and value.strip().lower() in {"true", "1", "yes"}
