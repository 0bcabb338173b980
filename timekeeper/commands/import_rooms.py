"""`timekeeper import SCHEDULE --all-rooms DIR`: every room's programme, written or re-imported.

A room whose programme file exists in DIR is re-imported into it (the one-room
merge, `interop.merge`: the team's edits kept), the others are written new. The
room files are the ones DIR/venue.yaml names, else `<room-slug>.yaml`. Every room
is merged and checked before anything is written: one room that does not merge
cleanly writes nothing at all (each problem said), so a venue is never left half
re-imported. Each room's difference is printed; `--dry-run` prints only that. An
existing venue.yaml is the team's (it may carry `mqtt:` and commands) and is never
rewritten: a room the schedule adds is written and the line to add to it printed.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from timekeeper.atomicfile import write_files
from timekeeper.commands.room_schedule import (
    difference,
    errors_first,
    merged_into,
    programme_text,
)
from timekeeper.errors import UsageError
from timekeeper.interop.schedule import Conference, ScheduleError
from timekeeper.interop.to_programme import Options
from timekeeper.programme.diagnostics import InvalidProgrammeError
from timekeeper.programme.ids import slugify
from timekeeper.rooms.venue import load_venue

VENUE = "venue.yaml"


@dataclass(frozen=True)
class _Plan:
    path: Path
    text: str
    changed: bool  # False: the file already says exactly this


def import_all_rooms(
    conference: Conference, folder: Path, options: Options, *, dry_run: bool
) -> int:
    """Write or re-import every room with talks; print each room's difference first."""
    if not folder.is_dir():
        raise UsageError(f"--all-rooms: {folder} is not an existing folder")
    _refuse_alike(conference)
    venue_path = folder / VENUE
    has_venue = venue_path.is_file()
    files, notes = _room_files(conference, folder, venue_path) if has_venue else (
        _slug_files(conference, folder), [])  # fmt: skip
    plans: list[_Plan] = []
    output: list[str] = []
    failed: list[str] = []
    for room, path in files.items():
        try:
            plan, lines = _plan(conference, room, options, path)
        except ScheduleError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed.append(room)
            continue
        plans.append(plan)
        output += lines
    if failed:
        rooms = ", ".join(f"'{r}'" for r in failed)
        raise ScheduleError(
            f"--all-rooms: room(s) {rooms} not re-imported, so nothing was written in {folder}"
        )
    for line in output + notes:
        print(line)
    if dry_run:
        print("dry run: nothing written")
        return 0
    writes = [(plan.path, plan.text) for plan in plans if plan.changed]
    if not has_venue:
        writes.append((venue_path, _venue_text(conference, folder, files)))
    _write_all(writes, folder)
    return 0


def _write_all(writes: list[tuple[Path, str]], folder: Path) -> None:
    """Every file or none (atomicfile: all temporaries first, then the renames)."""
    try:
        write_files(list(writes))
    except OSError as exc:
        raise UsageError(
            f"cannot write {exc.filename or folder}: {exc.strerror or exc}; nothing was "
            f"written in {folder} (every programme there is as it was)"
        ) from None
    for path, _ in writes:
        print(f"wrote {path}", file=sys.stderr)


def _plan(
    conference: Conference, room: str, options: Options, path: Path
) -> tuple[_Plan, list[str]]:
    if path.exists():
        existing, merged = merged_into(conference, room, options, path)
        lines = difference(conference, room, path, merged)
        return _Plan(path, merged.text, merged.text != existing), lines
    text = programme_text(conference, room, options, str(path))
    talks = len(conference.room_talks(room))
    line = f"{path} <- {conference.source} (room {room}): new programme, {talks} talks"
    return _Plan(path, text, True), [line]


def _refuse_alike(conference: Conference) -> None:
    """A venue tells its rooms apart by their slugs (file name, MQTT topic): 'Hall' is 'hall'."""
    seen: dict[str, str] = {}
    for room in conference.rooms:
        if not conference.room_talks(room):
            continue
        other = seen.setdefault(slugify(room) or "room", room)
        if other != room:
            raise ScheduleError(
                f"--all-rooms: rooms '{other}' and '{room}' differ only in case or punctuation, "
                "so one venue cannot tell them apart (they would share a file name and an MQTT "
                "topic); nothing written. Import each on its own with --room NAME -o FILE "
                "(the name exactly as the schedule spells it) and give them names that "
                "differ in letters in venue.yaml"
            )


def _slug_files(conference: Conference, folder: Path) -> dict[str, Path]:
    """Each room with talks -> DIR/<room-slug>.yaml (`-2`, `-3` where two slugs meet)."""
    files: dict[str, Path] = {}
    used: set[str] = {VENUE}
    for room in conference.rooms:
        if not conference.room_talks(room):
            continue
        base = slugify(room) or "room"
        name, counter = f"{base}.yaml", 2
        while name in used:
            name, counter = f"{base}-{counter}.yaml", counter + 1
        used.add(name)
        files[room] = folder / name
    return files


def _room_files(
    conference: Conference, folder: Path, venue_path: Path
) -> tuple[dict[str, Path], list[str]]:
    """Each room with talks -> the programme venue.yaml names for it; notes on the others."""
    try:
        venue = load_venue(venue_path)
    except InvalidProgrammeError as exc:
        for problem in errors_first(exc.problems):
            print(problem, file=sys.stderr)
        raise ScheduleError(
            f"{venue_path}: not re-imported (nothing written): fix the venue file first "
            f"(timekeeper check {venue_path})"
        ) from None
    by_name = {slugify(r.name): r for r in venue.rooms}
    slugged = _slug_files(conference, folder)
    taken = {r.programme.resolve() for r in venue.rooms}
    files: dict[str, Path] = {}
    notes: list[str] = []
    for room, path in slugged.items():
        known = by_name.pop(slugify(room), None)
        if known is not None:
            files[room] = known.programme
            continue
        if path.resolve() in taken:
            raise ScheduleError(
                f"{venue_path}: the schedule's new room '{room}' would be written to {path.name}, "
                "which the venue file gives to another room; rename one of them"
            )
        files[room] = path
        notes.append(
            f"note: room '{room}' is new; add it to {venue_path} under rooms:  "
            f"- {{name: {_q(room)}, programme: {path.name}}}"
        )
    for left in by_name.values():
        notes.append(
            f"note: {venue_path}'s room '{left.name}' has no talks in the schedule; "
            f"{left.programme.name} left as it is"
        )
    return files, notes


def _venue_text(conference: Conference, folder: Path, files: dict[str, Path]) -> str:
    index = [
        "# The rooms of one conference, one programme each (written by `timekeeper import`).",
        "# Run each room's show on its own machine:  timekeeper run venue.yaml --room NAME",
        "# (add mqtt: {url: mqtt://HOST:1883} to share the rooms; see docs/rooms.md)",
        "# A newer schedule, into every room:  timekeeper import SCHEDULE --all-rooms THIS-FOLDER",
        f"# source: {conference.source}",
        f"venue: {{name: {_q(conference.title)}}}",
        "rooms:",
    ]
    for room, path in files.items():
        index.append(f"  - {{name: {_q(room)}, programme: {path.name}}}  "
                     f"# {len(conference.room_talks(room))} talks")  # fmt: skip
    return "\n".join(index) + "\n"


def _q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)
