"""The Textual speaker app under `run_test`, following a real server on a ManualClock."""

from __future__ import annotations

import socket

import pytest
from rich.text import Text
from textual.widgets import Static

from tests.factories import at
from tests.speaker.conftest import until
from timekeeper import cli
from timekeeper.core.clock import ManualClock
from timekeeper.core.engine import Action, ActionKind
from timekeeper.show.session import ShowSession
from timekeeper.speaker.follower import Backoff
from timekeeper.speaker.server import SpeakerServer
from timekeeper.ui.speaker.app import BigTime, SpeakerApp, SpeakerView

FAST = Backoff(first=0.05, factor=2, most=0.2, jitter=0)


def text_of(app: SpeakerApp, selector: str) -> str:
    """What a Static on the speaker screen reads."""
    return str(app.query_one(selector, Static).content)


def digits_rendered(app: SpeakerApp) -> str:
    """The digits as drawn on screen (block font, Digits or plain text)."""
    widget = app.query_one(BigTime)
    rendered = widget.render()
    return rendered.plain if isinstance(rendered, Text) else repr(rendered)


async def frame(app: SpeakerApp, digits: str) -> None:
    await until(lambda: app.shown is not None and app.shown.digits == digits, what=digits)
    await until(lambda: app.query_one(BigTime).value == digits, what=f"{digits} on screen")


async def test_the_speaker_screen_through_a_slot(
    server: SpeakerServer, session: ShowSession, clock: ManualClock
) -> None:
    assert server.url is not None
    clock.set(at("15:25:01"))
    app = SpeakerApp(server.url, clock, backoff=FAST)
    async with app.run_test(size=(100, 30)) as pilot:
        await frame(app, "04:59")
        assert text_of(app, "#label") == "Starts in"
        assert text_of(app, "#title") == "Introduction"
        assert "█" in digits_rendered(app)  # 100x30 is big enough for the block font

        clock.set(at("15:35"))
        session.tick()
        await frame(app, "35:00")
        assert text_of(app, "#speaker") == "Antonio A. Casilli"
        assert text_of(app, "#title") == "Keynote"
        assert text_of(app, "#next") == "Next: Panel at 16:10"
        assert text_of(app, "#clock") == "15:35:00"
        view = app.query_one(SpeakerView)
        assert view.has_class("phase-normal")

        clock.set(at("16:06"))
        await frame(app, "04:00")
        assert view.has_class("phase-warning")

        session.act(Action(ActionKind.EXTEND, minutes=5))
        await frame(app, "09:00")
        assert view.has_class("phase-normal")

        session.set_message("Five more minutes", flash=True)
        await until(lambda: text_of(app, "#message") == "Five more minutes")
        assert view.has_class("has-message") and view.has_class("flash")
        clock.advance(0.5)  # second half of the second: the flashing banner is off
        await until(lambda: view.has_class("blink-off"))
        session.set_message("")
        await until(lambda: not view.has_class("has-message"), what="the message to go")

        session.act(Action(ActionKind.HOLD))
        clock.set(at("16:15:03"))
        session.tick()
        await frame(app, "+00:03")
        assert view.has_class("phase-overtime")
        assert text_of(app, "#label") == "Overtime"
        clock.advance(0.5)
        await until(lambda: view.has_class("blink-off"), what="the overtime blink")
        clock.advance(0.5)
        await until(lambda: not view.has_class("blink-off"), what="the overtime blink back on")
        assert app.shown is not None and app.shown.digits == "+00:04"

        session.act(Action(ActionKind.NEXT))
        await frame(app, "03:00")
        assert text_of(app, "#speaker") == "Michele Molè"
        assert text_of(app, "#next") == "Next: Beryl ter Haar, 6:00"
        await pilot.press("q")


async def test_the_speaker_screen_survives_a_dropped_connection(
    server: SpeakerServer, session: ShowSession, clock: ManualClock
) -> None:
    assert server.url is not None
    clock.set(at("15:40"))
    session.tick()
    app = SpeakerApp(server.url, clock, backoff=FAST)
    async with app.run_test(size=(80, 24)):
        await frame(app, "30:00")
        view = app.query_one(SpeakerView)
        assert not view.has_class("disconnected")
        await server.stop()
        await until(lambda: view.has_class("disconnected"), what="disconnected")
        assert text_of(app, "#status") == "DISCONNECTED — reconnecting…"
        clock.advance(90)
        await frame(app, "28:30")  # keeps counting from the last state
        await server.start()
        await until(lambda: not view.has_class("disconnected"), what="reconnected")
        assert app.follower.connections == 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_unreachable_at_start_keeps_trying_and_says_so(
    session: ShowSession, clock: ManualClock
) -> None:
    port = _free_port()
    app = SpeakerApp(f"http://127.0.0.1:{port}", clock, backoff=FAST)
    async with app.run_test(size=(80, 24)):
        await until(lambda: app.follower.error != "", what="a failed attempt")
        assert app.shown is not None and app.shown.digits == "--:--"
        assert text_of(app, "#status") == f"Connecting to http://127.0.0.1:{port} — retrying…"
        srv = SpeakerServer(session, port=port)
        await srv.start()
        try:
            await frame(app, "10:00")  # 15:20: the show starts in ten minutes
            assert text_of(app, "#label") == "Starts in"
        finally:
            await srv.stop()


@pytest.mark.parametrize(
    ("size", "kind"),
    [((80, 24), "block"), ((40, 10), "block"), ((40, 8), "digits"), ((30, 7), "text")],
)
async def test_digits_use_the_biggest_font_that_fits(
    server: SpeakerServer, clock: ManualClock, size: tuple[int, int], kind: str
) -> None:
    assert server.url is not None
    app = SpeakerApp(server.url, clock, backoff=FAST)
    async with app.run_test(size=size) as pilot:
        await frame(app, "10:00")
        await pilot.pause()  # the layout settles (a small terminal drops the frame) before drawing
        drawn = digits_rendered(app)
        if kind == "block":
            assert "█" in drawn
        elif kind == "digits":
            assert "Digits" in drawn  # textual's 3-row digits
        else:
            assert "10:00" in drawn


def test_a_malformed_url_exits_2_with_a_clear_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["speaker", "--url", "ftp://stage"]) == 2
    err = capsys.readouterr().err
    assert "--url" in err and "http://" in err


async def test_a_countdown_a_hard_start_cuts_counts_to_the_cut(
    cut_server: tuple[SpeakerServer, ShowSession, ManualClock],
) -> None:
    server, session, clock = cut_server
    assert server.url is not None
    app = SpeakerApp(server.url, clock, backoff=FAST)
    async with app.run_test(size=(100, 30)) as pilot:
        await frame(app, "00:10")  # not 03:10: the Q&A's own deadline is 17:33
        assert text_of(app, "#label") == "Remaining until Reception, 17:30 — hard start"
        view = app.query_one(SpeakerView)
        assert view.has_class("phase-danger") and view.has_class("cut")
        clock.set(at("17:29:59"))
        await frame(app, "00:01")
        clock.set(at("17:30:00"))
        session.tick()  # the hard start: the Reception is live, counting its own hour
        await frame(app, "1:00:00")
        assert text_of(app, "#title") == "Reception" and not view.has_class("cut")
        await pilot.press("q")
