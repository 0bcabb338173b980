"""The standby pair's key on the dashboard (issue 24): `o` asks first, with the pair line, and
only a yes takes over (or hands over); a refusal is shown with its reason; a standby's
message key is refused with the reason its session gives."""

from __future__ import annotations

from tests.ui.conftest import make_app, press, step
from timekeeper.errors import TransitionError
from timekeeper.ui.app import TimekeeperApp
from timekeeper.ui.screens.dialogs import ConfirmDialog

SIZE = (100, 30)


class Key:
    """A pair that refuses the first press (the driver is alive) and takes the second."""

    def __init__(self) -> None:
        self.pressed = 0

    def question(self) -> tuple[str, str]:
        return "Take the show over from the driver?", "STANDBY — run-a drives at epoch 1"

    def press(self) -> str:
        self.pressed += 1
        if self.pressed == 1:
            raise TransitionError("the driver is alive on OBS and the broker")
        return "taking over at epoch 2 (keyboard)"

    def on_quit(self) -> str | None:
        return "The standby run-b on laptop-b takes the show over 0.75 s after this run stops."


def notes(app: TimekeeperApp) -> list[str]:
    return [note.message for note in app._notifications]


async def test_o_asks_with_the_pair_line_and_acts_only_on_yes() -> None:
    app = make_app("15:40:00")
    key = Key()
    app.pair_key = key
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "15:40:00")
        await press(pilot, "o")
        assert isinstance(app.screen, ConfirmDialog)
        await press(pilot, "n")
        assert key.pressed == 0
        await press(pilot, "o", "y")
        assert key.pressed == 1 and "the driver is alive on OBS and the broker" in notes(app)
        await press(pilot, "o", "y")
        assert key.pressed == 2 and notes(app)[-1] == "taking over at epoch 2 (keyboard)"


async def test_a_standbys_keys_are_refused_with_the_reason() -> None:
    app = make_app("15:40:00")
    app.session.read_only = "this run stands by: the driver's operator runs the show"
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "15:40:00")
        await press(pilot, "plus")
        assert app.session.status().live is not None
        assert notes(app)[-1] == "this run stands by: the driver's operator runs the show"
        await press(pilot, "o")
        assert "no standby pair" in notes(app)[-1]


async def test_quitting_a_driver_with_a_standby_says_the_standby_takes_over() -> None:
    """The quit dialog said the clock and OBS automation stop with this run: with a standby
    heard, they do not — the standby takes the show over. The dialog says so."""
    app = make_app("15:40:00")
    app.pair_key = Key()
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "15:40:00")
        await press(pilot, "q")
        assert isinstance(app.screen, ConfirmDialog)
        assert "takes the show over" in app.screen.detail
        assert "stop with it" not in app.screen.detail
        await press(pilot, "n")
