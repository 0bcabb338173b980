"""Drive the dashboard through the seed event with a manual clock, reading what a person reads."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from textual.widgets import Digits, Input

from tests.factories import AMS, at, seed
from tests.ui.conftest import clock_of, make_app, press, screen_text, step
from timekeeper.core.engine import Mode
from timekeeper.core.modes import RunMode, SpeakerMessage
from timekeeper.core.programme import ObsAction
from timekeeper.show.notices import ServiceFailed
from timekeeper.speaker.notices import SpeakerServerStarted
from timekeeper.ui.app import TimekeeperApp
from timekeeper.ui.screens.dialogs import ConfirmDialog, JumpDialog, MessageDialog
from timekeeper.ui.widgets.caption import Caption
from timekeeper.ui.widgets.log import EventLog
from timekeeper.ui.widgets.timeline import Timeline

SIZE = (80, 24)


def digits(app: TimekeeperApp, which: str = "live") -> str:
    return app.screen.query_one(f"#{which}-digits", Digits).value


def label(app: TimekeeperApp, selector: str) -> str:
    return app.screen.query_one(selector, Caption).text


def live_id(app: TimekeeperApp) -> str | None:
    live = app.session.status().live
    return live.slot.id if live is not None else None


async def test_before_doors_counts_down_to_the_first_slot() -> None:
    app = make_app("15:29:50")
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "15:29:50")
        text = screen_text(app)
        assert "BEFORE THE SHOW" in text
        assert "Next: Introduction" in text
        assert digits(app) == "00:10"
        assert "REHEARSAL ×1 — DRY RUN: nothing is sent to OBS" in text
        await step(pilot, "15:30:00")
        assert live_id(app) == "introduction"
        assert "LIVE 1/5" in screen_text(app)


async def test_far_away_the_countdown_reads_days() -> None:
    app = make_app(
        datetime(2023, 11, 18, 12, 14, 30, tzinfo=AMS), mode=RunMode.LIVE, simulated=False
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "starts in 2 d 03:15:30" in text
        assert "REHEARSAL" not in text  # the live show on the real clock has no banner
        assert not app.screen.query_one("#live-digits", Digits).display


async def test_keynote_counts_down_and_warns() -> None:
    app = make_app("16:05:01")
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "16:05:01")
        assert digits(app) == "04:59"
        live = app.screen.query_one("#live")
        assert live.has_class("-warning")
        assert "Keynote" in label(app, "#live-title")
        await step(pilot, "16:09:30")
        assert live.has_class("-danger")
        assert digits(app) == "00:30"


async def test_next_slot_key_moves_the_show_on() -> None:
    app = make_app("15:20:00")
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "15:20:00")
        await press(pilot, "n")  # starts the show early, once confirmed
        assert isinstance(app.screen, ConfirmDialog)
        assert "Start Introduction now?" in screen_text(app)
        assert live_id(app) is None
        await press(pilot, "y")
        assert live_id(app) == "introduction"
        await press(pilot, "n")
        assert "Next slot now: start Keynote?" in screen_text(app)
        assert "Introduction ends now." in screen_text(app)
        await press(pilot, "y")
        assert live_id(app) == "keynote"
        assert "Introduction ended (operator)" in app.screen.query_one(EventLog).lines[1]


async def test_extend_shorten_and_hold() -> None:
    app = make_app("15:40:00")
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "15:40:00")
        assert digits(app) == "30:00"
        await press(pilot, "plus")
        assert digits(app) == "31:00"
        assert "extended +1:00" in screen_text(app)
        await press(pilot, "minus", "minus")
        assert digits(app) == "29:00"
        await press(pilot, "h")
        assert not app.session.state.held  # hold asks first
        assert "Hold the show?" in screen_text(app)
        await press(pilot, "y")
        assert app.session.state.held
        assert "HOLD" in label(app, "#hold")
        assert "HOLD — nothing moves on by itself · h releases" in screen_text(app)
        await press(pilot, "h", "y")
        assert not app.session.state.held


async def test_turn_key_moves_the_panel_on_and_shows_who_is_next() -> None:
    app = make_app("16:10:00")
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "16:12:00")
        assert "TURN 1/7" in label(app, "#turn-heading")
        assert label(app, "#turn-speaker") == "Michele Molè"
        assert digits(app, "turn") == "01:00"
        assert label(app, "#turn-line0").startswith("next Beryl ter Haar")
        await press(pilot, "t")
        await step(pilot, "16:12:00")
        assert label(app, "#turn-speaker") == "Beryl ter Haar"
        assert label(app, "#turn-line0") == "next Tatiana Llaguno Nieves 16:18"


async def test_panellist_in_overtime_counts_up() -> None:
    app = make_app("16:10:00")
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "16:13:00")
        await press(pilot, "t")
        await step(pilot, "16:19:35")
        assert digits(app, "turn") == "+00:35"
        assert app.screen.query_one("#turn").has_class("-overtime")
        assert "OVERTIME" in screen_text(app)


async def test_free_time_after_the_last_turn() -> None:
    app = make_app("16:10:00")
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "16:10:00")
        for _ in range(7):
            await press(pilot, "t")
        await step(pilot, "16:50:00")
        assert "TURNS DONE" in label(app, "#turn-heading")
        assert label(app, "#turn-speaker") == "Free time"
        assert digits(app, "turn") == "20:00"


async def test_a_refused_action_is_a_toast_not_a_crash() -> None:
    app = make_app("15:40:00")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await step(pilot, "15:40:00")
        await press(pilot, "t")  # the keynote has no speaker turns
        await pilot.pause()
        assert "'Keynote' has no speaker turns" in screen_text(app)
        assert live_id(app) == "keynote"


async def test_back_asks_first() -> None:
    app = make_app("15:40:00")
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "15:40:00")
        await press(pilot, "n", "y")
        assert live_id(app) == "panel"
        await press(pilot, "b")
        assert isinstance(app.screen, ConfirmDialog)
        await press(pilot, "n")
        assert live_id(app) == "panel"
        await press(pilot, "b", "escape")
        assert live_id(app) == "panel"
        await press(pilot, "b", "enter")  # the focus is on "No": a stray Enter changes nothing
        assert live_id(app) == "panel"
        await press(pilot, "b", "y")
        assert live_id(app) == "keynote"
        assert not isinstance(app.screen, ConfirmDialog)


async def test_jump_picks_a_slot_and_asks_first() -> None:
    app = make_app("15:40:00")
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "15:40:00")
        await press(pilot, "j")
        assert isinstance(app.screen, JumpDialog)
        await press(pilot, "escape")
        assert live_id(app) == "keynote"
        await press(pilot, "j", "down", "enter")  # Panel, then Q&A
        assert isinstance(app.screen, ConfirmDialog)
        text = screen_text(app)
        assert "Jump to Qa now?" in text
        assert "Keynote ends now. Skipped: Panel." in text
        assert "Stream and recording stay as they are." in app.screen.detail
        await press(pilot, "n")
        assert live_id(app) == "keynote"
        await press(pilot, "j", "down", "enter", "y")
        assert live_id(app) == "qa"
        assert app.session.status().slots[2].outcome.value == "skipped"


async def test_the_jump_dialog_says_what_happens_to_the_stream_and_recording() -> None:
    prog = seed()
    slots = list(prog.slots)
    slots[0] = replace(slots[0], on_start=(ObsAction.START_STREAMING,))
    slots[1] = replace(slots[1], on_start=(ObsAction.START_RECORDING,))
    app = make_app("15:31:00", mode=RunMode.LIVE, simulated=False,
                   programme=replace(prog, slots=tuple(slots)))  # fmt: skip
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "15:31:00")
        await press(pilot, "j", "down", "enter")  # Keynote, then Panel
        assert isinstance(app.screen, ConfirmDialog)
        assert app.screen.detail == (
            "Introduction ends now. Skipped: Keynote. "
            "Recording will start (skipped slot 'Keynote' starts it)."
        )


async def test_quit_asks_while_the_show_runs() -> None:
    app = make_app("15:40:00")
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "15:40:00")
        await press(pilot, "q")
        assert isinstance(app.screen, ConfirmDialog)
        assert "Quit timekeeper while the show is running?" in screen_text(app)
        await press(pilot, "n")
        assert app.is_running
        await press(pilot, "ctrl+q")  # Textual's own quit key is guarded too
        assert isinstance(app.screen, ConfirmDialog)
        await press(pilot, "y")
        await pilot.pause()
    assert app.return_code == 0
    assert not app.is_running


async def test_quit_before_the_show_asks_too() -> None:
    """Before doors the clock already counts down and OBS waits for the first boundary."""
    app = make_app("15:00:00")
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "15:00:00")
        await press(pilot, "q")
        assert isinstance(app.screen, ConfirmDialog)
        assert "Quit timekeeper before the show has started?" in screen_text(app)
        await press(pilot, "y")
        await pilot.pause()
        assert not app.is_running


async def test_message_to_the_speaker_screens() -> None:
    app = make_app("15:40:00")
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "15:40:00")
        await press(pilot, "m")
        assert isinstance(app.screen, MessageDialog)
        await press(pilot, *"Wrap up", "ctrl+f", "enter")
        assert app.session.message == SpeakerMessage("Wrap up", True)
        assert "Speaker message (flashing): Wrap up" in app.screen.query_one(EventLog).lines[0]
        await press(pilot, "m")
        assert app.screen.query_one(Input).value == "Wrap up"  # the current one, to edit
        app.screen.query_one(Input).value = ""
        await press(pilot, "enter")
        assert app.session.message is None
        await press(pilot, "m", "x", "escape")  # Escape cancels: nothing sent
        assert app.session.message is None


async def test_stray_keys_change_nothing() -> None:
    app = make_app("15:40:00")
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "15:40:00")
        before = app.session.state
        await press(pilot, *"xyzaceikloprsuvw0123456789", "enter", "space", "tab", "escape")
        await press(pilot, "up", "down", "pageup", "home", "end", "backspace", "delete", "f1")
        assert app.session.state == before
        assert app.screen.id == "operator"


async def test_the_timeline_marks_done_live_and_next() -> None:
    app = make_app("16:20:00")
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "16:20:00")
        table = app.screen.query_one(Timeline)
        states = [row.state for row in table.rows_view]
        assert states == ["done", "done", "live", "next", "pending"]
        assert table.cursor_row == 2  # the live row carries the highlight
        assert [row.cells[-1] for row in table.rows_view] == ["done", "done", "live", "next", ""]


async def test_event_log_is_newest_first_and_human() -> None:
    app = make_app("15:29:00")
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "15:29:00")
        await step(pilot, "15:35:00")
        lines = app.screen.query_one(EventLog).lines
        assert lines[0] == "15:35:00 Keynote started (auto)"
        assert "15:30:00 Introduction started (auto)" in lines
        assert lines.index("15:30:00 Introduction started (auto)") < lines.index(
            "15:30:00 Show started (auto)"
        )


async def test_show_six_minutes_late_reads_late_everywhere() -> None:
    app = make_app("15:40:00")
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "15:40:00")
        await press(pilot, *["plus"] * 6)
        await step(pilot, "16:00:00")
        assert label(app, "#show-status").strip() == "+6:00 LATE"
        assert label(app, "#next-when") == "at 16:16:00"
        assert label(app, "#next-delta") == "+6:00 LATE"


async def test_80x24_shows_everything_essential() -> None:
    """At the smallest size, nothing the operator needs is cut off."""
    app = make_app("16:12:00", speed=10)
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "16:12:00")
        text = screen_text(app)
        lines = text.splitlines()
        assert len(lines) == 24
        assert "Test event" in lines[0] and "pretend 16:12:00" in lines[0]
        assert "ON TIME" in lines[0]
        assert "REHEARSAL ×10" in lines[1]
        for needed in ("LIVE 3/5", "Panel", "TURN 1/7", "Michele Molè", "left of 1:00:00"):
            assert needed in text
        assert "NEXT" in text and "Qa" in text and "17:10:00" in text
        for title in ("Introduction", "Keynote", "Panel", "Qa", "Reception"):
            assert title in text
        assert "OBS: not configured" in text
        footer = lines[-1]
        for key in ("n Next", "t Turn", "b Back", "h Hold", "j Jump", "m Msg", "q Quit"):
            assert key in footer


async def test_next_on_the_last_slot_asks_before_ending_the_show() -> None:
    app = make_app("17:40:00")
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "17:40:00")
        await press(pilot, "n")
        assert isinstance(app.screen, ConfirmDialog)
        assert "End the show now? Reception is the last slot." in screen_text(app)
        await press(pilot, "escape")
        assert live_id(app) == "reception"
        await press(pilot, "n", "y")
        assert app.session.status().mode is Mode.ENDED


async def test_the_show_ends() -> None:
    app = make_app("18:00:00")
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "18:31:00")
        assert app.session.status().mode is Mode.ENDED
        text = screen_text(app)
        assert "SHOW ENDED" in text
        assert "ENDED ON TIME" in text
        await press(pilot, "q")  # no confirmation once the show is over
        await pilot.pause()
        assert not app.is_running


async def test_obs_panel_renders_what_the_provider_returns() -> None:
    app = make_app("15:40:00")
    app.obs_status = lambda: "OBS: connected · program: Keynote"
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "15:40:00")
        assert "OBS: connected · program: Keynote" in screen_text(app)
        app.notice(SpeakerServerStarted(url="http://127.0.0.1:8765/", control=None))
        await step(pilot, "15:40:01")
        assert "Speakers: http://127.0.0.1:8765/" in screen_text(app)


async def test_palette_lists_the_operator_commands() -> None:
    app = make_app("15:40:00")
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, "15:40:00")
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Next slot", "Next speaker turn", "Back", "Hold / release", "Quit"):
            assert title in titles
        assert titles.count("Quit") == 1  # ours (guarded), not Textual's
        await press(pilot, "ctrl+p")
        await press(pilot, *"next slot")
        await pilot.pause(0.3)
        await press(pilot, "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)  # the palette's "Next slot" asks too
        await press(pilot, "y")
        assert live_id(app) == "panel"


def test_at_helper_is_local() -> None:
    assert at("16:00").utcoffset() is not None


async def test_the_app_runs_the_show_scheduler_itself() -> None:
    """Without a test runner, the session's own scheduler ticks (log lines appear by themselves)."""
    app = make_app("15:29:59")
    app._runner = app.session.run  # the real scheduler, as `timekeeper run` has it
    async with app.run_test(size=SIZE) as pilot:
        clock_of(app).set(at("15:30:00"))
        await pilot.pause(1.3)  # the scheduler wakes at least once a second
        assert "15:30:00 Introduction started (auto)" in app.screen.query_one(EventLog).lines


async def test_a_crashed_scheduler_is_reported_not_fatal() -> None:
    async def broken() -> None:
        raise RuntimeError("boom")

    app = make_app("15:40:00")
    app._runner = broken
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause(0.2)
        assert app.is_running
        assert "The show scheduler stopped: boom" in screen_text(app)


async def test_a_failed_service_is_a_warning_and_a_log_line() -> None:
    app = make_app("15:40:00")
    app.notice(ServiceFailed(service="speaker_server", error="port 8765 is in use"))  # early
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await step(pilot, "15:40:00")
        assert "Running without it" in screen_text(app)  # the toast's title
        lines = app.screen.query_one(EventLog).lines
        assert lines[0] == "15:40:00 Speaker server failed: port 8765 is in use"
