"""The speaker-screen wire format (version 1) and what a follower shows from it.

Followers receive the show as *timestamps* (the live countdown's deadline and
phase thresholds), never as ticking values: every screen recomputes the digits
each frame from its own clock, so screens count smoothly and agree, and a
follower that loses the connection keeps counting from the last state.

Clocks: a follower never trusts its own time of day. It maps its local clock to
the operator's *show clock* (simulated and possibly sped up in a rehearsal)
with an anchor pair measured NTP-style: it sends a ping carrying its local send
time, the server echoes it with its show-clock reading, and the follower takes
the reading to belong to the midpoint of the round trip. Then

    show_now = show_ref + (local_now - local_ref) * speed

which corrects the offset between the machines and the rehearsal speed at once.

Messages (JSON text frames; every one carries "v": 1 and a "type"):

- server -> follower ``snapshot``: the whole state (see `build_snapshot`), sent on
  connect and after every change, at most once per change (later ones replace
  earlier ones a slow follower has not read yet).
- server -> follower ``time``: heartbeat every few seconds: show_time and speed.
- follower -> server ``ping`` {"t": <any number>}; server -> follower ``pong``
  {"t": <echoed>, "show_time": ..., "speed": ...}. Anything else a follower sends
  is ignored: followers are read-only.

Instants are ISO 8601 in UTC with milliseconds ("2023-11-20T15:12:00.000+00:00").
This module is pure: no I/O, no clock reads.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from timekeeper.core.programme import Programme
from timekeeper.core.status import Countdown, Status

VERSION = 1
SAMPLES = 8  # clock samples kept; the one with the shortest round trip wins
ONE_SECOND_US = 1_000_000


class ProtocolError(ValueError):
    """A message that is not version-1 speaker protocol (or is malformed)."""


# ---------------------------------------------------------------- server side: building


def instant(value: datetime) -> str:
    """An aware instant on the wire: UTC, milliseconds (JS `Date.parse` reads it)."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds")


def _countdown(cd: Countdown) -> dict[str, str]:
    return {
        "start": instant(cd.start),
        "deadline": instant(cd.deadline),
        "warning_at": instant(cd.warning_at),
        "danger_at": instant(cd.danger_at),
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
        "next_turn": {"index": nt.index, "speaker": nt.turn.speaker} if nt is not None else None,
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


def time_message(
    kind: str, show_time: datetime, speed: float, echo: object = None
) -> dict[str, Any]:
    """A heartbeat (`time`) or a ping's answer (`pong`, echoing the follower's `t`)."""
    data: dict[str, Any] = {
        "v": VERSION,
        "type": kind,
        "show_time": instant(show_time),
        "speed": speed,
    }
    if kind == "pong":
        data["t"] = echo
    return data


def ping_echo(data: object) -> int | float | None:
    """The `t` of a well-formed follower ping, unchanged (it is echoed back), else None."""
    if isinstance(data, dict) and data.get("type") == "ping":
        t = data.get("t")
        if isinstance(t, int | float) and not isinstance(t, bool) and math.isfinite(t):
            return t
    return None


# ---------------------------------------------------------------- follower side: parsing


@dataclass(frozen=True)
class Times:
    """A countdown as the four instants it is made of."""

    start: datetime
    deadline: datetime
    warning_at: datetime
    danger_at: datetime


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


def _get(
    data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], optional: bool = False
) -> Any:
    value = data.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _kinds(kind)):
        raise ProtocolError(f"'{key}' is missing or not a {_names(kind)}")
    return value


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _names(kind: type | tuple[type, ...]) -> str:
    return " or ".join(k.__name__ for k in _kinds(kind))


def _time(data: Mapping[str, Any], key: str, optional: bool = False) -> Any:
    text = _get(data, key, str, optional)
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ProtocolError(f"'{key}' is not an ISO 8601 instant: {text!r}") from None
    if value.tzinfo is None:
        raise ProtocolError(f"'{key}' has no timezone: {text!r}")
    return value


def _times(data: Mapping[str, Any]) -> Times:
    cd = _get(data, "countdown", dict)
    return Times(
        _time(cd, "start"), _time(cd, "deadline"), _time(cd, "warning_at"), _time(cd, "danger_at")
    )


