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
from timekeeper.core.diff import planned_diff
from timekeeper.errors import UsageError
from timekeeper.interop.merge import Merged, merge
from timekeeper.interop.reader import read_schedule
from timekeeper.interop.schedule import Conference, ScheduleError
from timekeeper.interop.to_programme import Options, render
from timekeeper.interop.zones import zone_for
from timekeeper.programme.diagnostics import Diagnostic, InvalidProgrammeError, Severity
from timekeeper.programme.difftext import render_diff
from timekeeper.programme.loader import load_programme_text


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
        from timekeeper.commands.import_rooms import import_all_rooms

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


def merged_into(
    conference: Conference, room: str, options: Options, path: Path
) -> tuple[str, Merged]:
    """The programme at `path` as it is, and merged with the room's schedule; nothing written.

    A merge that is not valid prints its problems to stderr and raises ScheduleError.
    """
    try:
        existing = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        return existing, merge(existing, str(path), conference, room, options)
    except InvalidProgrammeError as exc:
        for problem in errors_first(exc.problems):
            print(problem, file=sys.stderr)
        raise ScheduleError(
            f"{path}: not re-imported (nothing written): "
            + (
                "fix the programme first (timekeeper check)"
                if _is_own(exc, path)
                else "the merged programme would not be valid; see above"
            )
        ) from None


def difference(conference: Conference, room: str, path: Path, merged: Merged) -> list[str]:
    """What re-importing changes, slot by slot (`timekeeper diff`'s words), then the notes."""
    d = planned_diff(merged.old, merged.new)
    lines = [f"{path} <- {conference.source} (room {conference.find_room(room)})"]
    lines += render_diff(d, merged.old, merged.new)
    return lines + [f"note: {note}" for note in merged.notes]


def errors_first(problems: list[Diagnostic]) -> list[Diagnostic]:
    """A refusal's reasons before the warnings found alongside them (each in file order)."""
    return sorted(problems, key=lambda p: p.severity is not Severity.ERROR)


def _is_own(exc: InvalidProgrammeError, path: Path) -> bool:
    return any(str(problem).startswith(f"{path}:") for problem in exc.problems)


def programme_text(conference: Conference, room: str, options: Options, name: str) -> str:
    """The room's programme, proved loadable; a failure here is a bug, said plainly."""
    text = render(conference, room, options)
    talks = conference.room_talks(conference.find_room(room))
    _, note = zone_for(conference, talks, options.timezone)
    if note:
        print(f"note: {note}", file=sys.stderr)
    try:
        load_programme_text(text, name)
    except InvalidProgrammeError as exc:
        for problem in errors_first(exc.problems):
            print(problem, file=sys.stderr)
        raise ScheduleError(
            f"{conference.source}: room '{room}' does not make a valid programme "
            "(the errors above, then the warnings); nothing written"
        ) from None
    return text


def write(path: Path, text: str) -> None:
    """Replace `path` whole (atomicfile): a failed write leaves the old file as it was."""
    existed = path.exists()
    try:
        write_file(path, text)
    except OSError as exc:
        kept = "; the file is as it was" if existed else ""
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}{kept}") from None
    print(f"wrote {path}", file=sys.stderr)
