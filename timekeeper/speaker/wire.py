"""The speaker protocol's wire format: versions, instants, heartbeats, pings, field checks.

Messages are JSON text frames; every one carries "v": 1 and a "type". Instants
are ISO 8601 in UTC with milliseconds ("2023-11-20T15:12:00.000+00:00"). This
module owns what every message shares and the small time messages (`time`,
`pong`, `ping`); the `snapshot` lives in `speaker.snapshot`. Pure: no I/O, no
clock reads.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

VERSION = 1


class ProtocolError(ValueError):
    """A message that is not version-1 speaker protocol (or is malformed)."""


def instant(value: datetime) -> str:
    """An aware instant on the wire: UTC, milliseconds (JS `Date.parse` reads it)."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds")


def read_instant(value: object) -> datetime | None:
    """An aware ISO instant from a message field; None if it is missing, naive or malformed."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


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
    return value


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _names(kind: type | tuple[type, ...]) -> str:
    return " or ".join(k.__name__ for k in _kinds(kind))


def get_instant(data: Mapping[str, Any], key: str, optional: bool = False) -> Any:
    """`data[key]` as an aware datetime (ISO 8601 with an offset), None if optional and absent."""
    text = get_field(data, key, str, optional)
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ProtocolError(f"'{key}' is not an ISO 8601 instant: {text!r}") from None
    if value.tzinfo is None:
        raise ProtocolError(f"'{key}' has no timezone: {text!r}")
    return value


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
    speed = float(get_field(msg, "speed", (int, float)))
    if not math.isfinite(speed) or speed <= 0:
        raise ProtocolError(f"speed must be positive, not {speed}")
    return str(kind), get_instant(msg, "show_time"), speed, msg.get("t")
