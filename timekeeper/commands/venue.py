"""`timekeeper venue venue.yaml [--mqtt URL] [--serve [--port N] [--bind ADDRESS] [--headless]]`:
the overview of every room, from the broker; with --serve also the foyer board in a browser;
with --headless only the foyer board, no terminal, for a foyer PC that nobody operates.

Headless, the board runs until SIGTERM or SIGINT (exit 0, the broker link and the server
closed). A bad flag, a port it cannot listen on, or a broker not reached within
`--broker-wait` seconds at start (refused credentials, nothing listening, an unknown host)
is exit 2 with one line that says why: a supervisor (systemd's Restart=) tries again, and
its log says what to fix. Once running, a lost broker is reconnected with backoff and the
board says so; each loss and return is one line on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import signal
import sys
from typing import TYPE_CHECKING

from timekeeper.errors import UsageError
from timekeeper.rooms.board import Board
from timekeeper.rooms.settings import BrokerSettings
from timekeeper.rooms.venue import load_venue

if TYPE_CHECKING:
    from timekeeper.rooms.foyer_server import FoyerServer
    from timekeeper.rooms.watch import VenueWatch


def run_venue(args: argparse.Namespace) -> int:
    if args.headless and not args.serve:
        raise UsageError("--headless runs only the foyer board: add --serve")
    if not math.isfinite(args.broker_wait) or not 0 < args.broker_wait <= 3600:
        raise UsageError(f"--broker-wait: {args.broker_wait} is not from 0 to 3600 seconds")
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
    if args.headless and foyer is not None:
        return asyncio.run(_headless(settings, board, foyer, args.broker_wait))
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


async def _headless(
    settings: BrokerSettings, board: Board, foyer: FoyerServer, broker_wait: float
) -> int:
    """The foyer board alone until SIGTERM/SIGINT; exit 2 if the broker is not reached at start."""
    from timekeeper.rooms.watch import VenueWatch

    loop = asyncio.get_running_loop()
    changed, stop = asyncio.Event(), asyncio.Event()
    watch = VenueWatch(settings, board, on_change=changed.set)
    url = await foyer.start()  # UsageError (exit 2) on a port it cannot listen on

    def on_signal() -> None:
        stop.set()
        changed.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal)
    watch.start()
    try:
        deadline = loop.time() + broker_wait
        while not board.connected and not stop.is_set():
            changed.clear()  # resumes when the link's state changes, a signal, or the deadline
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), max(0.0, deadline - loop.time()))
            if loop.time() >= deadline and not board.connected:
                reason = watch.state.error or "no answer"
                raise UsageError(
                    f"cannot reach the broker at {settings.url} within {broker_wait:g} s: "
                    f"{reason}; check mqtt.url (or --mqtt) and that the broker runs"
                )
        print(f"foyer board: {url} (broker {settings.url}); stop with SIGTERM", flush=True)
        await _watch_until(stop, changed, board, settings.url, watch)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await watch.close()
        await foyer.stop()
    return 0


async def _watch_until(
    stop: asyncio.Event, changed: asyncio.Event, board: Board, url: str, watch: VenueWatch
) -> None:
    """Say each loss and return of the broker on stderr, once each, until `stop`."""
    was = board.connected
    while not stop.is_set():
        changed.clear()  # resumes on the next message, state change or signal
        await changed.wait()
        if board.connected != was:
            was = board.connected
            what = "back" if was else f"lost ({watch.state.error or 'disconnected'}); reconnecting"
            print(f"timekeeper: broker {url} {what}", file=sys.stderr, flush=True)
