"""The planned timeline as a plain-text table, readable at 80 columns.

This is what `timekeeper check` prints: what a stage manager reads to confirm
that the file says what the printed programme says. Plain text on purpose: it
goes into terminals, CI logs and e-mails alike.
"""

from __future__ import annotations

import textwrap
from datetime import date, datetime, timedelta

from timekeeper.core.programme import Programme, Slot
from timekeeper.programme.durations import format_clock

WIDTH = 80
_LEFT = 24  # START(5), END(9), LENGTH(6) and the gaps between them
_SCENE_MAX = 14


def render_timeline(programme: Programme, width: int = WIDTH) -> str:
    """Header, one row per slot (speakers, turns and gaps below it), then the totals."""
    layout = _Layout(programme, width)
    lines = [*_header(programme, width), "", layout.heading()]
    previous: Slot | None = None
    for slot in programme.slots:
        day = programme.local(slot.start).date()
        if layout.multi_day and (previous is None or programme.local(previous.start).date() != day):
            lines.append(f"── {_long_date(day)} " + "─" * max(0, width - len(_long_date(day)) - 4))
        if previous is not None and slot.start > previous.end:
            lines.append(layout.gap(previous.end, slot.start))
        lines.extend(layout.rows(slot))
        previous = slot
    lines.extend(["", *_totals(programme, width)])
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _header(programme: Programme, width: int) -> list[str]:
    event = programme.event
    first = programme.local(programme.start)
    offset = f"{first:%z}"
    zone = f"Times in {event.timezone} ({first.tzname()}, UTC{offset[:3]}:{offset[3:]})"
    optional = [text for text in (event.subtitle, event.venue) if text]
    last = programme.local(programme.end - timedelta(microseconds=1)).date()
    when = _long_date(event.date) + (f" to {_long_date(last)}" if last > event.date else "")
    lines = [event.title, *optional, when, zone]
    return [wrapped for line in lines for wrapped in textwrap.wrap(line, width) or [""]]


def _totals(programme: Programme, width: int) -> list[str]:
    slots = programme.slots
    turns = sum(len(slot.turns) for slot in slots)
    length = programme.end - programme.start
    start, end = programme.local(programme.start), programme.local(programme.end)
    days = (end.date() - start.date()).days
    until = f"{end:%H:%M}" + (f" (+{days}d)" if days else "")
    counts = [f"{len(slots)} slot{'s' if len(slots) != 1 else ''}"]
    counts += [f"{n} {what}" for n, what in _marked(slots) if n]
    counts += [f"{turns} turn{'s' if turns != 1 else ''}"] if turns else []
    line = f"Total: {format_clock(length)}, {start:%H:%M} to {until}; {', '.join(counts)}"
    return textwrap.wrap(line, width)


def _marked(slots: tuple[Slot, ...]) -> list[tuple[int, str]]:
    return [(sum(s.hard for s in slots), "hard"), (sum(s.manual for s in slots), "manual")]


class _Layout:
    """Column widths for one programme, and how each kind of row is drawn."""

    def __init__(self, programme: Programme, width: int) -> None:
        self.programme = programme
        self.width = width
        slots = programme.slots
        self.multi_day = programme.local(programme.end - timedelta(microseconds=1)).date() != (
            programme.local(programme.start).date()
        )
        scenes = [len(slot.scene or "") for slot in slots]
        self.scene_w = min(max([5, *scenes]), _SCENE_MAX)
        self.flag_w = max(len(_flags(slot)) for slot in slots)
        self.title_w = width - _LEFT - 2 - self.scene_w - (self.flag_w + 2 if self.flag_w else 0)

    def heading(self) -> str:
        flags = "  " + "MODE".ljust(self.flag_w) if self.flag_w else ""
        return (
            f"{'START':<5}  {'END':<9}{'LENGTH':>6}  {'SLOT':<{self.title_w}}  "
            f"{'SCENE':<{self.scene_w}}{flags}"
        )

    def rows(self, slot: Slot) -> list[str]:
        start, end = self.programme.local(slot.start), self.programme.local(slot.end)
        title = textwrap.wrap(slot.title, self.title_w) or [""]
        scene = _clip(slot.scene or "-", self.scene_w)
        flags = f"  {_flags(slot):<{self.flag_w}}" if self.flag_w else ""
        first = (
            f"{start:%H:%M}  {_end(start, end):<9}{format_clock(slot.duration):>6}  "
            f"{title[0]:<{self.title_w}}  {scene:<{self.scene_w}}{flags}"
        )
        return [first, *self._indent(title[1:]), *self._details(slot)]

    def gap(self, start: datetime, end: datetime) -> str:
        local_start, local_end = self.programme.local(start), self.programme.local(end)
        return (
            f"{local_start:%H:%M}  {_end(local_start, local_end):<9}"
            f"{format_clock(end - start):>6}  (gap)"
        )

    def _indent(self, lines: list[str], extra: int = 0) -> list[str]:
        return [" " * (_LEFT + extra) + line for line in lines]

    def _details(self, slot: Slot) -> list[str]:
        room = self.width - _LEFT
        lines: list[str] = []
        if slot.speakers:
            names = ", ".join(speaker.label() for speaker in slot.speakers)
            lines += self._indent(textwrap.wrap(names, room))
        for turn in slot.turns:
            label = turn.speaker + (f" · {turn.title}" if turn.title else "")
            text = f"{format_clock(turn.duration):>6}  {label}"
            lines += self._indent(textwrap.wrap(text, room - 2, subsequent_indent=" " * 8), 2)
        free = slot.duration - sum((turn.duration for turn in slot.turns), timedelta())
        if slot.turns and free > timedelta():
            lines += self._indent([f"{format_clock(free):>6}  (left after the turns)"], 2)
        return lines


def _flags(slot: Slot) -> str:
    return " ".join(flag for flag, on in (("HARD", slot.hard), ("MANUAL", slot.manual)) if on)


def _end(start: datetime, end: datetime) -> str:
    """End time, with +Nd when it falls on a later day than the start."""
    days = (end.date() - start.date()).days
    return f"{end:%H:%M}" + (f"+{days}d" if days else "")


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
