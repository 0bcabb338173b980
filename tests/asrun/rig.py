"""A show driven by hand: ShowSession, ManualClocks and the as-run log, wired as `run` will."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from tests.factories import at
from timekeeper.asrun.resume import RunStart, start_run
from timekeeper.core.clock import Clock, ManualClock
from timekeeper.core.engine import Action, ActionKind
from timekeeper.core.programme import Programme
from timekeeper.show.session import ShowSession

REAL_START = datetime.fromisoformat("2023-11-01T08:00:00+00:00")


def on_disk(programme: Programme, folder: Path, text: str = "programme: v1\n") -> Programme:
    """The programme as if read from folder/programme.yaml (source and sha256 set)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "programme.yaml"
    path.write_text(text)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return replace(programme, source=str(path), digest=digest)


def manual_clock(start: datetime, speed: float) -> Clock:
    return ManualClock(start, speed)


class Rig:
    """One process of `timekeeper run`: start (or resume), then move the clocks and act."""

    def __init__(
        self,
        programme: Programme,
        start: datetime,
        *,
        speed: float = 1.0,
        simulated: bool = False,
        mode: str = "live",
        rehearsal: bool = False,
        log: Path | None = None,
        fresh: bool = False,
        real: ManualClock | None = None,
        autopilot: bool = False,
        tick: bool = True,
    ) -> None:
        """`autopilot`: a headless run. `tick=False`: the run is still starting up (its
        session has not ticked yet)."""
        self.programme = programme
        self.real = real if real is not None else ManualClock(REAL_START, simulated=False)
        show = ManualClock(start, speed, simulated=simulated)
        self.run: RunStart = start_run(
            programme,
            clock=show,
            real_clock=self.real,
            mode=mode,
            rehearsal=rehearsal,
            log_path=log,
            fresh=fresh,
            make_clock=manual_clock,
            autopilot=autopilot,
        )
        clock = self.run.clock
        assert isinstance(clock, ManualClock)
        self.clock = clock
        self.session = ShowSession(programme, self.clock, state=self.run.state, autopilot=autopilot)
        self.session.subscribe(self.run.log.record_events)
        if tick:
            self.session.tick()

    @property
    def path(self) -> Path:
        return self.run.path

    def to(self, when: str | datetime) -> None:
        """Let time pass until `when` (HH:MM[:SS] on the event date), ticking like the session."""
        target = at(when) if isinstance(when, str) else when
        assert isinstance(self.clock, ManualClock)
        gone = target - self.clock.now()
        self.clock.set(target)
        self.real.advance(gone / self.clock.speed)
        self.session.tick()

    def act(self, kind: ActionKind, minutes: float = 0.0, slot: str | None = None) -> None:
        self.session.act(Action(kind, minutes, slot))

    def obs(self, event: str, **fields: object) -> None:
        """An OBS director event, as a plain dict on the log."""
        self.run.log.append({"event": event, "at": self.clock.now(), **fields})

    def crash(self) -> None:
        """The process dies: nothing more is written, and its lock on the log dies with it."""
        if self.run.log.lock is not None:
            self.run.log.lock.release()

    def wait_real(self, seconds: float) -> None:
        """Real time passes with nobody running (a crash): the show clock is not moved."""
        self.real.advance(timedelta(seconds=seconds))


K = ActionKind

# The seed event with overruns: an extension, a hold, turns, a slip of the finger and its undo.
SCRIPT: list[tuple[str, ActionKind, float]] = [
    ("15:50", K.EXTEND, 5),  # keynote to 16:15
    ("16:14", K.HOLD, 0),  # the keynote runs over, held
    ("16:20", K.RELEASE, 0),  # keynote ends now; panel starts (turn 1, the moderator)
    ("16:23", K.NEXT_TURN, 0),  # turn 2
    ("16:30", K.NEXT_TURN, 0),  # turn 3
    ("16:37:30", K.NEXT_TURN, 0),  # turn 4 ...
    ("16:38", K.BACK, 0),  # ... too early: back to turn 3
    ("16:38:10", K.NEXT_TURN, 0),  # turn 4
    ("16:45", K.NEXT_TURN, 0),
    ("16:52", K.NEXT_TURN, 0),
    ("16:58", K.NEXT_TURN, 0),
    ("17:05", K.NEXT_TURN, 0),  # turns done; panel ends at its deadline 17:20
    ("17:25", K.EXTEND, 5),  # Q&A to 17:45; reception 17:45-18:45 ends the show
]


def play(rig: Rig, until: str) -> None:
    """Play the script from the rig's current time up to `until`, then let time reach it."""
    for when, kind, minutes in SCRIPT:
        if rig.clock.now() < at(when) <= at(until):
            rig.to(when)
            rig.act(kind, minutes)
    rig.to(until)
