"""A run as one room of a venue: `--room`, `--mqtt`, `--venue`, or a venue file, resolved.

`RoomOptions` is what the command line said (`app.run_options.resolve_room` turns a venue
file into the room's programme and broker). A run without any of them is the single
room on its own: no broker, nothing changes.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from timekeeper.errors import UsageError
from timekeeper.rooms.model import DEFAULT_COMMANDS, DEFAULT_PASSWORD_ENV, DEFAULT_USERNAME_ENV
from timekeeper.rooms.settings import check_url


@dataclass(frozen=True)
class RoomOptions:
    room: str | None = None
    mqtt: str | None = None  # the broker URL (--mqtt, else the venue file's)
    venue: str | None = None  # the venue's name (--venue, else the venue file's)
    commands: tuple[str, ...] = DEFAULT_COMMANDS
    username_env: str = DEFAULT_USERNAME_ENV
    password_env: str = DEFAULT_PASSWORD_ENV
    ca_file: str | None = None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> RoomOptions | None:
        room, mqtt, venue = (getattr(args, k, None) for k in ("room", "mqtt", "venue"))
        if room is None and mqtt is None and venue is None:
            return None
        if mqtt is not None:
            try:
                check_url(mqtt)
            except ValueError as exc:
                raise UsageError(f"--mqtt: {exc}") from None
        return cls(room=room, mqtt=mqtt, venue=venue)
