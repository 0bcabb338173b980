"""Names on the broker: `timekeeper/<venue>/<room>/<leaf>`, venue and room slugged. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from timekeeper.programme.ids import slugify

ROOT = "timekeeper"
STATUS, EVENTS, ONLINE, HEALTH, COMMANDS = "status", "events", "online", "health", "commands"
BEAT = "beat"  # not retained: "I am alive", every half second (a screen says when they stop)
LEAVES = (STATUS, EVENTS, ONLINE, HEALTH, COMMANDS, BEAT)
SCHEDULE = "schedule"  # the live schedule.json; not in LEAVES, the venue does not read it


def slug(name: str) -> str:
    """'Room B' -> 'room-b'; never empty (a name of only symbols becomes 'x' + its hex)."""
    return slugify(name) or "x" + name.encode().hex()[:16]


@dataclass(frozen=True)
class RoomTopics:
    venue: str  # slugs
    room: str

    @classmethod
    def named(cls, venue: str, room: str) -> RoomTopics:
        return cls(slug(venue), slug(room))

    @property
    def base(self) -> str:
        return f"{ROOT}/{self.venue}/{self.room}"

    def topic(self, leaf: str) -> str:
        return f"{self.base}/{leaf}"

    @property
    def status(self) -> str:
        return self.topic(STATUS)

    @property
    def events(self) -> str:
        return self.topic(EVENTS)

    @property
    def online(self) -> str:
        return self.topic(ONLINE)

    @property
    def health(self) -> str:
        return self.topic(HEALTH)

    @property
    def commands(self) -> str:
        return self.topic(COMMANDS)

    @property
    def beat(self) -> str:
        return self.topic(BEAT)

    @property
    def schedule(self) -> str:  # issue 25
        return self.topic(SCHEDULE)


def venue_filter(venue: str, leaf: str = "+") -> str:
    """The subscription to `leaf` of every room of `venue` (a slug)."""
    return f"{ROOT}/{venue}/+/{leaf}"


def parse(topic: str) -> tuple[str, str, str] | None:
    """(venue, room, leaf) of a room topic; None for anything else."""
    parts = topic.split("/")
    if len(parts) != 4 or parts[0] != ROOT or parts[3] not in LEAVES:
        return None
    return parts[1], parts[2], parts[3]
