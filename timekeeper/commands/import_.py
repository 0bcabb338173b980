"""`timekeeper import SCHEDULE`: a conference's schedule.xml / schedule.json / CSV as programmes.

`--room NAME` writes one room's programme (stdout or -o FILE); an existing
-o FILE is re-imported into (`interop.merge`: the team's edits kept, the
conference's changes taken), the difference printed slot by slot first, and
`--dry-run` prints only that. `--list-rooms`
lists the rooms with their talk counts; `--all-rooms DIR` writes one programme
per room plus `venue.yaml`, the index of them. Every file written is checked
with the programme loader first, so what import writes, `check` accepts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from timekeeper.core.diff import planned_diff
from timekeeper.errors import UsageError
from timekeeper.interop.merge import merge
from timekeeper.interop.reader import read_schedule
from timekeeper.interop.schedule import Conference, ScheduleError
from timekeeper.interop.to_programme import Options, render
from timekeeper.programme.diagnostics import InvalidProgrammeError
from timekeeper.programme.difftext import render_diff
from timekeeper.programme.ids import slugify
from timekeeper.programme.loader import load_programme_text


def options_from(args: argparse.Namespace) -> Options:
    return Options(talk_scene=args.talk_scene, changeover_scene=args.changeover_scene)


def run_import(args: argparse.Namespace) -> int:
    chosen = [bool(args.room), args.list_rooms, bool(args.all_rooms)]
    if sum(chosen) != 1:
        raise UsageError("import: give exactly one of --room NAME, --list-rooms, --all-rooms DIR")
    if args.dry_run and not (args.room and args.output):
        raise UsageError("import: --dry-run goes with --room NAME -o EXISTING-FILE")
    conference = read_schedule(args.schedule)
    if args.list_rooms:
        for room in conference.rooms:
            print(f"{room}\t{len(conference.room_talks(room))} talks")
        return 0
    if args.all_rooms:
        return _all_rooms(conference, Path(args.all_rooms), options_from(args))
    if args.output and Path(args.output).exists():
        return reimport(conference, args.room, options_from(args), Path(args.output),
                        dry_run=args.dry_run)  # fmt: skip
    if args.dry_run:
        raise UsageError(
            f"import --dry-run: {args.output} does not exist; nothing to re-import into"
        )
    text = programme_text(conference, args.room, options_from(args), args.output or "<stdout>")
    if not args.output:
        sys.stdout.write(text)
        return 0
    _write(Path(args.output), text)
    return 0


def reimport(
    conference: Conference, room: str, options: Options, path: Path, *, dry_run: bool
) -> int:
    """Merge the room's schedule into the programme at `path`; print the difference first."""
    try:
        existing = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        merged = merge(existing, str(path), conference, room, options)
    except InvalidProgrammeError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        raise ScheduleError(
            f"{path}: not re-imported (nothing written): "
            + (
                "fix the programme first (timekeeper check)"
                if _is_own(exc, path)
                else "the merged programme would not be valid; see above"
            )
        ) from None
    d = planned_diff(merged.old, merged.new)
    print(f"{path} <- {conference.source} (room {conference.find_room(room)})")
    for line in render_diff(d, merged.old, merged.new):
        print(line)
    for note in merged.notes:
        print(f"note: {note}")
    if dry_run:
        print("dry run: nothing written")
        return 0
    if merged.text == existing:
        print(f"{path} is up to date with the schedule")
        return 0
    _write(path, merged.text)
    return 0


def _is_own(exc: InvalidProgrammeError, path: Path) -> bool:
    return any(str(problem).startswith(f"{path}:") for problem in exc.problems)


def programme_text(conference: Conference, room: str, options: Options, name: str) -> str:
    """The room's programme, proved loadable; a failure here is a bug, said plainly."""
    text = render(conference, room, options)
    try:
        load_programme_text(text, name)
    except InvalidProgrammeError as exc:
        first = exc.problems[0] if exc.problems else "invalid"
        raise ScheduleError(
            f"{conference.source}: room '{room}' does not make a valid programme: {first}"
        ) from None
    return text


def _all_rooms(conference: Conference, folder: Path, options: Options) -> int:
    if not folder.is_dir():
        raise UsageError(f"--all-rooms: {folder} is not an existing folder")
    index = [
        "# The rooms of one conference, one programme each (written by `timekeeper import`).",
        "# Run each room's show on its own machine:  timekeeper run ROOM-FILE",
        f"conference: {_q(conference.title)}",
        f"source: {_q(conference.source)}",
        "rooms:",
    ]
    used: set[str] = set()
    for room in conference.rooms:
        if not conference.room_talks(room):
            continue
        base = slugify(room) or "room"
        name, counter = f"{base}.yaml", 2
        while name in used:
            name, counter = f"{base}-{counter}.yaml", counter + 1
        used.add(name)
        _write(folder / name, programme_text(conference, room, options, str(folder / name)))
        index.append(f"  - {{name: {_q(room)}, programme: {name}, "
                     f"talks: {len(conference.room_talks(room))}}}")  # fmt: skip
    _write(folder / "venue.yaml", "\n".join(index) + "\n")
    return 0


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    print(f"wrote {path}", file=sys.stderr)


def _q(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)
