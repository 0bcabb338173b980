"""VenueWatch: the overview's own link to the broker, feeding a `Board`.

Subscribes to the venue's own rooms only (`timekeeper/<venue>/<room>/<leaf>` for each
room of venue.yaml: a retained message on any other slug is never even sent here),
hands each message to the board, and marks the board disconnected while the broker is
away (the link reconnects with backoff and the retained messages make the board whole
again).
`send(room, command)` publishes to one room's `commands` topic.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping

from timekeeper.rooms.board import Board
from timekeeper.rooms.link import Backoff, BrokerLink, LinkState
from timekeeper.rooms.settings import BrokerSettings
from timekeeper.rooms.topics import RoomTopics

LEAVES = ("online", "status", "health", "events")  # online first: known before a status


class VenueWatch:
    def __init__(
        self,
        settings: BrokerSettings,
        board: Board,
        *,
        on_change: Callable[[], None] | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self.board = board
        self.on_change = on_change
        self.link = BrokerLink(
            settings,
            identifier=f"tk-venue-{board.venue}-{secrets.token_hex(3)}"[:64],
            subscriptions=[
                RoomTopics(board.venue, room).topic(leaf) for room in board.rooms for leaf in LEAVES
            ],
            on_message=self._on_message,
            on_state=self._on_state,
            backoff=backoff,
        )

    @property
    def state(self) -> LinkState:
        return self.link.state

    def start(self) -> None:
        self.link.start()

    async def close(self) -> None:
        await self.link.close()

    async def send(self, room_slug: str, command: Mapping[str, object]) -> bool:
        """Publish `command` to one room's commands topic; False while the broker is away."""
        topic = RoomTopics(self.board.venue, room_slug).commands
        return await self.link.publish(topic, json.dumps(dict(command)), qos=1)

    def _on_message(self, topic: str, payload: bytes) -> None:
        if self.board.receive(topic, payload) and self.on_change is not None:
            self.on_change()

    def _on_state(self, state: LinkState) -> None:
        if self.board.connected != state.connected:
            self.board.connected = state.connected
            if state.connected:  # a broker back from a restart may have forgotten a room
                for room in self.board.rooms.values():
                    room.online = None  # until its retained `online` (or none) says
            if self.on_change is not None:
                self.on_change()
