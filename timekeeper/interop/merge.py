"""Re-import: a conference's newer schedule merged into a programme the team has edited.

The policy (docs/interop.md, "Re-importing"):
- Slots are matched as `timekeeper diff` matches them (`core.diff.match`: by id —
  an imported slot's id is its talk's guid — then by title).
- The conference owns a matched slot's title, planned start, duration and
  speaker names, and its opt-outs: a talk it now marks do_not_record loses its
  record actions, one it marks do_not_stream stops the stream (and the slot after
  it starts it again). Everything else the team wrote — scene, turns, warning,
  danger, notes, hard, advance, texts, transition, the actions they added, a
  speaker's role and affiliation, the event's title — is kept as written.
- A talk the schedule no longer has (cancelled, or moved to another room) is
  taken out of the running order but kept in the file as a comment under a line
  saying so, so nothing the team wrote for it is lost. Only slots that came from
  a schedule go that way (an id that is a guid, or a `changeover-` id); any other
  slot the schedule does not have is the team's own and is kept.
- New talks are added as `import` writes them, with the changeovers around them;
  a new changeover that would overlap a slot of the team's own is left out.
Comments are kept by editing the text (`yamledit`), never by re-dumping YAML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from timekeeper.core.diff import match
from timekeeper.core.programme import Programme
from timekeeper.core.programme import Slot as PlannedSlot
from timekeeper.interop.schedule import Conference
from timekeeper.interop.to_programme import Options, Slot, instant_text, plan, render, slot_lines
from timekeeper.interop.yamledit import Block, SlotsText, event_set, split
from timekeeper.programme.durations import format_duration
from timekeeper.programme.loader import load_programme_text

_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_RECORD = ("start_recording", "stop_recording")


@dataclass
class Merged:
    """The merged text, the two programmes (for the difference) and what to tell the user."""

    text: str
    old: Programme
    new: Programme
    notes: list[str] = field(default_factory=list)


@dataclass
class _Entry:
    key: datetime | None  # None: stays right after the entry before it
    lines: list[str]
    block: Block | None = None
    stops_stream: bool = False  # newly do_not_stream: the next slot restarts the stream
    streams_off: bool = False  # do_not_stream (the stream must not restart at its start)
    removed: bool = False  # kept only as a comment


def from_schedule(slot_id: str) -> bool:
    """Did this slot come from a schedule import (a guid id, or an import's changeover)?"""
    return bool(_GUID.fullmatch(slot_id)) or slot_id.startswith("changeover-")


def merge(existing: str, name: str, conference: Conference, room: str, options: Options) -> Merged:
    """`existing` (a valid programme's text) updated to the room's schedule; raises
    InvalidProgrammeError when `existing`, or the merged result, does not load."""
    old = load_programme_text(existing, name)
    if conference.timezone is None and options.timezone is None:  # the team's file knows
        options = replace(options, timezone=old.event.timezone)
    fresh = load_programme_text(render(conference, room, options), f"{conference.source} (import)")
    planned = plan(conference, room, options)  # one to one with fresh.slots
    zone = ZoneInfo(fresh.event.timezone)
    notes: list[str] = []
    text = existing
    for key in ("date", "timezone"):
        before, after = getattr(old.event, key), getattr(fresh.event, key)
        if before != after:
            text = event_set(text, name, key, str(after))
            notes.append(f"event {key}: {after} (was {before})")
    cut, _, _ = split(text, name)
    dash = _dash_column(cut)
    pairs = match(old, fresh)
    entries: list[_Entry] = []
    local: list[PlannedSlot] = []
    for i, block in enumerate(cut.blocks):
        a, j = old.slots[i], pairs.get(i)
        if j is not None:
            entries.append(_update(block, a, fresh.slots[j], planned[j], zone, notes))
        elif from_schedule(a.id):
            reason = (
                f"removed by re-import: '{a.title}' is no longer in the schedule "
                f"for this room (was {instant_text(a.start, zone)})"
            )
            entries.append(_Entry(a.start, block.commented_out(reason), removed=True))
        else:
            local.append(a)
            entries.append(_Entry(a.start if "start" in block.data else None, [], block))
    taken = set(pairs.values())
    for j, slot in enumerate(planned):
        if j in taken:
            continue
        if slot.talk is None and any(_overlaps(slot, mine) for mine in local):
            notes.append(
                f"no changeover before '{_next_title(planned, j)}': "
                "a slot of your own is in that gap"
            )
            continue
        lines = _reindent(slot_lines(slot, zone), dash)
        off = slot.talk is not None and slot.talk.do_not_stream
        entries.append(_Entry(slot.start, lines, streams_off=off))
    ordered = _ordered(entries)
    _restart_streams(ordered, notes)
    if local:
        notes.append(
            f"kept {len(local)} slot(s) of your own the schedule does not have: "
            + ", ".join(f"'{s.title}'" for s in local)
        )
    notes += _comment_notes(cut, ordered)
    body = [line for entry in ordered for line in _lines(entry)]
    merged = "\n".join(cut.header + body + cut.footer) + "\n"
    new = load_programme_text(merged, f"{name} (after re-import)")
    return Merged(merged, old, new, notes)


def _dash_column(cut: SlotsText) -> int:
    for block in cut.blocks:
        if block.editable:
            return block.column - 2
    return 2


def _reindent(lines: list[str], dash: int) -> list[str]:
    if dash == 2:
        return lines
    return [(" " * dash + line[2:]) if line.startswith("  ") else line for line in lines]


def _lines(entry: _Entry) -> list[str]:
    return entry.block.text_lines() if entry.block is not None else entry.lines


def _overlaps(slot: Slot, mine: PlannedSlot) -> bool:
    return slot.start < mine.end and mine.start < slot.start + slot.duration


def _next_title(planned: list[Slot], j: int) -> str:
    return planned[j + 1].title if j + 1 < len(planned) else planned[j].title


def _update(
    block: Block, a: PlannedSlot, b: PlannedSlot, s: Slot, zone: ZoneInfo, notes: list[str]
) -> _Entry:
    """The conference's side of a matched slot written into the team's block."""
    if "id" not in block.data:
        block.set("id", b.id)
    if a.title != b.title:
        block.set("title", b.title)
    if a.start != b.start:
        block.set("start", instant_text(b.start, zone))
    if a.duration != b.duration or ("end" in block.data and a.start != b.start):
        block.set("duration", format_duration(b.duration), instead_of="end")
    entry = _Entry(b.start, [], block)
    talk = s.talk
    if talk is None:
        return entry
    names = [p for p in talk.persons]
    if [sp.name for sp in a.speakers] != names:
        _speakers(block, names)
        for turn in a.turns:
            if turn.speaker not in names:
                notes.append(
                    f"'{b.title}': the turn of {turn.speaker} is kept, but "
                    "the schedule no longer lists them as a speaker"
                )
    if talk.do_not_record and _remove(block, _RECORD):
        notes.append(
            f"'{b.title}': the schedule opts it out of recording; its start/stop_recording removed"
        )
    if talk.do_not_stream:
        entry.streams_off = True
        on_start = [x for x in block.data.get("on_start", []) if x != "start_streaming"]
        if "stop_streaming" not in on_start:
            _set_list(block, "on_start", ["stop_streaming", *on_start])
            entry.stops_stream = True
            notes.append(f"'{b.title}': the schedule says do_not_stream; it now stops the stream")
        elif on_start != block.data.get("on_start", []):
            _set_list(block, "on_start", on_start)
    return entry


def _speakers(block: Block, names: list[str]) -> None:
    """The schedule's names, each with the role/affiliation the team gave it."""
    written: dict[str, Any] = {}
    for entry in block.data.get("speakers", []) or []:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            written.setdefault(entry["name"], entry)
        elif isinstance(entry, str):
            written.setdefault(entry, entry)
    value = [written.get(name, name) for name in names]
    if value:
        block.set("speakers", value)
    else:
        block.delete("speakers")


def _remove(block: Block, actions: tuple[str, ...]) -> bool:
    changed = False
    for key in ("on_start", "on_end"):
        now = list(block.data.get(key, []) or [])
        kept = [x for x in now if x not in actions]
        if kept != now:
            _set_list(block, key, kept)
            changed = True
    return changed


def _set_list(block: Block, key: str, value: list[str]) -> None:
    if value:
        block.set(key, value)
    else:
        block.delete(key)


def _ordered(entries: list[_Entry]) -> list[_Entry]:
    """In time order; an entry without a time of its own stays after the one before it."""
    groups: list[tuple[datetime, int, list[_Entry]]] = []
    for entry in entries:
        if entry.key is None and groups:
            groups[-1][2].append(entry)
        else:
            key = entry.key or datetime.min.replace(tzinfo=ZoneInfo("UTC"))
            groups.append((key, len(groups), [entry]))
    groups.sort(key=lambda g: (g[0], g[1]))
    return [entry for _, _, group in groups for entry in group]


def _restart_streams(ordered: list[_Entry], notes: list[str]) -> None:
    """After a slot that now stops the stream, the next slot starts it again."""
    for index, entry in enumerate(ordered):
        if not entry.stops_stream:
            continue
        after = next((e for e in ordered[index + 1 :] if not e.removed), None)
        if after is None or after.block is None or after.streams_off:
            continue
        on_start = list(after.block.data.get("on_start", []) or [])
        if "start_streaming" not in on_start:
            _set_list(after.block, "on_start", ["start_streaming", *on_start])
            title = after.block.data.get("title", "")
            notes.append(f"'{title}': starts the stream again after the do_not_stream talk")


def _comment_notes(cut: SlotsText, ordered: list[_Entry]) -> list[str]:
    if cut.flow_list:
        return ["the slots: list is in flow style ([...]): written anew, its comments not kept"]
    notes = []
    for entry in ordered:
        block = entry.block
        if block is None:
            continue
        title = block.data.get("title", "?")
        if block.rewritten:
            notes.append(
                f"'{title}' is written in flow style: written anew, comments inside it not kept"
            )
        elif block.lost_comment:
            notes.append(f"'{title}': a comment on a line the schedule changed was not kept")
    return notes
