"""The RUNNING LATE banner: the keynote runs 7 minutes over; one key takes the re-plan, and the
panel's turn countdowns follow it (docs/running-late.md)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Digits

from tests.ui.conftest import make_app, press, screen_text, step
from timekeeper.app.dashboard import keyboard_desk
from timekeeper.app.run import Runtime
from timekeeper.app.run_options import RunOptions
from timekeeper.core.engine import Action, ActionKind
from timekeeper.programme.loader import load_programme_text
from timekeeper.show.director import render_texts
from timekeeper.ui.app import TimekeeperApp
from timekeeper.ui.widgets.caption import Caption
from timekeeper.ui.widgets.proposal import ProposalBanner

SEED = Path(__file__).resolve().parents[2] / "programme.yaml"
SIZE = (120, 40)


def late_app() -> TimekeeperApp:
    """The seed as written (with an OBS countdown text), the keynote given 7 more minutes at
    16:08 (it ends at 16:17)."""
    text = SEED.read_text(encoding="utf-8")
    text = text.replace("  # texts:\n", '  texts:\n    Countdown: "{speaker} {remaining}"\n  # ')
    app = make_app("16:08:00", programme=load_programme_text(text))
    app.session.tick()
    app.session.act(Action(ActionKind.EXTEND, minutes=7), source="keyboard")
    return app


def banner(app: TimekeeperApp) -> tuple[str, ...]:
    return app.screen.query_one(ProposalBanner).view


def turn(app: TimekeeperApp) -> tuple[str, str, str]:
    """The turn panel as read: who speaks, the digits, and the caption under them."""
    screen = app.screen
    speaker = screen.query_one("#turn-speaker", Caption).text
    return (
        speaker,
        screen.query_one("#turn-digits", Digits).value,
        screen.query_one("#turn-caption", Caption).text,
    )


async def test_one_key_accepts_the_proposal_and_the_turn_countdowns_follow() -> None:
    app = late_app()
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "16:17:00")  # the panel starts 7 minutes late
        shown = banner(app)
        assert shown[0] == "RUNNING LATE +7:00 · proposal: l accepts (u undoes) · x dismisses"
        assert shown[1] == (
            "Panel discussion: turns 6:00 → 5:00 (−6:00) · Q&A with the participants "
            "20:00 → 19:00 (−1:00) · Reception stays at 17:30; the show ends at 18:30 as planned"
        )
        assert "RUNNING LATE" in screen_text(app)
        obs = render_texts(app.session.programme, app.session.status())
        assert obs == {"Countdown": "Michele Molè 1:00:00"}  # the panel's hour
        await press(pilot, "l")  # one key: no question
        assert banner(app) == ()
        obs = render_texts(app.session.programme, app.session.status())
        assert obs == {"Countdown": "Michele Molè 54:00"}  # the OBS text follows at once
        assert "RUNNING LATE" not in screen_text(app)
        await step(pilot, "16:20:00")
        await press(pilot, "t")  # the moderator's opening (3:00, untouched) is done
        await step(pilot, "16:21:00")
        assert turn(app) == ("Beryl ter Haar", "04:00", "left of 05:00")
        await step(pilot, "16:25:00")
        await press(pilot, "t")
        await step(pilot, "16:25:30")
        assert turn(app) == ("Tatiana Llaguno Nieves", "04:30", "left of 05:00")
        reception = app.session.status().slots[-1]
        assert reception.expected_start is not None
        assert reception.expected_start <= reception.slot.start  # 17:30 is met


async def test_u_takes_the_accepted_proposal_back() -> None:
    app = late_app()
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "16:17:00")
        await press(pilot, "l")
        panel = app.session.programme.slots[2]
        assert [t.duration.total_seconds() for t in panel.turns][1:] == [300.0] * 6
        await press(pilot, "u")
        panel = app.session.programme.slots[2]
        assert [t.duration.total_seconds() for t in panel.turns][1:] == [360.0] * 6
        assert banner(app)[0].startswith("RUNNING LATE")  # late again: offered again


async def test_x_dismisses_until_the_forecast_moves_by_more_than_the_threshold() -> None:
    app = late_app()
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "16:17:00")
        await press(pilot, "x")
        assert banner(app) == ()
        await press(pilot, "plus")  # a minute more for the panel: +8:00, within the threshold
        assert banner(app) == ()
        await press(pilot, "plus")  # +9:00: 2 minutes more than when it was dismissed
        assert banner(app)[0].startswith("RUNNING LATE +9:00")


async def test_the_dashboards_keys_go_through_the_run_and_say_who_and_what() -> None:
    app = late_app()
    session = app.session
    runtime = Runtime.of(session, RunOptions(Path("p.yaml")), session.clock.now())
    notices: list[tuple[str, dict[str, object]]] = []
    runtime.notices.subscribe(lambda note: notices.append((note.event, note.payload())))
    app.proposals = keyboard_desk(runtime)  # as run_dashboard wires it
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "16:17:00")
        await press(pilot, "l")
        await press(pilot, "u")
    events = [(event, data["by"], data["message"]) for event, data in notices]
    assert events == [
        (
            "proposal_accepted",
            "keyboard",
            "by keyboard: Panel discussion: turns 6:00 → 5:00 (−6:00); Q&A with the participants "
            "20:00 → 19:00 (−1:00); Reception stays at 17:30; the show ends at 18:30 as planned",
        ),
        ("proposal_undone", "keyboard", "by keyboard: the lengths before it are back"),
    ]
    assert runtime.programme.slots[2].turns[1].duration.total_seconds() == 360
