"""A run as one room of a venue: `--room`, `--mqtt`, `--venue`, or a venue file, resolved.

`RoomOptions` is what the command line said; `resolve_room` turns a venue file into
the room's programme and broker, and checks the combination (one line, exit 2, before
anything is opened). A run without any of them is the single room on its own: no
broker, nothing changes.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from timekeeper.errors import UsageError
from timekeeper.rooms.model import DEFAULT_COMMANDS, DEFAULT_PASSWORD_ENV, DEFAULT_USERNAME_ENV
from timekeeper.rooms.settings import check_url

if TYPE_CHECKING:
    from timekeeper.app.options import RunOptions


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


def resolve_room(options: RunOptions) -> RunOptions:
    """The run's programme and room: a venue file becomes its room's programme and broker."""
    from timekeeper.rooms.venue import is_venue_file, load_venue

    room = options.room
    if not is_venue_file(options.programme):
        if room is None:
            return options
        if room.mqtt is None:
            raise UsageError(
                "--room needs a venue file (timekeeper run venue.yaml --room NAME) or a broker "
                "(--mqtt mqtt://HOST:PORT)"
            )
        if room.room is None:
            raise UsageError("--mqtt needs --room NAME: the room this programme runs in")
        return options
    venue = load_venue(options.programme)
    if room is None or room.room is None:
        names = ", ".join(repr(r.name) for r in venue.rooms)
        raise UsageError(f"{options.programme} is a venue: pass --room NAME (one of {names})")
    chosen = venue.room(room.room)
    mqtt = venue.mqtt
    resolved = RoomOptions(
        room=chosen.name,
        mqtt=room.mqtt or (mqtt.url if mqtt else None),
        venue=room.venue or venue.name,
        commands=chosen.commands,
        username_env=mqtt.username_env if mqtt else DEFAULT_USERNAME_ENV,
        password_env=mqtt.password_env if mqtt else DEFAULT_PASSWORD_ENV,
        ca_file=str(Path(venue.source).parent / mqtt.ca_file) if mqtt and mqtt.ca_file else None,
    )
    return replace(options, programme=chosen.programme, room=resolved)
