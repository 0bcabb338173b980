"""The speaker protocol's wire format: versions, instants, heartbeats, pings, field checks.

Messages are JSON text frames; every one carries "v": 1 and a "type". Instants
are ISO 8601 in UTC with milliseconds ("2023-11-20T15:12:00.000+00:00"). This
module owns what every message shares and the small time messages (`time`,
`pong`, `ping`); the `snapshot` lives in `speaker.snapshot`. Pure: no I/O, no
clock reads.

Everything read from a message is bounded here, where it is parsed, so that no later
arithmetic or rendering can overflow: a message of at most `MAX_MESSAGE` bytes and
`MAX_DEPTH` levels of nesting, instants within the years timekeeper plans (those of
`programme.timeline`), finite numbers within their ranges, texts of at most `MAX_TEXT`
characters. A value outside raises `ProtocolError`, which says which field and why.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

VERSION = 1
#: The years timekeeper plans (programme.timeline's EARLIEST and LATEST; a test keeps them equal).
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
#: A show clock's speed (the CLI's --speed range; a test keeps them equal).
SPEED_MIN, SPEED_MAX = 0.01, 3600.0
MAX_MESSAGE = 1024 * 1024  # bytes: a real status is a few kilobytes
MAX_DEPTH = 32  # levels of nesting: a snapshot has four
MAX_TEXT = 200_000  # characters in one text field (screens cut it to what they can show)
MAX_INT = 2**53  # integers beyond this are no count timekeeper makes


class ProtocolError(ValueError):
    """A message that is not version-1 speaker protocol (or is malformed)."""


def instant(value: datetime) -> str:
    """An aware instant on the wire: UTC, milliseconds (JS `Date.parse` reads it)."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds")


def read_instant(value: object, key: str = "sent_at") -> datetime | None:
    """An aware ISO instant from an optional message field; None if it is absent (null).

    Raises ProtocolError when it is present but not a string, malformed, naive, or
    outside the years timekeeper plans.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise ProtocolError(f"'{key}' is not an ISO 8601 instant")
    return _instant(key, value)


def _instant(key: str, text: str) -> datetime:
    if len(text) > 64:
        raise ProtocolError(f"'{key}' is not an ISO 8601 instant (too long)")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ProtocolError(f"'{key}' is not an ISO 8601 instant: {text!r}") from None
    if value.tzinfo is None:
        raise ProtocolError(f"'{key}' has no timezone: {text!r}")
    try:
        inside = EARLIEST <= value < LATEST
    except OverflowError:  # an offset that takes it past year 1 or 9999
        inside = False
    if not inside:
        raise ProtocolError(
            f"'{key}' is outside the years timekeeper plans "
            f"({EARLIEST.year} to {LATEST.year - 1}): {text!r}"
        )
    return value


def load_message(payload: bytes | str) -> object:
    """JSON text as a value, bounded in size and nesting (ProtocolError otherwise)."""
    if len(payload) > MAX_MESSAGE:
        raise ProtocolError(f"a message of {len(payload)} bytes (at most {MAX_MESSAGE})")
    try:
        data = json.loads(payload)
    except RecursionError:
        raise ProtocolError("a message nested too deeply") from None
    except ValueError as exc:  # also UnicodeDecodeError and a 5,000-digit integer
        raise ProtocolError(f"not JSON: {exc}") from None
    if _depth(data) > MAX_DEPTH:
        raise ProtocolError(f"a message nested more than {MAX_DEPTH} levels deep")
    return data


def _depth(value: object) -> int:
    """How deeply `value` nests, without recursion (a parsed message can be 1,000 levels)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


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


def get_field(
    data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], optional: bool = False
) -> Any:
    """`data[key]` if it is of `kind` (a bool is no int here), None if optional and absent."""
    value = data.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _kinds(kind)):
        raise ProtocolError(f"'{key}' is missing or not a {_names(kind)}")
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise ProtocolError(f"'{key}' is longer than {MAX_TEXT} characters")
    if isinstance(value, int) and not isinstance(value, bool) and not -MAX_INT <= value <= MAX_INT:
        raise ProtocolError(f"'{key}' is out of range")
    if isinstance(value, float) and not math.isfinite(value):
        raise ProtocolError(f"'{key}' is not a finite number")
    return value


def get_number(
    data: Mapping[str, Any], key: str, low: float, high: float, optional: bool = False
) -> float | None:
    """`data[key]` as a finite float within [low, high], None if optional and absent."""
    value = get_field(data, key, (int, float), optional)
    if value is None:
        return None
    number = float(value)
    if not low <= number <= high:
        raise ProtocolError(f"'{key}' must be from {low:g} to {high:g}, not {number:g}")
    return number


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _names(kind: type | tuple[type, ...]) -> str:
    return " or ".join(k.__name__ for k in _kinds(kind))


def get_instant(data: Mapping[str, Any], key: str, optional: bool = False) -> Any:
    """`data[key]` as an aware datetime (ISO 8601 with an offset), None if optional and absent."""
    text = get_field(data, key, str, optional)
    if text is None:
        return None
    return _instant(key, text)


def check_version(data: object) -> Mapping[str, Any]:
    """The message as a mapping, if it is speaker protocol version 1."""
    if not isinstance(data, dict):
        raise ProtocolError("a message must be a JSON object")
    if data.get("v") != VERSION:
        raise ProtocolError(
            f"unsupported speaker protocol version {data.get('v')!r} (want {VERSION})"
        )
    return data


def parse_time(data: object) -> tuple[str, datetime, float, object]:
    """A `time` or `pong` message as (type, show_time, speed, echoed t)."""
    msg = check_version(data)
    kind = msg.get("type")
    if kind not in {"time", "pong"}:
        raise ProtocolError(f"not a time message: {kind!r}")
    speed = get_speed(msg)
    return str(kind), get_instant(msg, "show_time"), speed, msg.get("t")


def get_speed(msg: Mapping[str, Any]) -> float:
    """The show clock's speed: a finite factor within the CLI's --speed range."""
    speed = float(get_field(msg, "speed", (int, float)))
    if not SPEED_MIN <= speed <= SPEED_MAX:
        raise ProtocolError(f"'speed' must be from {SPEED_MIN:g} to {SPEED_MAX:g}, not {speed:g}")
    return speed
