"""`timekeeper speaker`: the speaker countdown screen in a terminal, following a run.

It follows the operator's speaker server (`--url`), or a room through the venue's
broker (`--mqtt URL --room NAME [--venue NAME]`), so a stage display need not
depend on the operator's laptop. A malformed URL or a half-given room is a usage
error (exit 2) because retrying cannot fix it; an unreachable server or broker is
not: the screen says so and keeps trying, since the speaker screen is often started
before the operator's run.
"""

from __future__ import annotations

import argparse
import asyncio

from timekeeper.errors import UsageError
from timekeeper.rooms.model import DEFAULT_PASSWORD_ENV, DEFAULT_USERNAME_ENV
from timekeeper.speaker.i18n import Strings, UnknownLanguage, strings
from timekeeper.speaker.protocol import follower_urls

DEFAULT_VENUE = "venue"  # what a room run without --venue publishes under


def run_speaker(args: argparse.Namespace) -> int:
    mqtt, room, venue = args.mqtt, args.room, args.venue
    try:
        words = strings(str(getattr(args, "lang", "en")))
    except UnknownLanguage as exc:
        raise UsageError(f"--lang: {exc}") from None
    sound = bool(getattr(args, "sound", False))
    if mqtt is None:
        if room is not None or venue is not None:
            raise UsageError("--room/--venue follow a room through a broker: add --mqtt URL")
        return _follow_server(str(args.url), words, sound)
    if room is None:
        raise UsageError("--mqtt needs --room NAME: the room whose speaker screen this is")
    return asyncio.run(_follow_room(mqtt, room, venue or DEFAULT_VENUE, words, sound))


def _follow_server(url: str, words: Strings, sound: bool) -> int:
    try:
        follower_urls(url)
    except ValueError as exc:
        raise UsageError(f"--url: {exc}") from None
    from timekeeper.ui.speaker.app import SpeakerApp  # Textual only once the arguments are good

    SpeakerApp(url, words=words, sound=sound).run()
    return 0


async def _follow_room(mqtt: str, room: str, venue: str, words: Strings, sound: bool) -> int:
    from timekeeper.core.clock import SystemClock
    from timekeeper.rooms.follower import RoomFollower
    from timekeeper.rooms.settings import BrokerSettings
    from timekeeper.rooms.topics import RoomTopics

    settings = BrokerSettings.from_url(
        mqtt, username_env=DEFAULT_USERNAME_ENV, password_env=DEFAULT_PASSWORD_ENV
    )
    follower = RoomFollower(settings, RoomTopics.named(venue, room), SystemClock(), words=words)
    from timekeeper.ui.speaker.app import SpeakerApp

    await SpeakerApp(settings.url, source=follower, words=words, sound=sound).run_async()
    return 0
