"""Names on the broker: `timekeeper/<venue>/<room>/<leaf>`, venue and room slugged. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from timekeeper.programme.ids import slugify

ROOT = "timekeeper"
STATUS, EVENTS, ONLINE, HEALTH, COMMANDS = "status", "events", "online", "health", "commands"
BEAT = "beat"  # not retained: "I am alive", every half second (a screen says when they stop)
LEAVES = (STATUS, EVENTS, ONLINE, HEALTH, COMMANDS, BEAT)
SCHEDULE = "schedule"  # the live schedule.json; not in LEAVES, the venue does not read it
# The standby (issue 24, docs/standby.md); not in LEAVES: the venue's overview does not read them.
DRIVER = "driver"  # retained: who drives the room, at which epoch
ASRUN = "asrun"  # QoS 1: each as-run record as written, its exact line
REPLAY = "replay"  # a standby asks for the records from a seq (and programme versions)
STANDBY = "standby"  # retained, last will empty: the standby's presence
HANDOVER = "handover"  # a driver asks the standby to drive (planned, or it lost OBS)
PROGRAMMES = "programmes"  # programmes/<sha256>: the bytes of a programme version the log names
STANDBY_LEAVES = (DRIVER, ASRUN, REPLAY, STANDBY, HANDOVER)


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

    # issue 24: the standby
    @property
    def driver(self) -> str:
        return self.topic(DRIVER)

    @property
    def asrun(self) -> str:
        return self.topic(ASRUN)

    @property
    def replay(self) -> str:
        return self.topic(REPLAY)

    @property
    def standby(self) -> str:
        return self.topic(STANDBY)

    @property
    def handover(self) -> str:
        return self.topic(HANDOVER)

    def programme(self, sha256: str) -> str:
        """Where the bytes of one programme version go (not retained)."""
        return f"{self.topic(PROGRAMMES)}/{sha256}"

    @property
    def programmes(self) -> str:
        """The subscription to every programme version."""
        return f"{self.topic(PROGRAMMES)}/+"


def venue_filter(venue: str, leaf: str = "+") -> str:
    """The subscription to `leaf` of every room of `venue` (a slug)."""
    return f"{ROOT}/{venue}/+/{leaf}"


def parse(topic: str) -> tuple[str, str, str] | None:
    """(venue, room, leaf) of a room topic; None for anything else."""
    parts = topic.split("/")
    if len(parts) != 4 or parts[0] != ROOT or parts[3] not in LEAVES:
        return None
    return parts[1], parts[2], parts[3]
