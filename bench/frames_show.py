"""The show's side of bench_obs_frames.py: a programme of its boundaries, run by the session.

Owns what the benchmark needs of the real show path: a programme whose slots start
at the measured boundaries, a `ShowSession` on the system clock with the
`ObsDirector` (which arms each switch ahead), and a `release_at` that notes how
late each armed switch woke.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from timekeeper.core.clock import Clock, SystemClock
from timekeeper.core.modes import RunMode
from timekeeper.core.programme import Event, ObsSettings, Programme, Slot
from timekeeper.obs.controller import ObsController
from timekeeper.obs.events import ObsEvent, SceneSwitchConfirmed
from timekeeper.obs.release import release_at
from timekeeper.show.director import ARM_AHEAD as DIRECTOR_AHEAD
from timekeeper.show.director import ObsDirector
from timekeeper.show.session import ShowSession

__all__ = ["DIRECTOR_AHEAD", "RELEASED", "run_director", "timed_release"]

RELEASED: list[float] = []  # how late each armed switch's release woke, ms (the summary)


async def timed_release(clock: Clock, instant: datetime) -> float:
    """`release_at`, noting how late it returned (a late request: the wake-up, or after it?)."""
    late = await release_at(clock, instant)
    RELEASED.append(late * 1000)
    return late


def programme_for(boundaries: list[float], scenes: list[str]) -> Programme:
    """One slot per boundary, starting at it, on its scene; the last lasts half a second."""
    starts = [datetime.fromtimestamp(t, tz=UTC) for t in boundaries]
    ends = [*starts[1:], starts[-1] + timedelta(seconds=0.5)]
    slots = tuple(
        Slot(id=f"b{i}", title=f"Boundary {i}", start=start, duration=end - start, scene=scene)
        for i, (start, end, scene) in enumerate(zip(starts, ends, scenes, strict=True))
    )
    event = Event(title="bench_obs_frames", date=starts[0].date(), timezone="UTC")
    return Programme(event=event, slots=slots, obs=ObsSettings(configured=True))


async def run_director(
    controller: ObsController,
    confirmed: list[ObsEvent],
    boundaries: list[float],
    scenes: list[str],
    arm_ahead: float,
) -> list[tuple[float, float]]:
    """The show's own path: the session's scheduler and the director, which arms each switch
    `arm_ahead` seconds ahead (0: never). Returns (confirmed epoch, request delay ms) each."""
    session = ShowSession(programme_for(boundaries, scenes), SystemClock(), RunMode.LIVE)
    director = ObsDirector(session, controller, arm_ahead=arm_ahead)
    await director.start()  # the controller is already running: this starts the arming
    await session.run()  # until the last slot ends
    by_instant = {
        e.boundary_at.timestamp(): e for e in confirmed if isinstance(e, SceneSwitchConfirmed)
    }
    out = []
    for t in boundaries:
        event = by_instant.get(datetime.fromtimestamp(t, tz=UTC).timestamp())
        if event is None:
            out.append((float("nan"), float("nan")))
        else:
            out.append((epoch(event.at), millis(event.request_delay)))
    return out


def epoch(at: datetime | None) -> float:
    return at.timestamp() if at is not None else float("nan")


def millis(delta: timedelta | None) -> float:
    return delta.total_seconds() * 1000 if delta is not None else float("nan")
