"""`timekeeper check venue.yaml`: the venue file and every room's programme, all problems at once.

Problems go to stderr as `FILE:LINE:COL: severity: message` (the venue file's, then
each programme's under its own name); stdout gets one line per room: its name, its
topics on the broker and its programme's first slot. Exit 0 valid, 2 invalid.
"""

from __future__ import annotations

import sys

from timekeeper.programme.diagnostics import InvalidProgrammeError
from timekeeper.programme.loader import load_programme_with_warnings
from timekeeper.rooms.topics import RoomTopics
from timekeeper.rooms.venue import load_venue_with_warnings

EXIT_OK, EXIT_INVALID = 0, 2


def run_venue_check(path: str) -> int:
    try:
        venue, warnings = load_venue_with_warnings(path)
    except InvalidProgrammeError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{path}: invalid venue: {len(exc.errors)} error(s)", file=sys.stderr)
        return EXIT_INVALID
    for problem in warnings:
        print(problem, file=sys.stderr)
    code = EXIT_OK
    broker = venue.mqtt.url if venue.mqtt else "none (each room runs on its own)"
    print(f"venue {venue.name!r} · broker {broker}")
    for room in venue.rooms:
        topics = RoomTopics(venue.slug, room.slug)
        try:
            programme, room_warnings = load_programme_with_warnings(room.programme)
        except InvalidProgrammeError as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            print(f"  {room.name}: {room.programme}: invalid", file=sys.stderr)
            code = EXIT_INVALID
            continue
        for problem in room_warnings:
            print(problem, file=sys.stderr)
        first = programme.start.astimezone(programme.tz)
        if venue.timezone and programme.event.timezone != venue.timezone:
            print(f"{room.programme}: warning: timezone {programme.event.timezone} differs from "
                  f"the venue's {venue.timezone}", file=sys.stderr)  # fmt: skip
        print(
            f"  {room.name}: {topics.base}/ · {room.programme.name} · {len(programme.slots)} "
            f"slots from {first:%Y-%m-%d %H:%M} · commands: {', '.join(room.commands)}"
        )
    verdict = "valid" if code == EXIT_OK else "invalid"
    print(f"{path}: {verdict}, {len(venue.rooms)} room(s)", file=sys.stderr)
    return code
