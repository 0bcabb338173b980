"""`timekeeper init [--from SCHEDULE --room NAME] [-o FILE]`: a first programme.yaml.

Without --from: a commented starter (the schema line, an event, three slots) to
edit; with --from: the room's programme imported from the schedule. Never
overwrites a file (exit 2); whatever it writes, `check` accepts.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from timekeeper.atomicfile import write_file
from timekeeper.commands.import_ import options_from
from timekeeper.commands.room_schedule import programme_text
from timekeeper.errors import UsageError
from timekeeper.interop.reader import read_schedule

STARTER = """\
# yaml-language-server: $schema=schema/programme.schema.json
#
# A first programme: edit the event and the slots, then
#   timekeeper check {name}
# Every key is described in docs/programme-format.md.

event:
  title: My event
  date: {day}
  timezone: Europe/Amsterdam

obs:
  password_env: OBS_PASSWORD   # the name of the variable holding the password, never the password

slots:
  - title: Welcome
    start: "10:00"
    duration: 10m
    scene: Intro
    on_start: [start_streaming, start_recording]
  - title: Keynote
    duration: 45m
    speakers: [Ada Lovelace]
    scene: Stage
  - title: Closing
    duration: 5m
    scene: Outro
    advance: manual
    on_end: [stop_recording, stop_streaming]
"""


def run_init(args: argparse.Namespace, today: date) -> int:
    path = Path(args.output or "programme.yaml")
    if path.exists():
        raise UsageError(f"init: {path} exists; give another name with -o FILE")
    if bool(args.source) != bool(args.room):
        raise UsageError("init: --from SCHEDULE and --room NAME go together")
    if args.source:
        text = programme_text(
            read_schedule(args.source, args.timezone), args.room, options_from(args), str(path)
        )
    else:
        text = STARTER.format(name=path.name, day=today.isoformat())
    try:
        write_file(path, text)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    print(f"wrote {path}; check it with: timekeeper check {path}", file=sys.stderr)
    return 0
