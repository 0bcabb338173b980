"""The venue overview as a value: every room's state from the broker's messages. Pure.

`Board.receive(topic, payload, now)` takes one broker message (a room's `status`,
`online`, `health` or `events`); `rows(now)` says what each room's line shows at the
real instant `now`: live slot and its countdown (counted here from the snapshot's
deadline, `show_time`, `sent_at` and `speed`: timestamps, not ticks), turn,
over/under, next, OBS, operator online or not, last message. A room whose `online`
turns false is OFFLINE at once; while the overview itself has lost the broker every
room reads "broker lost". `whole` says every room is online with a status.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from timekeeper.rooms.topics import parse
from timekeeper.speaker.display import countdown_at
from timekeeper.speaker.snapshot import Snapshot, parse_snapshot
from timekeeper.speaker.wire import ProtocolError
from timekeeper.speaker.wire import read_instant as _instant


@dataclass
class RoomEntry:
    name: str
    slug: str
    online: bool | None = None  # None: not heard from yet
    snapshot: Snapshot | None = None
    sent_at: datetime | None = None
    health: dict[str, Any] = field(default_factory=dict)
    last_event: str | None = None


@dataclass(frozen=True)
class RoomRow:
    name: str
    slug: str
    online: str  # "online" / "OFFLINE" / "unknown" / "broker lost"
    live: str
    countdown: str
    phase: str
    turn: str
    over_under: str
    next: str
    obs: str
    message: str


class Board:
    def __init__(self, venue: str, rooms: list[tuple[str, str]]) -> None:
        """`venue` is the venue's slug; `rooms` (name, slug) in the venue file's order."""
        self.venue = venue
        self.rooms = {slug: RoomEntry(name, slug) for name, slug in rooms}
        self.connected = False

    def receive(self, topic: str, payload: bytes) -> bool:
        """Take one message; True if it changed what the board shows."""
        parts = parse(topic)
        if parts is None or parts[0] != self.venue:
            return False
        _, slug, leaf = parts
        room = self.rooms.get(slug)
        if room is None:
            room = self.rooms[slug] = RoomEntry(slug, slug)
        try:
            if leaf == "online":
                room.online = payload.strip() == b"true"
            elif leaf == "status":
                data = json.loads(payload)
                room.snapshot = parse_snapshot(data)
                room.sent_at = _instant(data.get("sent_at"))
                name = (
                    data.get("room", {}).get("name") if isinstance(data.get("room"), dict) else None
                )
                if isinstance(name, str) and room.name == room.slug:
                    room.name = name
            elif leaf == "health":
                loaded = json.loads(payload)
                room.health = loaded if isinstance(loaded, dict) else {}
            elif leaf == "events":
                loaded = json.loads(payload)
                room.last_event = str(loaded.get("event")) if isinstance(loaded, dict) else None
            else:
                return False
        except (ValueError, ProtocolError, AttributeError):
            return False
        return True

    @property
    def whole(self) -> bool:
        return self.connected and all(
            r.online is True and r.snapshot is not None for r in self.rooms.values()
        )

    def rows(self, now: datetime) -> list[RoomRow]:
        return [self._row(room, now) for room in self.rooms.values()]

    def _row(self, room: RoomEntry, now: datetime) -> RoomRow:
        if not self.connected:
            online = "broker lost"
        else:
            online = {True: "online", False: "OFFLINE", None: "unknown"}[room.online]
        snap = room.snapshot
        live = countdown = turn = nxt = message = "—"
        phase, over_under = "", "—"
        if snap is not None:
            show_now = _show_now(snap, room.sent_at, now)
            if snap.live is not None:
                live = snap.live.title
                countdown, ph = countdown_at(snap.live.countdown, show_now)
                phase = ph.value
            elif snap.mode == "ended":
                live = "ended"
            else:
                live = "between slots" if snap.mode == "between" else "before the show"
            if snap.turn is not None:
                turn_cd, _ = countdown_at(snap.turn.countdown, show_now)
                turn = f"{snap.turn.speaker} {turn_cd}"
            if snap.next is not None:
                at = snap.next.expected_start or snap.next.planned_start
                nxt = f"{snap.next.title} {_hhmm(at, snap.timezone)}"
            over_under = _over_under(snap.over_under)
            if snap.message is not None:
                message = snap.message.text
        obs = str(room.health.get("obs", "—")).replace("_", " ")
        if room.health.get("alarm"):
            obs += " ALARM"
        return RoomRow(room.name, room.slug, online, live, countdown, phase, turn, over_under,
                       nxt, obs, message)  # fmt: skip


def _show_now(snap: Snapshot, sent_at: datetime | None, now: datetime) -> datetime:
    """The room's show clock now: its reading when sent, advanced at its speed since."""
    if sent_at is None:
        return snap.show_time
    return snap.show_time + timedelta(seconds=(now - sent_at).total_seconds() * snap.speed)


def _over_under(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if abs(seconds) < 30:
        return "on time"
    minutes = round(abs(seconds) / 60)
    return f"+{minutes} min late" if seconds > 0 else f"−{minutes} min early"


def _hhmm(at: datetime, tz: str) -> str:
    from zoneinfo import ZoneInfo

    return at.astimezone(ZoneInfo(tz)).strftime("%H:%M")
