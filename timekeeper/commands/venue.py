"""`timekeeper venue venue.yaml [--mqtt URL]`: the overview of every room, from the broker."""

from __future__ import annotations

import argparse
import asyncio

from timekeeper.errors import UsageError
from timekeeper.rooms.board import Board
from timekeeper.rooms.settings import BrokerSettings
from timekeeper.rooms.venue import load_venue


def run_venue(args: argparse.Namespace) -> int:
    venue = load_venue(args.venue_file)
    url = args.mqtt or (venue.mqtt.url if venue.mqtt else None)
    if url is None:
        raise UsageError(f"{args.venue_file} names no broker: add mqtt: {{url: ...}} or --mqtt URL")
    mqtt = venue.mqtt
    settings = BrokerSettings.from_url(
        url,
        username_env=mqtt.username_env if mqtt else "TK_MQTT_USER",
        password_env=mqtt.password_env if mqtt else "TK_MQTT_PASSWORD",
        ca_file=mqtt.ca_file if mqtt else None,
    )
    board = Board(venue.slug, [(room.name, room.slug) for room in venue.rooms])
    return asyncio.run(_overview(settings, board, venue.name))


async def _overview(settings: BrokerSettings, board: Board, title: str) -> int:
    from timekeeper.rooms.watch import VenueWatch
    from timekeeper.ui.venue.app import VenueApp

    watch = VenueWatch(settings, board)
    app = VenueApp(board, watch.send, title)
    watch.start()
    try:
        await app.run_async()
    finally:
        await watch.close()
    return 0
