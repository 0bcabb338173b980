"""Operator safety at the keyboard: no key sequence, at any speed, crashes or bends the show.

Keys arrive on an injected input clock: `press` is a person's pace (half a second
apart), `burst` is an elbow, a cat or a stuck key (all within a millisecond).
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass

import pytest
from textual.pilot import Pilot

from tests.ui.conftest import input_clock_of, make_app, press, screen_text, step
from tests.ui.keys import key_event
from timekeeper.core.engine import ActionKind
from timekeeper.ui.app import TimekeeperApp
from timekeeper.ui.keyguard import GAP
from timekeeper.ui.screens.dialogs import ConfirmDialog, JumpDialog

SIZE = (80, 24)
CRASHERS = [
    ["ctrl+p", "enter", "enter"],
    ["m", "h", "i", "enter", "enter"],
    ["j", "enter", "enter", "enter"],
]


async def burst(pilot: Pilot[None], keys: list[str], spacing: float = 0.001) -> None:
    """Keys `spacing` seconds apart on the input clock, delivered back to back."""
    app = pilot.app
    assert isinstance(app, TimekeeperApp)
    clock = input_clock_of(app)
    driver = app._driver
    assert driver is not None
    clock.advance(1.0)
    for key in keys:
        clock.advance(spacing)
        event = key_event(key)
        event.set_sender(app)
        driver.send_message(event)
        await pilot.pause()
    clock.advance(GAP * 1.5)
    await app.settle_keys()
    await pilot.pause()


def notes(app: TimekeeperApp) -> list[str]:
    """The notifications on screen (toasts), newest last."""
    return [note.message for note in app._notifications]


@dataclass(frozen=True)
class Snapshot:
    """What the show is, as the speakers and the stream would notice it."""

    live: str | None
    turn: int | None
    deadline: object
    held: bool
    message: object
    mode: str


def snapshot(app: TimekeeperApp) -> Snapshot:
    status = app.session.status()
    return Snapshot(
        status.live.slot.id if status.live else None,
        status.turn.index if status.turn else None,
        status.countdown.deadline if status.countdown else None,
        status.held,
        app.session.message,
        status.mode.value,
    )


@pytest.mark.parametrize("keys", CRASHERS, ids=["palette", "message", "jump"])
@pytest.mark.parametrize("spacing", [0.001, 0.12, 0.5], ids=["burst", "quick", "person"])
async def test_double_enter_never_crashes(keys: list[str], spacing: float) -> None:
    """The three sequences that crashed the first dashboard, at every speed."""
    app = make_app("15:40:00")
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "15:40:00")
        await burst(pilot, keys, spacing)
        await burst(pilot, ["escape"], 0.5)
        await burst(pilot, ["escape"], 0.5)
        assert app.is_running
        assert app.screen.id == "operator" or app.screen.is_modal
    assert app.return_code in (None, 0)


async def test_a_burst_changes_nothing_and_locks_the_keyboard() -> None:
    app = make_app("16:12:00")  # a panel turn is live
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "16:12:00")
        before = snapshot(app)
        await burst(pilot, ["t", "+", "n", "y", "enter", "ctrl+p", "enter", "m", "x", "enter"])
        assert snapshot(app) == before
        assert app.keys.locked
        assert "KEYBOARD LOCKED — a burst of" in screen_text(app)
        await press(pilot, "t")  # locked: even a deliberate key does nothing
        assert snapshot(app) == before
        await press(pilot, "ctrl+u")
        assert not app.keys.locked
        assert "KEYBOARD LOCKED" not in screen_text(app)
        await press(pilot, "t")
        assert snapshot(app).turn == (before.turn or 0) + 1


async def test_two_keys_at_once_are_ignored_without_locking() -> None:
    app = make_app("16:12:00")
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "16:12:00")
        before = snapshot(app)
        await burst(pilot, ["t", "plus"])
        assert snapshot(app) == before
        assert not app.keys.locked


async def test_a_stuck_key_is_a_burst() -> None:
    """Autorepeat (30 ms apart) is not a person: a held `+` adds nothing."""
    app = make_app("15:40:00")
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "15:40:00")
        before = snapshot(app)
        await burst(pilot, ["plus"] * 20, spacing=0.03)
        assert snapshot(app) == before and app.keys.locked


async def test_a_dialog_takes_no_answer_in_its_first_300_ms() -> None:
    app = make_app("15:40:00")
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "15:40:00")
        await press(pilot, "n")
        assert isinstance(app.screen, ConfirmDialog)
        await press(pilot, "y", pause=0.1)  # a person, but too soon after the question
        assert isinstance(app.screen, ConfirmDialog)
        assert snapshot(app).live == "keynote"
        await press(pilot, "y", pause=0.4)
        assert snapshot(app).live == "panel"


@pytest.mark.parametrize(
    ("key", "question"),
    [
        ("n", "Next slot now: start Panel?"),
        ("h", "Hold the show?"),
        ("b", "Go back: undo the last advance?"),
        ("j", None),
        ("r", "Re-send the live slot's scene to OBS now?"),
        ("a", "Turn automatic scene switching off or on?"),
    ],
)
async def test_every_disruptive_key_asks_first(key: str, question: str | None) -> None:
    app = make_app("15:40:00")
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "15:40:00")
        before = snapshot(app)
        await press(pilot, key)
        assert isinstance(app.screen, ConfirmDialog | JumpDialog)
        if question is not None:
            assert question in screen_text(app)
        await press(pilot, "escape")
        assert snapshot(app) == before


async def test_shortening_into_the_deadline_asks_first() -> None:
    app = make_app("16:09:30")  # 30 s left of the keynote
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "16:09:30")
        await press(pilot, "minus")
        assert isinstance(app.screen, ConfirmDialog)
        assert "Shorten Keynote by 1 min?" in screen_text(app)
        await press(pilot, "escape")
        assert snapshot(app).live == "keynote"


@pytest.mark.parametrize(
    ("start", "key"), [("16:12:00", "t"), ("15:40:00", "plus"), ("15:40:00", "minus")]
)
async def test_one_key_actions_undo_with_u(start: str, key: str) -> None:
    app = make_app(start)
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, start)
        before = snapshot(app)
        await press(pilot, key)
        assert snapshot(app) != before
        assert any("u undoes it" in note for note in notes(app))
        await press(pilot, "u")
        assert snapshot(app) == before
        await press(pilot, "u")  # one step only
        assert snapshot(app) == before


async def test_a_message_undoes_to_the_previous_one() -> None:
    app = make_app("15:40:00")
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "15:40:00")
        await press(pilot, "m", *"five", "enter")
        assert app.session.message is not None and app.session.message.text == "five"
        await press(pilot, "m", "ctrl+a", *"wrap", "enter")
        await press(pilot, "u")
        assert app.session.message is not None and app.session.message.text == "five"


async def test_undo_is_refused_once_the_show_moved_on() -> None:
    app = make_app("16:12:00")
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "16:12:00")
        await press(pilot, "t")
        after_turn = snapshot(app)
        await step(pilot, "17:11:00")  # the panel ended since: u must not bring it back
        moved = snapshot(app)
        assert moved.live != after_turn.live
        await press(pilot, "u")
        assert snapshot(app) == moved
        assert "Nothing to undo" in notes(app)


# ---------------------------------------------------------------- the fuzzer

FUZZ_KEYS = [
    *"ntbhjmraqu+-=yYxzk019 ",
    "enter", "escape", "tab", "shift+tab", "up", "down", "left", "right", "pageup",
    "pagedown", "home", "end", "backspace", "delete", "ctrl+p", "ctrl+f", "ctrl+u", "ctrl+a",
    "f1", "space",
]  # fmt: skip
MOMENTS = {
    "before": "15:25:00",
    "live": "15:40:00",
    "turn": "16:12:00",
    "overtime": "16:17:30",  # the second panellist past her six minutes
    "manual": "17:31:00",  # the Q&A counts into overtime
}
DIALOGS = {"none": [], "confirm": ["b"], "jump": ["j"], "message": ["m"], "palette": ["ctrl+p"]}
ROUNDS = int(os.environ.get("TK_FUZZ_ROUNDS", "4"))  # per moment and dialog; more for a soak
DISRUPTIVE = {ActionKind.NEXT, ActionKind.BACK, ActionKind.JUMP, ActionKind.HOLD}


@pytest.mark.parametrize("moment", sorted(MOMENTS))
@pytest.mark.parametrize("dialog", sorted(DIALOGS))
async def test_random_keys_never_crash_or_bend_the_show(moment: str, dialog: str) -> None:
    """Random keys in groups, bursts and a person's pace, at every state and every dialog.

    25 combinations x ROUNDS x (a burst of 3-25 keys + 1-6 spaced keys): about 2,000 keys
    per CI run; `TK_FUZZ_ROUNDS=50` soaks it with tens of thousands.

    Bursts may never change the show; spaced keys may, but a disruptive action only
    after a confirmation answered yes.
    """
    rng = random.Random(f"{moment}/{dialog}")
    app = make_app(MOMENTS[moment])
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, MOMENTS[moment])
        yes: list[bool] = []
        acted: list[ActionKind] = []
        original_act = app.session.act

        def act(action, source=None):  # type: ignore[no-untyped-def]
            assert source == "keyboard"  # the as-run log names the keyboard as its source
            acted.append(action.kind)
            return original_act(action, source=source)

        app.session.act = act  # type: ignore[method-assign]
        original_undo = app._undo

        def undo(step):  # type: ignore[no-untyped-def]
            yes.append(True)  # the inverse of a one-key action is not an unconfirmed move
            return original_undo(step)

        app._undo = undo  # type: ignore[method-assign]
        original_answer = ConfirmDialog.action_answer

        def answer(self: ConfirmDialog, value: bool) -> None:
            if value and self.armed and not self._late():
                yes.append(True)
            original_answer(self, value)

        ConfirmDialog.action_answer = answer  # type: ignore[method-assign,assignment]
        try:
            for _ in range(ROUNDS):
                await press(pilot, *DIALOGS[dialog])
                before = snapshot(app)
                keys = [rng.choice(FUZZ_KEYS) for _ in range(rng.randint(3, 25))]
                await burst(pilot, keys)
                assert app.is_running
                assert snapshot(app) == before, keys
                await press(pilot, "ctrl+u")
                spaced = [rng.choice(FUZZ_KEYS) for _ in range(rng.randint(1, 6))]
                await press(pilot, *spaced, pause=rng.choice([0.1, 0.35, 0.6]))
                assert app.is_running, spaced
                disruptive = sum(1 for kind in acted if kind in DISRUPTIVE)
                assert disruptive <= len(yes), (spaced, acted)
                await press(pilot, "escape", "escape")
        finally:
            ConfirmDialog.action_answer = original_answer  # type: ignore[method-assign]
    assert app.return_code in (None, 0)
