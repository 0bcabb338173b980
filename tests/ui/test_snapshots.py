"""Snapshots of the key moments of the seed event (pytest-textual-snapshot).

Regenerate with `pytest tests/ui --snapshot-update` and look at the SVGs in
tests/ui/__snapshots__/ before committing them: a snapshot is only as good as
the eyes that accepted it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot

from tests.ui.conftest import make_app, press, step
from timekeeper.core.modes import RunMode

SnapCompare = Callable[..., bool]


def at_time(
    when: str, *keys: str, then: str | None = None
) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Set the clock, press `keys`, optionally move the clock on again."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await step(pilot, when)
        if keys:
            await press(pilot, *keys)
        if then is not None:
            await step(pilot, then)

    return run_before


def test_before_doors(snap_compare: SnapCompare) -> None:
    """The live show on the real clock, ten minutes before the first slot: no banner."""
    app = make_app("15:20:00", mode=RunMode.LIVE, simulated=False)
    assert snap_compare(app, run_before=at_time("15:20:00"))


def test_keynote_with_4_59_left(snap_compare: SnapCompare) -> None:
    """The keynote's countdown in the warning colour."""
    app = make_app("16:05:01", mode=RunMode.LIVE, simulated=False)
    assert snap_compare(app, run_before=at_time("16:05:01"))


def test_panellist_in_overtime(snap_compare: SnapCompare) -> None:
    """Beryl ter Haar took the floor at 16:13 and is 35 s over her six minutes."""
    app = make_app("16:10:00", mode=RunMode.LIVE, simulated=False)
    assert snap_compare(app, run_before=at_time("16:13:00", "t", then="16:19:35"))


def test_running_six_minutes_late(snap_compare: SnapCompare) -> None:
    """The keynote was extended by six minutes: the panel is expected at 16:16."""
    app = make_app("15:40:00", mode=RunMode.LIVE, simulated=False)
    keys = ["plus"] * 6
    assert snap_compare(app, run_before=at_time("15:40:00", *keys, then="16:00:00"))


def test_rehearsal_at_10x(snap_compare: SnapCompare) -> None:
    """A dry run at ten times speed: the banner says so, with the pretend time in the header."""
    app = make_app("16:09:30", mode=RunMode.DRY, speed=10)
    assert snap_compare(app, run_before=at_time("16:09:30"))


def test_rehearsal_at_10x_large(snap_compare: SnapCompare) -> None:
    """The same moment on a large terminal: the timeline and log take the room."""
    app = make_app("16:09:30", mode=RunMode.DRY, speed=10)
    assert snap_compare(app, run_before=at_time("16:09:30"), terminal_size=(120, 36))


def test_confirm_back(snap_compare: SnapCompare) -> None:
    """Back asks first, with "No" focused."""
    app = make_app("15:40:00", mode=RunMode.LIVE, simulated=False)
    assert snap_compare(app, run_before=at_time("15:40:00", "b"))


def test_hold_on_a_light_theme(snap_compare: SnapCompare) -> None:
    """Held during a panellist's overtime, on Textual's light theme: colours still read."""
    app = make_app("16:10:00", mode=RunMode.DRY, speed=10)

    async def run_before(pilot: Pilot[Any]) -> None:
        pilot.app.theme = "textual-light"
        await at_time("16:13:00", "t", "h", "y", then="16:19:35")(pilot)

    assert snap_compare(app, run_before=run_before)
