"""The speaker snapshot: the whole show state a follower needs, built and parsed.

The server builds it from a `Status` (`build_snapshot`); followers parse it back
into frozen dataclasses (`parse_snapshot`), checking every field so a bad
message is refused with a reason instead of half-shown. Countdowns travel as
instants (start, deadline, warning and danger thresholds), never as ticking
values; the deadline is the countdown's *limit* (docs/timing.md), and `cut`
names the hard start when that is what ends it. Pure: no I/O, no clock reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from timekeeper.core.programme import Programme
from timekeeper.core.status import Countdown, Cut, Status
from timekeeper.speaker.wire import (
    VERSION,
    ProtocolError,
    check_version,
    get_field,
    get_instant,
    get_number,
    get_speed,
    instant,
)

#: The longest next turn a status may announce (a week): anything longer is not a turn.
MAX_TURN_SECONDS = 7 * 86_400
#: The most a room can be late or early, in seconds: the span of the years timekeeper plans.
MAX_OVER_UNDER = 7_100 * 366 * 86_400


def _countdown(cd: Countdown) -> dict[str, Any]:
    """A countdown on the wire: `deadline` is its limit; `cut` says which hard start that is."""
    cut = cd.cut
    return {
        "start": instant(cd.start),
        "deadline": instant(cd.deadline),
        "warning_at": instant(cd.warning_at),
        "danger_at": instant(cd.danger_at),
        "cut": (
            {
                "slot": cut.slot_id,
                "title": cut.title,
                "at": instant(cut.at),
                "deadline": instant(cut.deadline),
                "label": cut.label,
            }
            if cut is not None
            else None
        ),
    }


def build_snapshot(
    status: Status,
    programme: Programme,
    *,
    seq: int,
    speed: float,
    rehearsal: bool,
    message: tuple[str, bool, datetime | None] | None,
) -> dict[str, Any]:
    """The snapshot of `status` (evaluated at `status.at`, the show clock's reading).

    `message` is (text, flash, when it was set) or None. `seq` grows with every
    change so a follower can tell a newer state from an older one.
    """
    live = status.live
    live_json: dict[str, Any] | None = None
    if live is not None and status.countdown is not None:
        live_json = {
            "id": live.slot.id,
            "title": live.slot.title,
            "speakers": [s.name for s in live.slot.speakers],
            "manual": live.slot.manual,
            "countdown": _countdown(status.countdown),
        }
    turn_json: dict[str, Any] | None = None
    if status.turn is not None and status.turn_countdown is not None:
        turn_json = {
            "index": status.turn.index,
            "count": len(status.turns),
            "speaker": status.turn.turn.speaker,
            "title": status.turn.turn.title,
            "countdown": _countdown(status.turn_countdown),
        }
    nt = status.next_turn
    nxt = status.next
    next_json: dict[str, Any] | None = None
    if nxt is not None:
        first_turn = nxt.slot.turns[0].speaker if nxt.slot.turns else None
        next_json = {
            "id": nxt.slot.id,
            "title": nxt.slot.title,
            "speakers": [s.name for s in nxt.slot.speakers] or ([first_turn] if first_turn else []),
            "planned_start": instant(nxt.planned_start),
            "expected_start": instant(nxt.expected_start) if nxt.expected_start else None,
            "hard": nxt.slot.hard,
        }
    return {
        "v": VERSION,
        "type": "snapshot",
        "seq": seq,
        "show_time": instant(status.at),
        "speed": speed,
        "rehearsal": rehearsal,
        "event": {"title": programme.event.title, "timezone": programme.event.timezone},
        "mode": status.mode.value,
        "held": status.held,
        "live": live_json,
        "turn": turn_json,
        "next_turn": {
            "index": nt.index,
            "speaker": nt.turn.speaker,
            "seconds": nt.turn.duration.total_seconds(),  # its budget (a re-plan may change it)
        }
        if nt is not None
        else None,
        "next": next_json,
        "over_under": status.over_under.total_seconds() if status.over_under is not None else None,
        "ended_at": instant(status.ended_at) if status.ended_at else None,
        "message": (
            {
                "text": message[0],
                "flash": message[1],
                "at": instant(message[2]) if message[2] else None,
            }
            if message is not None
            else None
        ),
    }


@dataclass(frozen=True)
class Times:
    """A countdown as the four instants it is made of (`deadline` is its limit), and the
    hard start that cuts it short, if one does (then `deadline` is that start)."""

    start: datetime
    deadline: datetime
    warning_at: datetime
    danger_at: datetime
    cut: Cut | None = None


@dataclass(frozen=True)
class LiveSlot:
    id: str
    title: str
    speakers: tuple[str, ...]
    manual: bool
    countdown: Times


@dataclass(frozen=True)
class LiveTurn:
    index: int
    count: int
    speaker: str
    title: str | None
    countdown: Times


@dataclass(frozen=True)
class NextSlot:
    id: str
    title: str
    speakers: tuple[str, ...]
    planned_start: datetime
    expected_start: datetime | None
    hard: bool


@dataclass(frozen=True)
class Message:
    text: str
    flash: bool
    at: datetime | None


@dataclass(frozen=True)
class Snapshot:
    """A parsed `snapshot` message."""

    seq: int
    show_time: datetime
    speed: float
    rehearsal: bool
    title: str
    timezone: str
    mode: str
    held: bool
    live: LiveSlot | None
    turn: LiveTurn | None
    next_turn: str | None
    next: NextSlot | None
    over_under: float | None
    ended_at: datetime | None
    message: Message | None
    next_turn_seconds: float | None = None  # the next turn's budget (older servers: None)


def _times(data: Mapping[str, Any]) -> Times:
    cd = get_field(data, "countdown", dict)
    cut = None
    if (cj := get_field(cd, "cut", dict, optional=True)) is not None:
        cut = Cut(
            get_field(cj, "slot", str),
            get_field(cj, "title", str),
            get_instant(cj, "at"),
            get_instant(cj, "deadline"),
            get_field(cj, "label", str),
        )
    return Times(
        get_instant(cd, "start"),
        get_instant(cd, "deadline"),
        get_instant(cd, "warning_at"),
        get_instant(cd, "danger_at"),
        cut,
    )


def _names_list(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = get_field(data, key, list)
    if not all(isinstance(v, str) for v in value):
        raise ProtocolError(f"'{key}' must be a list of names")
    return tuple(value)


def parse_snapshot(data: object) -> Snapshot:
    """Validate and parse a `snapshot` message (raises ProtocolError)."""
    msg = check_version(data)
    if msg.get("type") != "snapshot":
        raise ProtocolError(f"not a snapshot: {msg.get('type')!r}")
    event = get_field(msg, "event", dict)
    timezone = get_field(event, "timezone", str)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ProtocolError(f"unknown timezone {timezone[:64]!r}") from None
    live = turn = nxt = message = None
    if (lj := get_field(msg, "live", dict, optional=True)) is not None:
        live = LiveSlot(
            get_field(lj, "id", str),
            get_field(lj, "title", str),
            _names_list(lj, "speakers"),
            bool(get_field(lj, "manual", bool)),
            _times(lj),
        )
    if (tj := get_field(msg, "turn", dict, optional=True)) is not None:
        turn = LiveTurn(
            get_field(tj, "index", int),
            get_field(tj, "count", int),
            get_field(tj, "speaker", str),
            get_field(tj, "title", str, optional=True),
            _times(tj),
        )
    ntj = get_field(msg, "next_turn", dict, optional=True)
    if (nj := get_field(msg, "next", dict, optional=True)) is not None:
        nxt = NextSlot(
            get_field(nj, "id", str),
            get_field(nj, "title", str),
            _names_list(nj, "speakers"),
            get_instant(nj, "planned_start"),
            get_instant(nj, "expected_start", optional=True),
            bool(get_field(nj, "hard", bool)),
        )
    if (mj := get_field(msg, "message", dict, optional=True)) is not None:
        message = Message(
            get_field(mj, "text", str),
            bool(get_field(mj, "flash", bool)),
            get_instant(mj, "at", True),
        )
    speed = get_speed(msg)
    over_under = get_number(msg, "over_under", -MAX_OVER_UNDER, MAX_OVER_UNDER, optional=True)
    return Snapshot(
        seq=get_field(msg, "seq", int),
        show_time=get_instant(msg, "show_time"),
        speed=speed,
        rehearsal=bool(get_field(msg, "rehearsal", bool)),
        title=get_field(event, "title", str),
        timezone=timezone,
        mode=_mode(get_field(msg, "mode", str)),
        held=bool(get_field(msg, "held", bool)),
        live=live,
        turn=turn,
        next_turn=get_field(ntj, "speaker", str) if ntj is not None else None,
        next_turn_seconds=_seconds_of(ntj),
        next=nxt,
        over_under=over_under,
        ended_at=get_instant(msg, "ended_at", optional=True),
        message=message,
    )


def _seconds_of(ntj: Mapping[str, Any] | None) -> float | None:
    if ntj is None:
        return None
    return get_number(ntj, "seconds", 0, MAX_TURN_SECONDS, optional=True)


def _mode(mode: str) -> str:
    if mode not in {"before", "live", "between", "ended"}:
        raise ProtocolError(f"unknown mode {mode!r}")
    return mode
