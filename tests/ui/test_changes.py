"""The dashboard and an edited programme file: errors as `check` shows them, or the difference
to accept with y (the dialog answers once, not in its first 300 ms)."""

from __future__ import annotations

import contextvars
from pathlib import Path

from tests.factories import at
from tests.ui.conftest import InputClock, input_clock_of, press, screen_text, step
from timekeeper.core.clock import ManualClock
from timekeeper.core.modes import RunMode
from timekeeper.programme.loader import read_programme
from timekeeper.show.changes import ChangeCheck, check_file
from timekeeper.show.session import ShowSession
from timekeeper.ui.app import TimekeeperApp
from timekeeper.ui.changes import ChangeDialog

SIZE = (100, 40)
SEED = (Path(__file__).resolve().parents[2] / "programme.yaml").read_text(encoding="utf-8")
LONGER = SEED.replace(
    'start: "15:35"\n    duration: 35m', 'start: "15:35"\n    duration: 40m'
).replace('start: "16:10"\n    duration: 1h', "duration: 55m")


async def _idle() -> None:
    """Tests tick the session themselves."""


def make(tmp_path: Path) -> tuple[TimekeeperApp, Path]:
    path = tmp_path / "programme.yaml"
    path.write_text(SEED, encoding="utf-8")
    programme, _, _ = read_programme(path)
    session = ShowSession(programme, ManualClock(at("15:40"), simulated=True), RunMode.DRY)
    accepted: list[ChangeCheck] = []

    def accept(check: ChangeCheck) -> None:
        assert check.programme is not None
        session.revise(check.programme)
        accepted.append(check)

    app = TimekeeperApp(session, runner=_idle, input_clock=InputClock())
    app.reread = lambda: app.offer_change(check_file(session, path))
    app.accept_change = accept
    return app, path


def notes(app: TimekeeperApp) -> list[str]:
    return [note.message for note in app._notifications]


async def test_an_invalid_edit_shows_the_errors_and_keeps_the_plan(tmp_path: Path) -> None:
    app, path = make(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await step(pilot, "15:40:00")
        path.write_text(SEED.replace("duration: 35m", "duration: soon"), encoding="utf-8")
        await press(pilot, "p")
        assert not isinstance(app.screen, ChangeDialog)
        assert any(f"{path}:60:15: error:" in n and "plan stays" in n for n in notes(app))
        assert app.session.state.programme.slots[1].duration.total_seconds() == 35 * 60


async def test_a_valid_edit_shows_the_difference_and_y_accepts_it(tmp_path: Path) -> None:
    app, path = make(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await step(pilot, "15:40:00")
        path.write_text(LONGER, encoding="utf-8")
        await press(pilot, "p")
        assert isinstance(app.screen, ChangeDialog)
        text = screen_text(app)
        assert "~ 'Keynote lecture': 40 min (was 35 min)" in text
        assert "expected 'Panel discussion' 16:15 (was 16:10, +5:00)" in text
        assert app.session.state.programme.slots[1].duration.total_seconds() == 35 * 60
        # a y in the first 300 ms is no answer (the key that opened it, a burst)
        input_clock_of(app).advance(0.1)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, ChangeDialog)
        await press(pilot, "y")
        assert not isinstance(app.screen, ChangeDialog)
        assert app.session.state.programme.slots[1].duration.total_seconds() == 40 * 60
        status = app.session.status()
        assert status.countdown is not None and status.countdown.deadline == at("16:15")


async def test_dismissing_keeps_the_plan_and_p_offers_it_again(tmp_path: Path) -> None:
    app, path = make(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await step(pilot, "15:40:00")
        path.write_text(LONGER, encoding="utf-8")
        await press(pilot, "p", "n")
        assert not isinstance(app.screen, ChangeDialog)
        assert app.session.state.programme.slots[1].duration.total_seconds() == 35 * 60
        await press(pilot, "p")
        assert isinstance(app.screen, ChangeDialog)


async def test_an_edit_removing_the_live_slot_is_refused_with_the_reason(tmp_path: Path) -> None:
    app, path = make(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await step(pilot, "15:40:00")
        path.write_text(
            SEED.replace("  - id: keynote\n", "  - id: talk\n").replace(
                "title: Keynote lecture", "title: Talk"
            ),
            encoding="utf-8",
        )
        await press(pilot, "p")
        assert not isinstance(app.screen, ChangeDialog)
        assert any("removes 'Keynote lecture', which is live" in n for n in notes(app))
        assert app.session.state.programme.slots[1].id == "keynote"


async def test_an_edit_seen_by_the_watch_service_opens_the_dialog_without_crashing(
    tmp_path: Path,
) -> None:
    """The watch service calls the app from its own task, outside the app's context (as in a
    real run): the dashboard must show the dialog, not die on NoActiveAppError."""
    app, path = make(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await step(pilot, "15:40:00")
        path.write_text(LONGER, encoding="utf-8")
        check = check_file(app.session, path)
        contextvars.Context().run(app.offer_change, check)  # no active app in this context
        await pilot.pause(0.2)
        assert isinstance(app.screen, ChangeDialog)
        assert app.is_running
