"""One room's schedule as a programme, checked: the helpers `import` and `import --all-rooms` share.

`programme_text` renders a room and proves it loads; `merged_into` re-imports a schedule
into an existing programme (`interop.merge`) without writing; `difference` says what that
changes in `timekeeper diff`'s words. Problems go to stderr, errors before warnings.
"""

from __future__ import annotations

import sys
from pathlib import Path

from timekeeper.core.diff import planned_diff
from timekeeper.errors import UsageError
from timekeeper.interop.merge import Merged, merge
from timekeeper.interop.schedule import Conference, ScheduleError
from timekeeper.interop.to_programme import Options, render
from timekeeper.interop.zones import zone_for
from timekeeper.programme.diagnostics import Diagnostic, InvalidProgrammeError, Severity
from timekeeper.programme.difftext import render_diff
from timekeeper.programme.loader import load_programme_text


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
