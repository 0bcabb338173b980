"""Clocks: the only place in timekeeper that reads the time of day.

Everything else takes the instant it is given, so a test, a rehearsal and the
live show run the same code. All instants are timezone-aware UTC datetimes;
the event's timezone is applied only for display.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """A source of the current instant."""

    @property
    def speed(self) -> float:
        """How many show seconds pass per real second (1 for the live show)."""
        ...

    @property
    def simulated(self) -> bool:
        """True when this clock pretends (a rehearsal), False on the real time of day."""
        ...

    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        ...

    def real_seconds_until(self, instant: datetime) -> float:
        """Real seconds to wait until the clock shows `instant` (<= 0 if already past)."""
        ...


def as_utc(instant: datetime) -> datetime:
    """Normalise an aware datetime to UTC; refuse naive ones (they are ambiguous)."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("naive datetime: timekeeper needs timezone-aware instants")
    return instant.astimezone(UTC)


class SystemClock:
    """The real time of day."""

    speed = 1.0
    simulated = False

    def now(self) -> datetime:
        return datetime.now(UTC)

    def real_seconds_until(self, instant: datetime) -> float:
        return (as_utc(instant) - self.now()).total_seconds()


class SimulatedClock:
    """A pretend time of day: starts at `start` and runs `speed` times faster than real time.

    Each reading is computed from a monotonic anchor, never by counting ticks,
    so it cannot drift however often (or seldom) it is read.
    """

    simulated = True

    def __init__(
        self,
        start: datetime,
        speed: float = 1.0,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._start = as_utc(start)
        self._speed = float(speed)
        self._mono = time.monotonic
        self._anchor = self._mono()

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(self._mono() - self._anchor) * self._speed)

    def real_seconds_until(self, instant: datetime) -> float:
        return (as_utc(instant) - self.now()).total_seconds() / self._speed


class ManualClock:
    """A clock that moves only when told to: for tests."""

    def __init__(self, start: datetime, speed: float = 1.0, simulated: bool = True) -> None:
        self._now = as_utc(start)
        self._speed = speed
        self.simulated = simulated

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> datetime:
        return self._now

    def set(self, instant: datetime) -> None:
        self._now = as_utc(instant)

    def advance(self, delta: timedelta | float) -> datetime:
        """Move forward by a timedelta or a number of seconds; return the new instant."""
        if not isinstance(delta, timedelta):
            delta = timedelta(seconds=delta)
        self._now = self._now + delta
        return self._now

    def real_seconds_until(self, instant: datetime) -> float:
        return (as_utc(instant) - self._now).total_seconds() / self._speed