def _names_list(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = _get(data, key, list)
    if not all(isinstance(v, str) for v in value):
        raise ProtocolError(f"'{key}' must be a list of names")
    return tuple(value)


def check_version(data: object) -> Mapping[str, Any]:
    """The message as a mapping, if it is speaker protocol version 1."""
    if not isinstance(data, dict):
        raise ProtocolError("a message must be a JSON object")
    if data.get("v") != VERSION:
        raise ProtocolError(
            f"unsupported speaker protocol version {data.get('v')!r} (want {VERSION})"
        )
    return data


def parse_snapshot(data: object) -> Snapshot:
    """Validate and parse a `snapshot` message (raises ProtocolError)."""
    msg = check_version(data)
    if msg.get("type") != "snapshot":
        raise ProtocolError(f"not a snapshot: {msg.get('type')!r}")
    event = _get(msg, "event", dict)
    timezone = _get(event, "timezone", str)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ProtocolError(f"unknown timezone {timezone!r}") from None
    live = turn = nxt = message = None
    if (lj := _get(msg, "live", dict, optional=True)) is not None:
        live = LiveSlot(
            _get(lj, "id", str),
            _get(lj, "title", str),
            _names_list(lj, "speakers"),
            bool(_get(lj, "manual", bool)),
            _times(lj),
        )
    if (tj := _get(msg, "turn", dict, optional=True)) is not None:
        turn = LiveTurn(
            _get(tj, "index", int),
            _get(tj, "count", int),
            _get(tj, "speaker", str),
            _get(tj, "title", str, optional=True),
            _times(tj),
        )
    ntj = _get(msg, "next_turn", dict, optional=True)
    if (nj := _get(msg, "next", dict, optional=True)) is not None:
        nxt = NextSlot(
            _get(nj, "id", str),
            _get(nj, "title", str),
            _names_list(nj, "speakers"),
            _time(nj, "planned_start"),
            _time(nj, "expected_start", optional=True),
            bool(_get(nj, "hard", bool)),
        )
    if (mj := _get(msg, "message", dict, optional=True)) is not None:
        message = Message(
            _get(mj, "text", str), bool(_get(mj, "flash", bool)), _time(mj, "at", True)
        )
    speed = float(_get(msg, "speed", (int, float)))
    if not math.isfinite(speed) or speed <= 0:
        raise ProtocolError(f"speed must be positive, not {speed}")
    over_under = _get(msg, "over_under", (int, float), optional=True)
    return Snapshot(
        seq=_get(msg, "seq", int),
        show_time=_time(msg, "show_time"),
        speed=speed,
        rehearsal=bool(_get(msg, "rehearsal", bool)),
        title=_get(event, "title", str),
        timezone=timezone,
        mode=_mode(_get(msg, "mode", str)),
        held=bool(_get(msg, "held", bool)),
        live=live,
        turn=turn,
        next_turn=_get(ntj, "speaker", str) if ntj is not None else None,
        next=nxt,
        over_under=float(over_under) if over_under is not None else None,
        ended_at=_time(msg, "ended_at", optional=True),
        message=message,
    )


def _mode(mode: str) -> str:
    if mode not in {"before", "live", "between", "ended"}:
        raise ProtocolError(f"unknown mode {mode!r}")
    return mode


def parse_time(data: object) -> tuple[str, datetime, float, object]:
    """A `time` or `pong` message as (type, show_time, speed, echoed t)."""
    msg = check_version(data)
    kind = msg.get("type")
    if kind not in {"time", "pong"}:
        raise ProtocolError(f"not a time message: {kind!r}")
    speed = float(_get(msg, "speed", (int, float)))
    if not math.isfinite(speed) or speed <= 0:
        raise ProtocolError(f"speed must be positive, not {speed}")
    return str(kind), _time(msg, "show_time"), speed, msg.get("t")


# ---------------------------------------------------------------- follower side: the clock


@dataclass(frozen=True)
class ClockSync:
    """Maps the follower's local clock to the operator's show clock.

    `rtt` is the round trip the anchor was measured with (None: a provisional
    anchor taken from a message's arrival, before any ping came back).
    """

    local_ref: datetime
    show_ref: datetime
    speed: float
    rtt: float | None = None

    def show_at(self, local: datetime) -> datetime:
        return self.show_ref + (local - self.local_ref) * self.speed

    @property
    def offset(self) -> timedelta:
        """Show clock minus local clock at the anchor (the correction at speed 1)."""
        return self.show_ref - self.local_ref


class ClockEstimator:
    """Keeps the best anchor: the recent sample with the shortest round trip.

    A short round trip bounds the error (at most rtt/2), so a congested
    moment's late pong cannot drag the screens off; old samples age out so a
    follower whose clock drifts keeps following.
    """

    def __init__(self, keep: int = SAMPLES) -> None:
        self._samples: deque[ClockSync] = deque(maxlen=keep)
        self._provisional: ClockSync | None = None

    @property
    def sync(self) -> ClockSync | None:
        if self._samples:
            return min(self._samples, key=lambda s: s.rtt if s.rtt is not None else math.inf)
        return self._provisional

    def arrived(self, show_time: datetime, speed: float, local: datetime) -> None:
        """A message stamped `show_time` arrived at `local`: good enough until a pong."""
        self._provisional = ClockSync(local, show_time, speed)

    def pong(self, sent: datetime, received: datetime, show_time: datetime, speed: float) -> None:
        """A ping sent at local `sent` came back at `received` carrying `show_time`."""
        rtt = (received - sent).total_seconds()
        if rtt < 0:  # the local clock stepped back: this sample means nothing
            return
        self._samples.append(ClockSync(sent + (received - sent) / 2, show_time, speed, rtt))

    def reset(self) -> None:
        """A new connection may be to another run (another clock): forget everything."""
        self._samples.clear()
        self._provisional = None


# ---------------------------------------------------------------- follower side: the display


@dataclass(frozen=True)
class Display:
    """Everything a speaker screen shows at one instant (terminal and page alike)."""

    digits: str  # "4:59", "+0:12", "1:02:03", "--:--"
    phase: str  # normal | warning | danger | overtime
    label: str  # "Starts in", "Remaining", "Overtime", ...
    name: str  # the live speaker (the turn's, else the slot's speakers)
    title: str  # the live slot's title (before/between: the next slot's)
    next: str  # "Next: Wike Been", "Next: Q&A at 17:10"
    slot_line: str  # the slot's own countdown while a turn runs inside it
    clock: str  # time of day on the show clock, event timezone
    event: str
    rehearsal: str  # "" or "REHEARSAL ×10"
    message: str
    flash: bool
    disconnected: bool
    status: str  # "" when connected, else what the follower is doing about it
    blink_on: bool  # the on half of the blink cycle (overtime digits, flashing message)

    @property
    def overtime(self) -> bool:
        return self.phase == "overtime"


def format_remaining(remaining: timedelta) -> str:
    """Count down in whole seconds rounded up (5:00 at the start, 0:00 at the deadline);
    in overtime count up from +0:00 in whole seconds rounded down."""
    us = remaining // timedelta(microseconds=1)
    if us >= 0:
        total, sign = -(-us // ONE_SECOND_US), ""
    else:
        total, sign = (-us) // ONE_SECOND_US, "+"
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{seconds:02d}"
    return f"{sign}{minutes}:{seconds:02d}"


def phase_of(times: Times, now: datetime) -> str:
    """docs/timing.md's phase: overtime past the deadline, danger/warning from their instants."""
    if now > times.deadline:
        return "overtime"
    if now >= times.danger_at:
        return "danger"
    if now >= times.warning_at:
        return "warning"
    return "normal"


def _clock(instant_: datetime, tz: str) -> str:
    return instant_.astimezone(ZoneInfo(tz)).strftime("%H:%M:%S")


def _hhmm(instant_: datetime, tz: str) -> str:
    return instant_.astimezone(ZoneInfo(tz)).strftime("%H:%M")


def _blink(local: datetime) -> bool:
    """On for the first half of each local second: blinks at the same rate in any rehearsal."""
    return (local.microsecond // 500_000) == 0


def waiting_display(status: str, local: datetime) -> Display:
    """Before any state has arrived: say so plainly instead of showing a made-up time."""
    return Display(
        digits="--:--",
        phase="normal",
        label="Waiting for the show",
        name="",
        title="",
        next="",
        slot_line="",
        clock="",
        event="",
        rehearsal="",
        message="",
        flash=False,
        disconnected=True,
        status=status,
        blink_on=_blink(local),
    )


def follow(
    snap: Snapshot | None, local: datetime, sync: ClockSync | None, connected: bool, url: str = ""
) -> Display:
    """What a follower shows at local instant `local` from the last state it received."""
    if snap is None or sync is None:
        return waiting_display(f"Connecting to {url} — retrying…" if url else "Connecting…", local)
    status = "" if connected else "DISCONNECTED — reconnecting…"
    return compute_display(snap, sync.show_at(local), local, status)


def compute_display(snap: Snapshot, now: datetime, local: datetime, status: str = "") -> Display:
    """The display at show instant `now` (`local` only paces the blinking)."""
    digits, phase, label, name, title, nxt, slot_line = "--:--", "normal", "", "", "", "", ""
    tz = snap.timezone
    if snap.mode == "live" and snap.live is not None:
        live = snap.live
        shown = snap.turn.countdown if snap.turn is not None else live.countdown
        phase = phase_of(shown, now)
        digits = format_remaining(shown.deadline - now)
        label = "Overtime" if phase == "overtime" else "Remaining"
        title = live.title
        if snap.turn is not None:
            name = snap.turn.speaker
            slot_left = format_remaining(live.countdown.deadline - now)
            slot_line = f"{live.title}: {slot_left} {'over' if slot_left[0] == '+' else 'left'}"
        else:
            name = ", ".join(live.speakers)
        if snap.next_turn is not None:
            nxt = f"Next: {snap.next_turn}"
        elif snap.next is not None:
            nxt = _next_slot(snap.next, tz)
    elif snap.mode in {"before", "between"} and snap.next is not None:
        start = snap.next.expected_start or snap.next.planned_start
        until = start - now
        digits = format_remaining(max(until, timedelta(0)))
        label = (
            ("Starts in" if snap.mode == "before" else "Next in")
            if until > timedelta(0)
            else "Starting"
        )
        title = snap.next.title
        name = ", ".join(snap.next.speakers)
        nxt = f"At {_hhmm(start, tz)}"
    elif snap.mode == "ended":
        digits = _hhmm(now, tz)
        label = "The show has ended"
    message = snap.message
    return Display(
        digits=digits,
        phase=phase,
        label=label,
        name=name,
        title=title,
        next=nxt,
        slot_line=slot_line,
        clock=_clock(now, tz),
        event=snap.title,
        rehearsal=_rehearsal(snap),
        message=message.text if message is not None else "",
        flash=message.flash if message is not None else False,
        disconnected=bool(status),
        status=status,
        blink_on=_blink(local),
    )


def _next_slot(nxt: NextSlot, tz: str) -> str:
    start = nxt.expected_start or nxt.planned_start
    return f"Next: {nxt.title} at {_hhmm(start, tz)}"


def _rehearsal(snap: Snapshot) -> str:
    if not snap.rehearsal:
        return ""
    return "REHEARSAL" if snap.speed == 1 else f"REHEARSAL ×{snap.speed:g}"


# ---------------------------------------------------------------- follower side: where to connect


@dataclass(frozen=True)
class FollowerUrls:
    page: str  # http(s)://host:port/
    state: str  # .../state
    ws: str  # ws(s)://host:port/ws


def follower_urls(url: str) -> FollowerUrls:
    """The server's URLs from what a person typed (raises ValueError with the reason)."""
    text = url.strip()
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    scheme = {"http": "http", "ws": "http", "https": "https", "wss": "https"}.get(parts.scheme)
    if scheme is None:
        raise ValueError(f"'{url}' must be an http:// URL, like http://127.0.0.1:8765")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"'{url}' has an invalid port") from None
    if not parts.hostname:
        raise ValueError(f"'{url}' names no host, like http://127.0.0.1:8765")
    if parts.path not in {"", "/", "/ws", "/state"} or parts.query or parts.fragment:
        raise ValueError(f"'{url}': give only the server, like http://127.0.0.1:8765")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    netloc = host if port is None else f"{host}:{port}"
    base = urlunsplit((scheme, netloc, "/", "", ""))
    ws = urlunsplit(("wss" if scheme == "https" else "ws", netloc, "/ws", "", ""))
    return FollowerUrls(page=base, state=base + "state", ws=ws)
