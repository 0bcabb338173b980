"""The venue overview: one line per room, from the broker, for the venue's stage manager.

Hands `Board.rows(now)` (rooms/board.py) to the `RoomsView` four times a second on
the injected clock; the view lays them out for the terminal's width (ui/venue/layout.py):
status, live title and time left, late or early, next title and its expected start,
then OBS, turn and message as far as they fit, and the selected room in full on the
detail line; an OFFLINE room in red at once, a room whose status cannot be shown as
"bad status". `m` writes a message to the selected room's speaker screens (Enter
sends, empty clears, Escape cancels); it goes to that room's `commands` topic through
`send`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.widgets import Footer, Input, Static

from timekeeper.core.clock import Clock, SystemClock
from timekeeper.rooms.board import Board
from timekeeper.ui.venue.rooms import RoomsView

FPS = 4

Send = Callable[[str, Mapping[str, object]], Awaitable[bool]]


class VenueApp(App[int]):
    TITLE = "timekeeper · venue"
    BINDINGS: ClassVar[list[BindingType]] = [
        ("m", "message", "Message to the room"),
        ("escape", "cancel", "Cancel"),
        ("q", "quit", "Quit"),
    ]
    CSS = """
    #broker { height: 1; }
    #compose { display: none; }
    #compose.open { display: block; }
    """

    def __init__(self, board: Board, send: Send, title: str, clock: Clock | None = None) -> None:
        super().__init__()
        self.board = board
        self.send = send
        self.venue_title = title
        self.clock = clock or SystemClock()
        self.target: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="broker")
        yield RoomsView(id="rooms")
        yield Input(placeholder="message (Enter sends, empty clears)", id="compose")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(RoomsView).focus()
        self.refresh_board()
        self.set_interval(1 / FPS, self.refresh_board)

    def refresh_board(self) -> None:
        if not self.is_running:  # a last tick while the app closes
            return
        now = self.clock.now()
        self.query_one(RoomsView).rows = tuple(self.board.rows(now))
        state = "connected" if self.board.connected else "BROKER LOST — reconnecting…"
        style = "green" if self.board.connected else "bold red"
        header = Text.assemble((self.venue_title, "bold"), " · broker ", (state, style))
        if self.sub_title:
            header.append(f" · {self.sub_title}")
        self.query_one("#broker", Static).update(header)

    def selected(self) -> str | None:
        row = self.query_one(RoomsView).selected
        return row.slug if row is not None else None

    def action_message(self) -> None:
        self.target = self.selected()
        if self.target is None:
            return
        box = self.query_one("#compose", Input)
        box.placeholder = f"message to {self.board.rooms[self.target].name} (Enter sends)"
        box.value = ""
        box.add_class("open")
        box.focus()

    def action_cancel(self) -> None:
        self.query_one("#compose", Input).remove_class("open")
        self.query_one(RoomsView).focus()

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        target, self.target = self.target, None
        self.action_cancel()
        if target is None:
            return
        command = {"command": "message", "text": event.value, "from": "venue"}
        name = self.board.rooms[target].name
        if await self.send(target, command):
            self.notify(f"Message sent to {name}" if event.value else f"Message cleared in {name}")
        else:
            self.notify("Not sent: the broker is away", severity="error")
