"""`timekeeper venue` as a stage manager reads it: columns sized to the terminal (issue 25, item 4).

The real VenueApp under Textual's pilot at 80×24 and 120×30, reading the screen's
text as drawn. Before, every column was cut to its header's width ("„Wir", "54:0",
"Chan") whatever the terminal's size, because rows were added with placeholders and
never widened.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.factories import at
from timekeeper.core.clock import ManualClock
from timekeeper.rooms.board import Board
from timekeeper.ui.venue.app import VenueApp
from timekeeper.ui.venue.layout import layout

T = datetime(2024, 12, 27, 11, 6, tzinfo=UTC)  # 12:06 in Hamburg
LIVE = "„Wir beteiligen uns aktiv an den Diskussionen“"
NEXT = "Changing Habits: a very long title about the climate of hacker spaces"
ROOMS = ["Saal 1", "Saal G", "Saal Zuse", "Saal Fuse", "Workshop Tent", "Stage B", "Room 7",
         "Lounge"]  # fmt: skip


def times(start: datetime, end: datetime) -> dict[str, Any]:
    warning, danger = end - timedelta(minutes=5), end - timedelta(minutes=1)
    return {"start": start.isoformat(), "deadline": end.isoformat(),
            "warning_at": warning.isoformat(), "danger_at": danger.isoformat(),
            "cut": None}  # fmt: skip


def status(live: str, nxt: str, over_under: float, left: timedelta) -> bytes:
    end = T + left
    return json.dumps({
        "v": 1, "type": "snapshot", "seq": 1, "show_time": T.isoformat(), "sent_at": T.isoformat(),
        "speed": 1.0, "rehearsal": False, "mode": "live", "held": False,
        "event": {"title": "38C3", "timezone": "Europe/Berlin"},
        "live": {"id": "a", "title": live, "speakers": ["Ada"], "manual": False,
                 "countdown": times(T - timedelta(minutes=6), end)},
        "turn": None, "next_turn": None,
        "next": {"id": "b", "title": nxt, "speakers": [], "planned_start": (end).isoformat(),
                 "expected_start": (end + timedelta(minutes=12)).isoformat(), "hard": False},
        "over_under": over_under, "ended_at": None,
        "message": {"text": "Wrap up please", "flash": False, "at": None},
    }).encode()  # fmt: skip


def venue(count: int) -> Board:
    board = Board("38c3", [(name, name.lower().replace(" ", "-")) for name in ROOMS[:count]])
    board.connected = True
    for n, slug in enumerate(board.rooms):
        late = 720 if n % 2 else -180
        board.receive(f"timekeeper/38c3/{slug}/online", b"true")
        board.receive(
            f"timekeeper/38c3/{slug}/status", status(LIVE, NEXT, late, timedelta(minutes=54))
        )
    return board


async def no_send(room: str, command: Mapping[str, object]) -> bool:
    return True


def screen(app: VenueApp) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def line_of(lines: list[str], name: str) -> str:
    found = [line for line in lines if line.lstrip().startswith(name)]
    assert found, f"no line for {name!r} in:\n" + "\n".join(lines)
    return found[0]


async def test_at_120_columns_every_room_shows_its_titles_time_left_and_lateness() -> None:
    app = VenueApp(venue(4), no_send, "38C3", clock=ManualClock(T))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        lines = screen(app)
    assert all(len(line) <= 120 for line in lines)
    saal1, saal_g = line_of(lines, "Saal 1"), line_of(lines, "Saal G")
    assert "online" in saal1
    assert LIVE[:20] in saal1 and "…" in saal1  # at least 20 characters, then an ellipsis
    assert "54:00" in saal1
    assert "3 min early" in saal1 and "12 min late" in saal_g
    assert NEXT[:12] in saal1 and "13:12" in saal1  # the next title and its expected start
    assert "OBS" in lines[1]  # room to spare at 120: OBS gets its column


async def test_at_80x24_eight_rooms_stay_readable_and_the_detail_line_has_the_rest() -> None:
    app = VenueApp(venue(8), no_send, "38C3", clock=ManualClock(T))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down")
        await pilot.pause()
        lines = screen(app)
    assert all(len(line) <= 80 for line in lines)
    for name in ROOMS:
        row = line_of(lines, name)
        assert LIVE[:20] in row and "54:00" in row and ("late" in row or "early" in row)
        below = lines[lines.index(row) + 1]
        assert f"next 13:12 {NEXT[:20]}" in below
    assert any("Saal G:" in line and "Wrap up please" in line for line in lines)


async def test_a_resized_terminal_is_laid_out_again() -> None:
    app = VenueApp(venue(2), no_send, "38C3", clock=ManualClock(T))
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        wide = line_of(screen(app), "Saal 1")
        assert LIVE[:30] in wide and "Wrap up please" in wide  # message gets a column at 160
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        narrow = screen(app)
    assert all(len(line) <= 80 for line in narrow)
    assert LIVE[:20] in line_of(narrow, "Saal 1")


async def test_a_bad_status_reads_so_and_the_detail_line_says_why() -> None:
    board = venue(2)
    board.receive("timekeeper/38c3/saal-1/status", b'{"v": 1, "type": "snapshot", "speed": 1e300}')
    app = VenueApp(board, no_send, "38C3", clock=ManualClock(T))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = screen(app)
    assert "bad status" in line_of(lines, "Saal 1")
    assert LIVE[:20] in line_of(lines, "Saal G")
    assert any("Saal 1: bad status —" in line for line in lines)


def test_the_layout_never_cuts_a_title_to_its_header_at_any_width() -> None:
    rows = venue(3).rows(T)
    for width in range(60, 241):
        lay = layout(width, rows)
        used = sum(c.width + 1 for c in lay.columns)
        assert used == width, width
        live = next(c for c in lay.columns if c.key == "live")
        assert live.width >= (20 if width >= 100 else 8) and live.width > len(live.header), width


async def test_the_clock_here_is_the_injected_one() -> None:
    """The countdown is counted from the status's timestamps at the app's clock."""
    clock = ManualClock(T)
    app = VenueApp(venue(1), no_send, "38C3", clock=clock)
    async with app.run_test(size=(120, 30)) as pilot:
        clock.set(T + timedelta(minutes=4))
        app.refresh_board()
        await pilot.pause()
        assert "50:00" in line_of(screen(app), "Saal 1")
    assert at("15:00").tzinfo is not None
