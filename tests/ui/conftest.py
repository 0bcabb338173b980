"""Fixtures for the dashboard tests: a seed show on a ManualClock, and a text screen reader.

Snapshots must not depend on the wall clock or on timing: the clock is manual,
the cursor does not blink, and each test moves the show explicitly with `step`.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input

from tests.factories import at, seed
from timekeeper.core.clock import ManualClock
from timekeeper.core.modes import RunMode
from timekeeper.core.programme import Programme
from timekeeper.show.session import ShowSession
from timekeeper.ui.app import TimekeeperApp
from timekeeper.ui.keyguard import GAP


class InputClock:
    """When keys arrive (monotonic seconds), moved by the test: a person's pace, or a burst."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A blinking cursor makes snapshots depend on when they were taken."""
    original = Input.__init__

    def init(self: Input, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        self.cursor_blink = False

    monkeypatch.setattr(Input, "__init__", init)
    yield


def make_app(
    start: str | datetime = "15:29:50",
    *,
    mode: RunMode = RunMode.DRY,
    speed: float = 1.0,
    simulated: bool = True,
    programme: Programme | None = None,
) -> TimekeeperApp:
    """The seed event (or `programme`) on a manual clock; the show is moved only by the test."""
    instant = at(start) if isinstance(start, str) else start
    clock = ManualClock(instant, speed=speed, simulated=simulated)
    session = ShowSession(programme or seed(), clock, mode)
    return TimekeeperApp(session, runner=_idle, input_clock=InputClock())


async def _idle() -> None:
    """Tests tick the session themselves: no scheduler racing the test's clock."""


def input_clock_of(app: App[Any]) -> InputClock:
    assert isinstance(app, TimekeeperApp) and isinstance(app.input_clock, InputClock)
    return app.input_clock


async def press(pilot: Pilot[None], *keys: str, pause: float = 0.5) -> None:
    """Keys as a person presses them: `pause` seconds apart, each acting once it has settled."""
    app = pilot.app
    assert isinstance(app, TimekeeperApp)
    clock = input_clock_of(app)
    for key in keys:
        clock.advance(pause)
        await pilot.press(key)
        clock.advance(GAP * 1.5)
        await app.settle_keys()
        await pilot.pause()


def clock_of(app: TimekeeperApp) -> ManualClock:
    clock = app.session.clock
    assert isinstance(clock, ManualClock)
    return clock


async def step(pilot: Pilot[None], when: str | float) -> None:
    """Set the clock to local `HH:MM[:SS]` (or advance it by seconds), tick, repaint."""
    app = pilot.app
    assert isinstance(app, TimekeeperApp)
    clock = clock_of(app)
    if isinstance(when, str):
        clock.set(at(when))
    else:
        clock.advance(when)
    app.session.tick()
    app.refresh_status()
    await pilot.pause()


def screen_text(app: App[Any]) -> str:
    """What a person reads on the terminal right now, as plain text."""
    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), record=True, legacy_windows=False
    )
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    console.print(update)
    return console.export_text()
