"""Failures are contained and visible: a broken subscriber or tick never stops the show."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from tests.factories import at, seed
from timekeeper.app import diagnostics
from timekeeper.core.clock import ManualClock
from timekeeper.core.engine import ShowEvent
from timekeeper.core.modes import RunMode
from timekeeper.show.session import ShowSession


def test_a_raising_subscriber_is_reported_and_the_others_go_on() -> None:
    session = ShowSession(seed(), ManualClock(at("15:29:59")), RunMode.DRY)
    failures: list[tuple[str, BaseException]] = []
    session.on_failure = lambda where, exc: failures.append((where, exc))
    seen: list[str] = []

    def broken(events: list[ShowEvent]) -> None:
        raise RuntimeError("subscriber bug")

    session.subscribe(broken)
    session.subscribe(lambda events: seen.extend(e.kind for e in events))
    clock = session.clock
    assert isinstance(clock, ManualClock)
    clock.set(at("15:30:00"))
    session.tick()
    assert "slot_started" in seen
    assert len(failures) == 1 and "show-bus subscriber" in failures[0][0]
    clock.set(at("15:35:00"))
    session.tick()  # and again: the broken one does not take the bus down
    assert seen.count("slot_started") == 2 and len(failures) == 2


async def test_the_scheduler_survives_a_failing_tick() -> None:
    session = ShowSession(seed(), ManualClock(at("18:29:59")), RunMode.DRY)
    failures: list[str] = []
    session.on_failure = lambda where, exc: failures.append(where)
    calls = {"n": 0}
    original = session.tick

    def flaky() -> list[ShowEvent]:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("engine bug")
        return original()

    session.tick = flaky  # type: ignore[method-assign]
    clock = session.clock
    assert isinstance(clock, ManualClock)

    async def move_on() -> None:
        for _ in range(40):
            await asyncio.sleep(0.05)
            clock.advance(1.0)

    mover = asyncio.create_task(move_on())
    await asyncio.wait_for(session.run(), timeout=10)  # ends when the reception has ended
    mover.cancel()
    assert failures == ["the show scheduler"]
    assert session.ended


def test_the_diagnostics_log_has_the_traceback_and_never_the_secret(tmp_path: Path) -> None:
    path = diagnostics.path_for(tmp_path / "show-live.jsonl")
    assert path.name == "show-live.diagnostics.log"
    handler = diagnostics.install(path, ["hunter2-obs-password"])
    try:
        try:
            raise ValueError("auth with hunter2-obs-password refused")
        except ValueError:
            logging.getLogger("timekeeper.obs.controller").exception("connect failed")
    finally:
        diagnostics.uninstall(handler)
    text = path.read_text()
    assert "connect failed" in text and "Traceback" in text and "ValueError" in text
    assert "hunter2" not in text and "***" in text


def test_a_front_end_that_fails_on_a_notice_does_not_stop_the_others() -> None:
    from timekeeper.show.notices import Notice, NoticeStream, ObsRecord

    stream = NoticeStream()
    heard: list[Notice] = []

    def gone(note: Notice) -> None:
        raise LookupError("the dashboard's panels are gone")

    stream.subscribe(gone)
    stream.subscribe(heard.append)
    message = "OBS unreachable 15:40–15:41, 12 attempts"
    stream.tell(ObsRecord(name="repeated", record={"message": message}))
    assert [n.event for n in heard] == ["repeated"]
