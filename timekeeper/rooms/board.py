"""The venue overview as a value: every room's state from the broker's messages. Pure.

`Board.receive(topic, payload)` takes one broker message (a room's `status`,
`online`, `health` or `events`); `rows(now)` says what each room's line shows at the
real instant `now`: live slot and its countdown (counted here from the snapshot's
deadline, `show_time`, `sent_at` and `speed`: timestamps, not ticks), turn,
over/under, next and its expected start, OBS, operator online or not, last message.
A room whose `online` turns false is OFFLINE at once; while the overview itself has
lost the broker every room reads "broker lost". `whole` says every room is online with
a status.

Only the venue's own rooms (venue.yaml's) have a line: a message on any other slug is
dropped unread. Every message is parsed within the speaker protocol's bounds
(speaker.wire); a status that is refused, or cannot be shown at `now`, makes that
room's line read "bad status" (with the reason) and leaves every other line alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from timekeeper.rooms.topics import parse
from timekeeper.speaker.display import countdown_at
from timekeeper.speaker.snapshot import Snapshot, parse_snapshot
from timekeeper.speaker.wire import ProtocolError, load_message, read_instant

log = logging.getLogger(__name__)

BAD_STATUS = "bad status"
SHORT = 80  # characters kept of a health or event field (they are single words)


@dataclass
class RoomEntry:
    name: str
    slug: str
    online: bool | None = None  # None: not heard from yet
    snapshot: Snapshot | None = None
    sent_at: datetime | None = None
    health: dict[str, Any] = field(default_factory=dict)
    last_event: str | None = None
    bad: str | None = None  # why the room's last status was refused


@dataclass(frozen=True)
class RoomRow:
    name: str
    slug: str
    online: str  # "online" / "OFFLINE" / "unknown" / "broker lost"
    live: str  # the live title, or "between slots", "ended", "bad status", ...
    countdown: str
    phase: str
    turn: str
    over_under: str  # "on time", "12 min late", "3 min early", "—"
    next: str  # the next slot's title
    next_at: str  # its expected start, HH:MM in the room's timezone
    obs: str
    message: str
    bad: str = ""  # why the status cannot be shown ("" when it can)


class Board:
    def __init__(self, venue: str, rooms: list[tuple[str, str]]) -> None:
        """`venue` is the venue's slug; `rooms` (name, slug) in the venue file's order."""
        self.venue = venue
        self.rooms = {slug: RoomEntry(name, slug) for name, slug in rooms}
        self.connected = False

    def receive(self, topic: str, payload: bytes) -> bool:
        """Take one message; True if it changed what the board shows. Never raises."""
        parts = parse(topic)
        if parts is None or parts[0] != self.venue:
            return False
        room = self.rooms.get(parts[1])
        if room is None:  # not one of the venue's rooms: a stray or rogue slug
            return False
        try:
            return _take(room, parts[2], payload)
        except Exception:  # one message must never take the board down: drop it, say so
            log.warning("venue: dropped a message on %s", topic[:200], exc_info=True)
            return False

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
        obs = str(room.health.get("obs", "—"))[:SHORT].replace("_", " ")
        if room.health.get("alarm"):
            obs += " ALARM"
        row = RoomRow(room.name, room.slug, online, "—", "—", "", "—", "—", "—", "", obs, "—")
        if room.bad is not None:
            return _bad(row, room.bad)
        if room.snapshot is None:
            return row
        try:
            return _status_row(row, room.snapshot, room.sent_at, now)
        except (ArithmeticError, ValueError) as exc:  # valid values, yet beyond any clock
            return _bad(row, f"cannot be shown at this time ({type(exc).__name__})")


def _take(room: RoomEntry, leaf: str, payload: bytes) -> bool:
    if leaf == "online":
        room.online = payload.strip() == b"true"
    elif leaf == "status":
        try:
            data = load_message(payload)
            snapshot = parse_snapshot(data)
            sent_at = read_instant(data.get("sent_at") if isinstance(data, dict) else None)
        except ProtocolError as exc:
            room.snapshot, room.sent_at, room.bad = None, None, str(exc)[:200]
            return True
        room.snapshot, room.sent_at, room.bad = snapshot, sent_at, None
    elif leaf == "health":
        try:
            loaded = load_message(payload)
        except ProtocolError:
            return False
        room.health = loaded if isinstance(loaded, dict) else {}
    elif leaf == "events":
        try:
            loaded = load_message(payload)
        except ProtocolError:
            return False
        room.last_event = str(loaded.get("event"))[:SHORT] if isinstance(loaded, dict) else None
    else:
        return False
    return True


def _bad(row: RoomRow, reason: str) -> RoomRow:
    return RoomRow(row.name, row.slug, row.online, BAD_STATUS, "—", "", "—", "—", "—", "",
                   row.obs, "—", reason)  # fmt: skip


def _status_row(row: RoomRow, snap: Snapshot, sent_at: datetime | None, now: datetime) -> RoomRow:
    show = show_now(snap, sent_at, now)
    live = countdown = turn = nxt = message = "—"
    phase, next_at = "", ""
    if snap.live is not None:
        live = snap.live.title
        countdown, ph = countdown_at(snap.live.countdown, show)
        phase = ph.value
    elif snap.mode == "ended":
        live = "ended"
    else:
        live = "between slots" if snap.mode == "between" else "before the show"
    if snap.turn is not None:
        turn_cd, _ = countdown_at(snap.turn.countdown, show)
        turn = f"{snap.turn.speaker} {turn_cd}"
    if snap.next is not None:
        nxt = snap.next.title
        next_at = _hhmm(snap.next.expected_start or snap.next.planned_start, snap.timezone)
    if snap.message is not None:
        message = snap.message.text
    return RoomRow(row.name, row.slug, row.online, live, countdown, phase, turn,
                   _over_under(snap.over_under), nxt, next_at, row.obs, message)  # fmt: skip


def show_now(snap: Snapshot, sent_at: datetime | None, now: datetime) -> datetime:
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
    return f"{minutes} min late" if seconds > 0 else f"{minutes} min early"


def _hhmm(at: datetime, tz: str) -> str:
    from zoneinfo import ZoneInfo

    return at.astimezone(ZoneInfo(tz)).strftime("%H:%M")
