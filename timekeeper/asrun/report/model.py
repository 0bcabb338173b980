"""The report model: frozen rows of what was planned and what ran, built by `build`.

Owns the shapes every renderer reads: `Report` (the run as a whole), a
`SlotRow` per slot with its `TurnRow`s, `Interval`s of stream and recording,
the `Switches` summary and timed `Line`s (alarms, operator actions,
messages), with the derived figures (lengths, over/under). It must not read
the log, replay the run or format anything.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta


class _Ran:
    """A slot or turn as it ran: its actual length once it has ended."""

    actual_start: datetime | None
    actual_end: datetime | None

    @property
    def length(self) -> timedelta | None:
        if self.actual_start is None or self.actual_end is None:
            return None
        return self.actual_end - self.actual_start


@dataclass(frozen=True)
class TurnRow(_Ran):
    slot_id: str
    index: int  # 0-based
    speaker: str
    title: str | None
    planned: timedelta
    actual_start: datetime | None
    actual_end: datetime | None
    outcome: str  # done | ended with the slot | not reached | live
    proposed: timedelta | None = None  # as an accepted running-late proposal left it

    @property
    def delta(self) -> timedelta | None:
        """Over (+) or under (-) the planned length."""
        return None if self.length is None else self.length - self.planned


@dataclass(frozen=True)
class SlotRow(_Ran):
    index: int
    id: str
    title: str
    hard: bool
    manual: bool
    speakers: str
    planned_start: datetime
    planned_end: datetime
    actual_start: datetime | None
    actual_end: datetime | None
    extension: timedelta  # extensions minus shortenings
    outcome: str  # done | cut | skipped | live | pending
    ended_by: str | None
    cut_by: str | None  # title of the hard slot that cut it
    turns: tuple[TurnRow, ...]
    note: str  # its part of the one-line summary
    proposed: timedelta | None = None  # its length as an accepted running-late proposal left it

    @property
    def planned_length(self) -> timedelta:
        return self.planned_end - self.planned_start

    @property
    def start_delta(self) -> timedelta | None:
        """Over/under at its start: positive means late."""
        return None if self.actual_start is None else self.actual_start - self.planned_start

    @property
    def length_delta(self) -> timedelta | None:
        return None if self.length is None else self.length - self.planned_length


@dataclass(frozen=True)
class Interval:
    start: datetime | None
    end: datetime | None


@dataclass(frozen=True)
class Line:
    """A timed line of the report: an alarm, an operator action, a message."""

    at: datetime
    kind: str
    text: str
    slot: str | None = None  # title of the slot live at the time
    by: str | None = None  # who: keyboard | api:<client> | osc (None: not logged, or autopilot)
    until: datetime | None = None  # a repeated alarm: its last repeat (`at` is its first)
    detail: str | None = None  # a revision: what changed (`text` says who accepted it too)
    count: int = 1  # how many times it happened


@dataclass(frozen=True)
class Switches:
    confirmed: int
    failed: int
    median: timedelta | None
    max: timedelta | None


@dataclass(frozen=True)
class Report:
    title: str
    subtitle: str | None
    date: str  # "20 November 2023"
    venue: str | None
    timezone: str
    run: str  # "live show" | "rehearsal (dry, pretend clock ×20)"
    log: str
    programme: str | None
    planned_start: datetime
    planned_end: datetime
    started: datetime | None  # the first slot's actual start
    ended: datetime | None
    log_end: datetime  # show time of the last record
    slots: tuple[SlotRow, ...]
    stream: tuple[Interval, ...]
    recording: tuple[Interval, ...]
    switches: Switches | None
    alarms: tuple[Line, ...]
    actions: tuple[Line, ...]
    messages: tuple[Line, ...]
    warnings: tuple[str, ...]
    revisions: tuple[Line, ...] = ()  # each accepted programme version: when, who, what changed
    proposals: tuple[Line, ...] = ()  # each running-late proposal accepted (or undone): who, what

    @property
    def start_delay(self) -> timedelta | None:
        return None if self.started is None else self.started - self.planned_start

    @property
    def end_delta(self) -> timedelta | None:
        return None if self.ended is None else self.ended - self.planned_end

    @property
    def action_counts(self) -> dict[str, int]:
        return dict(Counter(a.kind for a in self.actions))

    @property
    def summary(self) -> str:
        """The one-line record of docs/timing.md: "Welcome 10:01–10:06 (+1:00); ..."."""
        return "; ".join(s.note for s in self.slots) + "."
