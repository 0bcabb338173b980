"""`timekeeper venue venue.yaml [--mqtt URL] [--serve [--port N] [--bind ADDRESS]]`: the
overview of every room, from the broker; with --serve also the foyer board in a browser."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from timekeeper.errors import UsageError
from timekeeper.rooms.board import Board
from timekeeper.rooms.settings import BrokerSettings
from timekeeper.rooms.venue import load_venue

if TYPE_CHECKING:
    from timekeeper.rooms.foyer_server import FoyerServer


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
    foyer = None
    if args.serve:
        if not 0 <= args.port <= 65535:
            raise UsageError(f"--port: {args.port} is not a port; expected 0-65535")
        from timekeeper.rooms.foyer_server import FoyerServer

        foyer = FoyerServer(
            board, venue=venue.name, timezone=venue.timezone, port=args.port, bind=args.bind
        )
    return asyncio.run(_overview(settings, board, venue.name, foyer))


async def _overview(
    settings: BrokerSettings, board: Board, title: str, foyer: FoyerServer | None
) -> int:
    from timekeeper.rooms.watch import VenueWatch
    from timekeeper.ui.venue.app import VenueApp

    watch = VenueWatch(settings, board)
    app = VenueApp(board, watch.send, title)
    if foyer is not None:
        app.sub_title = f"foyer board: {await foyer.start()}"
    watch.start()
    try:
        await app.run_async()
    finally:
        await watch.close()
        if foyer is not None:
            await foyer.stop()
    return 0
