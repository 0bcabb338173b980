"""The programme as the core sees it: frozen, validated, every instant in UTC.

`timekeeper.programme` builds these from YAML; nothing here parses or validates.
Planned instants are UTC so that arithmetic is real elapsed time even across a
daylight-saving change; `Programme.local()` converts for display.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Advance(StrEnum):
    """How a slot (or the turns inside it) moves on."""

    AUTO = "auto"  # at its time, by itself
    MANUAL = "manual"  # only when the operator says so; counts into overtime


class ObsAction(StrEnum):
    """Stream and record actions a slot may ask for when it starts or ends."""

    START_STREAMING = "start_streaming"
    STOP_STREAMING = "stop_streaming"
    START_RECORDING = "start_recording"
    STOP_RECORDING = "stop_recording"


@dataclass(frozen=True)
class Speaker:
    name: str
    role: str | None = None
    affiliation: str | None = None

    def label(self) -> str:
        """Name with affiliation, as a caption reads."""
        return f"{self.name} ({self.affiliation})" if self.affiliation else self.name


@dataclass(frozen=True)
class GiveWay:
    """How far a slot or a turn may shrink when the show runs late (docs/running-late.md).

    `fixed`: never. Otherwise down to `minimum`; None is the default: half its
    planned length, and never below one minute.
    """

    fixed: bool = False
    minimum: timedelta | None = None

    def floor(self, planned: timedelta) -> timedelta:
        """The shortest it may become (its planned length when it may not shrink)."""
        if self.fixed:
            return planned
        if self.minimum is not None:
            return min(planned, self.minimum)
        return min(planned, max(planned / 2, timedelta(minutes=1)))


@dataclass(frozen=True)
class LatePolicy:
    """When timekeeper proposes a re-plan, and what gives way first (docs/running-late.md)."""

    threshold: timedelta = timedelta(minutes=1)  # propose when a target is missed by more
    order: tuple[str, ...] = ()  # slot ids that give way first, in this order


@dataclass(frozen=True)
class Turn:
    """A timed per-speaker turn inside a slot (e.g. a panellist's statement)."""

    speaker: str
    duration: timedelta
    title: str | None = None
    warning: timedelta = timedelta(minutes=1)  # the turn's own countdown colours
    danger: timedelta = timedelta(seconds=30)
    give_way: GiveWay | None = None  # None: the default (GiveWay())


@dataclass(frozen=True)
class Transition:
    """An OBS scene transition used for a switch."""

    name: str
    duration: timedelta | None = None


@dataclass(frozen=True)
class Slot:
    id: str
    title: str
    start: datetime  # planned, UTC
    duration: timedelta  # planned
    speakers: tuple[Speaker, ...] = ()
    turns: tuple[Turn, ...] = ()
    scene: str | None = None
    hard: bool = False
    advance: Advance = Advance.AUTO
    turns_advance: Advance = Advance.MANUAL
    warning: timedelta = timedelta(minutes=5)
    danger: timedelta = timedelta(minutes=1)
    transition: Transition | None = None
    on_start: tuple[ObsAction, ...] = ()
    on_end: tuple[ObsAction, ...] = ()
    texts: tuple[tuple[str, str], ...] = ()  # (OBS text source, template) while live
    notes: str | None = None
    give_way: GiveWay | None = None  # None: the default (the last slot is fixed)
    do_not_record: bool = False  # left out of the cuts (issue 25)

    @property
    def end(self) -> datetime:
        """Planned end (UTC)."""
        return self.start + self.duration

    @property
    def manual(self) -> bool:
        return self.advance is Advance.MANUAL

    def speaker_names(self) -> str:
        return ", ".join(s.name for s in self.speakers)


@dataclass(frozen=True)
class Event:
    title: str
    date: date
    timezone: str  # IANA name
    subtitle: str | None = None
    venue: str | None = None
    start: Advance = Advance.AUTO  # auto: the first slot starts at its planned time


@dataclass(frozen=True)
class ObsSettings:
    url: str = "ws://127.0.0.1:4455"
    password_env: str | None = None
    studio_mode: bool = False
    transition: Transition | None = None
    texts: tuple[tuple[str, str], ...] = ()  # defaults for every slot
    configured: bool = False  # the programme has an `obs:` section


@dataclass(frozen=True)
class Programme:
    event: Event
    slots: tuple[Slot, ...]
    obs: ObsSettings = field(default_factory=ObsSettings)
    late: LatePolicy = field(default_factory=LatePolicy)
    source: str | None = None  # file it was read from
    digest: str | None = None  # sha256 of the file's bytes

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.event.timezone)

    def local(self, instant: datetime) -> datetime:
        """An instant in the event's timezone, for display."""
        return instant.astimezone(self.tz)

    @property
    def start(self) -> datetime:
        return self.slots[0].start

    @property
    def end(self) -> datetime:
        return max(s.end for s in self.slots)

    def index(self, slot_id: str) -> int:
        for i, slot in enumerate(self.slots):
            if slot.id == slot_id:
                return i
        raise KeyError(slot_id)
