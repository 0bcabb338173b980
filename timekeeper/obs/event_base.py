"""The base of every event the OBS controller reports, and how events become plain data.

Owns `ObsEvent` (`at`, `kind`, `alarm` read from `core.alarms`, `message`, `to_dict`, `to_json`) and
the conversion of field values to JSON-ready data (`plain`: datetimes as ISO
strings, timedeltas as milliseconds). The event kinds themselves are in
`events` and `output_events`; this module must not define any.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, ClassVar

from timekeeper.core.alarms import ALARM_KINDS

JsonValue = str | int | float | bool | None | list[Any] | dict[str, Any]


def plain(value: Any) -> JsonValue:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return round(value.total_seconds() * 1000, 3)
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, tuple | list | frozenset | set):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def ms(delta: timedelta | None) -> str:
    return "?" if delta is None else f"{delta.total_seconds() * 1000:.0f} ms"


@dataclass(frozen=True)
class ObsEvent:
    """Base of every controller event."""

    kind: ClassVar[str] = "obs_event"

    at: datetime

    @property
    def alarm(self) -> bool:
        """An alarm kind (core.alarms, the one list the log, the report and the screen read)."""
        return self.kind in ALARM_KINDS

    @property
    def message(self) -> str:
        return self.kind.replace("_", " ")

    def to_dict(self) -> dict[str, JsonValue]:
        out: dict[str, JsonValue] = {"kind": self.kind}
        for f in fields(self):
            out[f.name] = plain(getattr(self, f.name))
        out["message"] = self.message
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)
