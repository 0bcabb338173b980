"""Fixtures for the dashboard tests: a seed show on a ManualClock, and a text screen reader.

Snapshots must not depend on the wall clock or on timing: the clock is manual,
the cursor does not blink, and each test moves the show explicitly with `step`.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime

import pytest
from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input

from tests.factories import at, seed
from timekeeper.core.clock import ManualClock
from timekeeper.runtime.session import RunMode, ShowSession
from timekeeper.ui.app import TimekeeperApp


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
) -> TimekeeperApp:
    """The seed event on a manual clock; the show is moved only by the test."""
    instant = at(start) if isinstance(start, str) else start
    clock = ManualClock(instant, speed=speed, simulated=simulated)
    session = ShowSession(seed(), clock, mode)
    return TimekeeperApp(session, runner=_idle)


async def _idle() -> None:
    """Tests tick the session themselves: no scheduler racing the test's clock."""


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


def screen_text(app: App[object]) -> str:
    """What a person reads on the terminal right now, as plain text."""
    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), record=True, legacy_windows=False
    )
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    console.print(update)
    return console.export_text()
