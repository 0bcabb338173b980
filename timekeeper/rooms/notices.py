"""The notices of a room's link to the venue's broker, one class per kind.

Owns what `rooms.service.RoomService` reports: what the room publishes, the broker
connected, back or lost, and a venue command done or refused. The base is `show.notices`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from timekeeper.show.notices import Notice


@dataclass(frozen=True)
class BrokerPublishing(Notice):
    kind: ClassVar[str] = "broker"
    url: str
    topics: str
    message: str


@dataclass(frozen=True)
class BrokerConnected(Notice):
    """Connected to the broker: the first time, or `back` after a loss."""

    hidden: ClassVar[frozenset[str]] = frozenset({"back"})
    url: str
    back: bool = False

    @property
    def event(self) -> str:
        return "broker_back" if self.back else "broker_connected"


@dataclass(frozen=True)
class BrokerLost(Notice):
    kind: ClassVar[str] = "broker_lost"
    url: str
    error: str | None


@dataclass(frozen=True)
class RoomCommandRefused(Notice):
    kind: ClassVar[str] = "room_command_refused"
    reason: str


@dataclass(frozen=True)
class RoomCommandDone(Notice):
    kind: ClassVar[str] = "room_command"
    command: str
    sender: str | None
    result: str
