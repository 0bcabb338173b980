"""The foyer board's state: every room's now and next as real instants, from a `Board`. Pure.

`foyer_state(board, now, ...)` is what `/foyer.json` answers: for each room its live
slot (title, speakers, when it is expected to end) and its next (title, speakers,
when it is expected to start), converted from the room's show clock to real
instants (its status's `show_time`, `sent_at` and `speed`: timestamps, not ticks),
and whether a talk is about to start (within `SOON`). The page counts down from
those instants on its own clock, corrected by the server's `now`; it shows the venue
clock in the venue's timezone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from timekeeper.rooms.board import Board, RoomEntry

SOON = timedelta(minutes=5)  # a talk starting within this gets the big countdown


def foyer_state(
    board: Board, now: datetime, *, venue: str, timezone: str | None, soon: timedelta = SOON
) -> dict[str, Any]:
    """`timezone` None: the first room's programme's (as its status says), else UTC."""
    rooms = [_room(room, board.connected, now, soon) for room in board.rooms.values()]
    if timezone is None:
        zones = [r.snapshot.timezone for r in board.rooms.values() if r.snapshot is not None]
        timezone = zones[0] if zones else "UTC"
    return {
        "venue": venue,
        "timezone": timezone,
        "now": now.isoformat(),
        "broker": board.connected,
        "soon_seconds": soon.total_seconds(),
        "rooms": rooms,
    }


def _room(room: RoomEntry, connected: bool, now: datetime, soon: timedelta) -> dict[str, Any]:
    if not connected:
        online = "broker lost"
    else:
        online = {True: "online", False: "offline", None: "unknown"}[room.online]
    out: dict[str, Any] = {"name": room.name, "online": online, "mode": None, "live": None,
                           "next": None, "soon": False}  # fmt: skip
    snap = room.snapshot
    if snap is None:
        return out
    sent_at = room.sent_at or now

    def real(show_instant: datetime) -> datetime:
        """The real instant the room's show clock reads `show_instant` (at its speed)."""
        seconds = (show_instant - snap.show_time).total_seconds() / (snap.speed or 1.0)
        return sent_at + timedelta(seconds=seconds)

    out["mode"] = snap.mode
    if snap.live is not None:
        ends = real(snap.live.countdown.deadline)
        out["live"] = {"title": snap.live.title, "speakers": list(snap.live.speakers),
                       "ends_at": ends.isoformat()}  # fmt: skip
    if snap.next is not None:
        starts = real(snap.next.expected_start or snap.next.planned_start)
        out["next"] = {"title": snap.next.title, "speakers": list(snap.next.speakers),
                       "starts_at": starts.isoformat()}  # fmt: skip
        out["soon"] = timedelta(0) < starts - now <= soon
    return out
