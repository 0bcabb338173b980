"""What this machine says about its time synchronisation, and when that is an alarm.

`TimeSync` is one reading (synchronised? how far off?); `ClockReport` is a reading
at an instant, with the alarm and the line the OBS panel and the log show. Pure
values: the probing itself is `app/clockcheck.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

MAX_OFFSET = 0.1  # seconds: further off than this is an alarm
Record = dict[str, object]


@dataclass(frozen=True)
class TimeSync:
    """What the machine says about its time synchronisation."""

    synced: bool | None  # None: unknown (nothing could tell)
    offset: float | None  # seconds this clock is ahead (+) or behind (-) true time, if known
    source: str  # chronyc | timedatectl | adjtimex | none
    detail: str = ""


UNKNOWN = TimeSync(None, None, "none", "no chronyc, timedatectl or adjtimex could tell")


@dataclass(frozen=True)
class ClockReport:
    at: datetime
    sync: TimeSync

    @property
    def alarm(self) -> str | None:
        """Why the clock cannot be trusted, or None (unknown is not an alarm, only shown)."""
        sync = self.sync
        if sync.synced is False:
            return f"the clock is NOT synchronised ({sync.source}): set up NTP before doors open"
        if sync.offset is not None and abs(sync.offset) > MAX_OFFSET:
            return (
                f"the clock is off by {sync.offset * 1000:+.0f} ms ({sync.source}): "
                f"more than {MAX_OFFSET * 1000:.0f} ms"
            )
        return None

    @property
    def message(self) -> str:
        alarm = self.alarm
        if alarm is not None:
            return alarm
        sync = self.sync
        if sync.synced is None:
            return f"clock synchronisation unknown: {sync.detail}"
        offset = "" if sync.offset is None else f", offset {sync.offset * 1000:+.1f} ms"
        return f"clock synchronised ({sync.source}{offset})"

    def record(self) -> Record:
        offset = self.sync.offset
        return {
            "event": "clock_alarm" if self.alarm else "clock_check",
            "at": self.at.isoformat(),
            "synced": self.sync.synced,
            "offset_ms": None if offset is None else round(offset * 1000, 3),
            "source": self.sync.source,
            "message": self.message,
        }
