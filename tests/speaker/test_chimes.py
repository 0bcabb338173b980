"""When the speaker screens chime: on an injected clock, through a real panel turn."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.factories import at, seed
from timekeeper.core.clock import ManualClock
from timekeeper.core.engine import Action, ActionKind
from timekeeper.core.modes import RunMode
from timekeeper.show.session import ShowSession
from timekeeper.speaker.chimes import ChimePlanner
from timekeeper.speaker.display import Display, compute_display
from timekeeper.speaker.snapshot import build_snapshot, parse_snapshot


def shown(session: ShowSession) -> Display:
    now = session.clock.now()
    msg = session.message
    raw = build_snapshot(
        session.status(),
        session.programme,
        seq=1,
        speed=1,
        rehearsal=False,
        message=(msg.text, msg.flash, now) if msg is not None else None,
    )
    return compute_display(parse_snapshot(raw), now, now)


def walk(
    session: ShowSession, clock: ManualClock, until: datetime, step: float = 0.1
) -> list[tuple[datetime, int]]:
    """Every frame (10 per second) from now to `until`: the chimes cued, with their instants."""
    planner = ChimePlanner()
    cues: list[tuple[datetime, int]] = []
    while clock.now() <= until:
        session.tick()
        n = planner.cue(shown(session))
        if n:
            cues.append((clock.now(), n))
        clock.advance(timedelta(seconds=step))
    return cues


def test_a_panel_turn_chimes_once_at_warning_twice_at_danger_three_times_at_zero() -> None:
    clock = ManualClock(at("16:10:30"))
    session = ShowSession(seed(), clock, RunMode.DRY)
    session.tick()
    cd = session.status().turn_countdown
    assert cd is not None
    cues = walk(session, clock, cd.deadline + timedelta(seconds=5))
    assert [n for _, n in cues] == [1, 2, 3]
    (warn, _), (danger, _), (zero, _) = cues
    frame = timedelta(seconds=0.1)
    assert cd.warning_at <= warn < cd.warning_at + frame
    assert cd.danger_at <= danger < cd.danger_at + frame
    assert cd.deadline < zero <= cd.deadline + frame  # the first frame that reads +00:00


def test_a_screen_that_arrives_in_danger_does_not_chime_for_it() -> None:
    clock = ManualClock(at("16:09:45"))  # the keynote's last 15 seconds
    session = ShowSession(seed(), clock, RunMode.DRY)
    assert walk(session, clock, at("16:09:59")) == []


def test_an_extension_back_to_normal_is_silent_and_warning_chimes_again_later() -> None:
    clock = ManualClock(at("16:05:30"))  # the keynote in warning
    session = ShowSession(seed(), clock, RunMode.DRY)
    session.tick()
    planner = ChimePlanner()
    assert planner.cue(shown(session)) == 0  # first sight
    session.act(Action(ActionKind.EXTEND, minutes=5))  # 9:30 left: normal again
    assert shown(session).phase == "normal" and planner.cue(shown(session)) == 0
    clock.set(at("16:10:00"))  # 5:00 left: warning again
    session.tick()
    assert planner.cue(shown(session)) == 1


def test_a_flashed_message_chimes_once_and_a_quiet_one_does_not() -> None:
    clock = ManualClock(at("15:40"))
    session = ShowSession(seed(), clock, RunMode.DRY)
    session.tick()
    planner = ChimePlanner()
    planner.cue(shown(session))
    session.set_message("Slides are frozen", flash=False)
    assert planner.cue(shown(session)) == 0
    session.set_message("Please wrap up", flash=True)
    assert planner.cue(shown(session)) == 1
    assert planner.cue(shown(session)) == 0  # the same message: no second chime
