"""The show's state: what has happened, as frozen records, and the events and actions.

Owns the vocabulary every other core module speaks: the show's `Mode`, each slot's
`Outcome` and `SlotRecord` (actual start and end, extensions, turns), the operator's
`Action`, the `ShowEvent` that the log, the headless stream and OBS see, and `ShowState`
(with the undo stack). No rule and no transition lives here: deadlines and limits are
in `rules.py`, what changes the state in `transitions.py` and `actions.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from timekeeper.core.programme import Programme

ZERO = timedelta(0)
UNDO_DEPTH = 50


class Mode(StrEnum):
    BEFORE = "before"  # the show has not started
    LIVE = "live"  # a slot is live
    BETWEEN = "between"  # a slot ended early or a gap in the plan: waiting for the next
    ENDED = "ended"


class Outcome(StrEnum):
    PENDING = "pending"
    LIVE = "live"
    DONE = "done"
    CUT = "cut"  # ended early by a hard start
    SKIPPED = "skipped"


class ActionKind(StrEnum):
    NEXT = "next"  # start the show / next slot now / end the show after the last slot
    NEXT_TURN = "next_turn"
    BACK = "back"
    EXTEND = "extend"  # minutes may be negative (shorten)
    HOLD = "hold"
    RELEASE = "release"
    JUMP = "jump"
    END = "end"  # end the show now


@dataclass(frozen=True)
class Action:
    """An operator action; `minutes` for EXTEND, `slot` (an id) for JUMP."""

    kind: ActionKind
    minutes: float = 0.0
    slot: str | None = None

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"action": self.kind.value}
        if self.kind is ActionKind.EXTEND:
            data["minutes"] = self.minutes
        if self.slot is not None:
            data["slot"] = self.slot
        return data

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Action:
        minutes = data.get("minutes", 0.0)
        slot = data.get("slot")
        return cls(
            ActionKind(str(data["action"])),
            float(minutes) if isinstance(minutes, int | float) else 0.0,
            str(slot) if slot is not None else None,
        )


@dataclass(frozen=True)
class TurnRecord:
    actual_start: datetime | None = None
    actual_end: datetime | None = None


@dataclass(frozen=True)
class SlotRecord:
    outcome: Outcome = Outcome.PENDING
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    adjustment: timedelta = ZERO  # extensions minus shortenings
    ended_by: str | None = None  # deadline | operator | hard | jump | end
    turns: tuple[TurnRecord, ...] = ()
    live_turn: int | None = None  # index of the live turn while the slot is live


@dataclass(frozen=True)
class ShowEvent:
    """Something that happened at an instant: what the log, the headless stream and OBS see."""

    kind: str
    at: datetime
    slot: str | None = None
    turn: int | None = None
    speaker: str | None = None
    cause: str | None = None  # auto | hard | operator | deadline | ...
    outcome: str | None = None
    phase: str | None = None
    minutes: float | None = None
    text: str | None = None  # an operator message to the speaker screens
    action: Action | None = None  # the operator action this event records
    source: str | None = None  # who took an operator action: keyboard | api:<client> | osc

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"at": self.at.isoformat(), "event": self.kind}
        for key in (
            "slot",
            "turn",
            "speaker",
            "cause",
            "outcome",
            "phase",
            "minutes",
            "text",
            "source",
        ):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        if self.action is not None:
            data["action"] = self.action.to_json()
        return data


@dataclass(frozen=True)
class Snapshot:
    mode: Mode
    position: int
    records: tuple[SlotRecord, ...]
    ended_at: datetime | None


@dataclass(frozen=True)
class ShowState:
    """Everything that has happened: with the programme, enough to forecast the rest."""

    programme: Programme
    as_of: datetime
    mode: Mode = Mode.BEFORE
    position: int = -1  # live slot, or the last slot that ran
    records: tuple[SlotRecord, ...] = ()
    held: bool = False
    ended_at: datetime | None = None
    undo: tuple[Snapshot, ...] = field(default=(), repr=False)

    @property
    def live(self) -> int | None:
        return self.position if self.mode is Mode.LIVE else None

    @property
    def next_index(self) -> int | None:
        """The next slot to start, if any."""
        for i in range(self.position + 1, len(self.programme.slots)):
            if self.records[i].outcome is Outcome.PENDING:
                return i
        return None


def new_show(programme: Programme, now: datetime) -> ShowState:
    """A show that has not started: as of `now`, or of the programme's start if that is earlier.

    A show first seen after its planned start is taken to have run to plan so
    far (a run started, or a rehearsal set, at 16:09:30 finds the keynote live,
    not a late introduction); `follow_plan` also moves manual slots on for it.
    """
    records = tuple(SlotRecord(turns=tuple(TurnRecord() for _ in s.turns)) for s in programme.slots)
    return ShowState(programme=programme, as_of=min(now, programme.start), records=records)
