"""`timekeeper import SCHEDULE`: a conference's schedule.xml / schedule.json / CSV as programmes.

`--room NAME` writes one room's programme (stdout or -o FILE); an existing
-o FILE is re-imported into (`interop.merge`: the team's edits kept, the
conference's changes taken), the difference printed slot by slot first, and
`--dry-run` prints only that. `--list-rooms`
lists the rooms with their talk counts; `--all-rooms DIR` writes (or re-imports
into) one programme per room plus `venue.yaml` (`commands.import_rooms`). Every
file written is checked with the programme loader first, so what import writes, `check` accepts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from timekeeper.atomicfile import write_file
from timekeeper.commands.import_rooms import import_all_rooms
from timekeeper.commands.room_schedule import difference, merged_into, programme_text
from timekeeper.errors import UsageError
from timekeeper.interop.reader import read_schedule
from timekeeper.interop.schedule import Conference
from timekeeper.interop.to_programme import Options


def options_from(args: argparse.Namespace) -> Options:
    return Options(
        talk_scene=args.talk_scene,
        changeover_scene=args.changeover_scene,
        timezone=getattr(args, "timezone", None),
    )


def run_import(args: argparse.Namespace) -> int:
    chosen = [bool(args.room), args.list_rooms, bool(args.all_rooms)]
    if sum(chosen) != 1:
        raise UsageError("import: give exactly one of --room NAME, --list-rooms, --all-rooms DIR")
    if args.dry_run and not (args.room and args.output) and not args.all_rooms:
        raise UsageError(
            "import: --dry-run goes with --room NAME -o EXISTING-FILE or --all-rooms DIR"
        )
    conference = read_schedule(args.schedule, getattr(args, "timezone", None))
    if args.list_rooms:
        for room in conference.rooms:
            print(f"{room}\t{len(conference.room_talks(room))} talks")
        return 0
    if args.all_rooms:
        folder = Path(args.all_rooms)
        return import_all_rooms(conference, folder, options_from(args), dry_run=args.dry_run)
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
    write(Path(args.output), text)
    return 0


def reimport(
    conference: Conference, room: str, options: Options, path: Path, *, dry_run: bool
) -> int:
    """Merge the room's schedule into the programme at `path`; print the difference first."""
    existing, merged = merged_into(conference, room, options, path)
    for line in difference(conference, room, path, merged):
        print(line)
    if dry_run:
        print("dry run: nothing written")
        return 0
    if merged.text == existing:
        print(f"{path} is up to date with the schedule")
        return 0
    write(path, merged.text)
    return 0


def write(path: Path, text: str) -> None:
    """Replace `path` whole (atomicfile): a failed write leaves the old file as it was."""
    existed = path.exists()
    try:
        write_file(path, text)
    except OSError as exc:
        kept = "; the file is as it was" if existed else ""
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}{kept}") from None
    print(f"wrote {path}", file=sys.stderr)
