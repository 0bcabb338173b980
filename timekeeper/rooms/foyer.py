"""The foyer board's state: every room's now and next, from a `Board`. Pure.

`foyer_state(board, now, ...)` is what `/foyer.json` answers: for each room its live
slot (title, speakers, when it is expected to end) and its next (title, speakers,
when it is expected to start), and whether a talk is about to start (within `SOON`).
Times travel twice: as real instants (`ends_at`, `starts_at`: converted from the room's
show clock with its status's `show_time`, `sent_at` and `speed`, for anyone who wants
wall-clock times) and on the room's own show clock (`ends`, `starts`, with `show_now`,
the room's show clock at `now`, and its `speed`), which is what the page shows: in a
rehearsal the programme's pretend times, counting at the rehearsal's speed, never the
real clock beside pretend talks. `rehearsal` (the first rehearsing room's clock) makes
the header show the pretend time and a REHEARSAL marker.

A room whose status is refused or cannot be shown at `now` is `bad` (the page says
"bad status"); the rest of the board is unaffected.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from timekeeper.rooms.board import Board, RoomEntry, show_now
from timekeeper.speaker.wire import instant

SOON = timedelta(minutes=5)  # a talk starting within this gets the big countdown


def foyer_state(
    board: Board, now: datetime, *, venue: str, timezone: str | None, soon: timedelta = SOON
) -> dict[str, Any]:
    """`timezone` None: the first room's programme's (as its status says), else UTC."""
    rooms = [_room(room, board.connected, now, soon) for room in board.rooms.values()]
    if timezone is None:
        zones = [r.snapshot.timezone for r in board.rooms.values() if r.snapshot is not None]
        timezone = zones[0] if zones else "UTC"
    rehearsing = [r for r in rooms if r["rehearsal"]]
    clock = (
        {"show_now": rehearsing[0]["show_now"], "speed": rehearsing[0]["speed"]}
        if rehearsing
        else None
    )
    return {
        "venue": venue,
        "timezone": timezone,
        "now": now.isoformat(),
        "broker": board.connected,
        "soon_seconds": soon.total_seconds(),
        "rehearsal": clock,
        "rooms": rooms,
    }


def _room(room: RoomEntry, connected: bool, now: datetime, soon: timedelta) -> dict[str, Any]:
    if not connected:
        online = "broker lost"
    else:
        online = {True: "online", False: "offline", None: "unknown"}[room.online]
    out: dict[str, Any] = {"name": room.name, "online": online, "mode": None, "live": None,
                           "next": None, "soon": False, "bad": room.bad is not None,
                           "rehearsal": False, "speed": 1.0, "show_now": None}  # fmt: skip
    if room.snapshot is None:
        return out
    try:
        out.update(_now_and_next(room, now, soon))
    except (ArithmeticError, ValueError):  # valid fields whose clock runs past any year
        out.update(mode=None, live=None, next=None, soon=False, bad=True, rehearsal=False)
    return out


def _now_and_next(room: RoomEntry, now: datetime, soon: timedelta) -> dict[str, Any]:
    snap = room.snapshot
    assert snap is not None
    sent_at = room.sent_at or now
    show = show_now(snap, room.sent_at, now)

    def real(show_instant: datetime) -> str:
        """The real instant the room's show clock reads `show_instant` (at its speed)."""
        seconds = (show_instant - snap.show_time).total_seconds() / snap.speed
        return (sent_at + timedelta(seconds=seconds)).isoformat()

    out: dict[str, Any] = {"mode": snap.mode, "rehearsal": snap.rehearsal, "speed": snap.speed,
                           "show_now": instant(show)}  # fmt: skip
    if snap.live is not None:
        ends = snap.live.countdown.deadline
        out["live"] = {"title": snap.live.title, "speakers": list(snap.live.speakers),
                       "ends_at": real(ends), "ends": instant(ends)}  # fmt: skip
    if snap.next is not None:
        starts = snap.next.expected_start or snap.next.planned_start
        out["next"] = {"title": snap.next.title, "speakers": list(snap.next.speakers),
                       "starts_at": real(starts), "starts": instant(starts)}  # fmt: skip
        out["soon"] = timedelta(0) < starts - show <= soon  # on the show clock, as shown
    return out
