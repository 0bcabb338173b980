"""How anything the show records becomes the fields of one as-run log record.

Owns `as_record` and the JSON encoding of what engine and OBS events carry
(instants, durations, enums, paths, sets, dataclasses; anything else as text,
never an exception). It must not write or read files.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Protocol

from timekeeper.core.engine import ShowEvent


class SupportsToJson(Protocol):
    def to_json(self) -> dict[str, object]: ...


Recordable = ShowEvent | SupportsToJson | Mapping[str, object]


def json_default(value: object) -> object:
    """JSON for what OBS and engine events carry; anything else as text, never an exception."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return str(value)


def as_record(item: Recordable) -> dict[str, object]:
    """A ShowEvent (or anything with to_json, or a mapping) as the fields of a log record."""
    if isinstance(item, Mapping):
        return dict(item)
    data = dict(item.to_json())
    data.setdefault("record", "event")
    return data
