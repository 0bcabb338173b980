"""The venue overview: one line per room, from the broker, for the venue's stage manager.

Renders `Board.rows(now)` (rooms/board.py) four times a second on the injected
clock: live slot and countdown, turn, over/under, next, OBS, operator online or
not, last message; an OFFLINE room in red at once. `m` writes a message to the
selected room's speaker screens (Enter sends, empty clears, Escape cancels); it
goes to that room's `commands` topic through `send`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.widgets import DataTable, Footer, Input, Static

from timekeeper.core.clock import Clock, SystemClock
from timekeeper.rooms.board import Board, RoomRow

FPS = 4
COLUMNS = ("Room", "Operator", "Live", "Left", "Turn", "Over/under", "Next", "OBS", "Message")
PHASE_STYLE = {"warning": "bold yellow", "danger": "bold red", "overtime": "bold red reverse"}
ONLINE_STYLE = {"online": "green", "OFFLINE": "bold white on red", "unknown": "yellow",
                "broker lost": "bold red"}  # fmt: skip

Send = Callable[[str, Mapping[str, object]], Awaitable[bool]]


def row_cells(row: RoomRow) -> list[Text]:
    return [
        Text(row.name, style="bold"),
        Text(row.online, style=ONLINE_STYLE.get(row.online, "")),
        Text(row.live),
        Text(row.countdown, style=PHASE_STYLE.get(row.phase, "")),
        Text(row.turn),
        Text(row.over_under, style="yellow" if "late" in row.over_under else ""),
        Text(row.next),
        Text(row.obs, style="red" if "ALARM" in row.obs or row.obs == "disconnected" else ""),
        Text(row.message, style="italic"),
    ]


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
        yield DataTable(id="rooms", cursor_type="row", zebra_stripes=True)
        yield Input(placeholder="message (Enter sends, empty clears)", id="compose")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#rooms", DataTable)
        for name in COLUMNS:
            table.add_column(name, key=name)
        self.refresh_board()
        self.set_interval(1 / FPS, self.refresh_board)

    def refresh_board(self) -> None:
        now = self.clock.now()
        table = self.query_one("#rooms", DataTable)
        for row in self.board.rows(now):
            cells = row_cells(row)
            if row.slug not in table.rows:
                table.add_row(*cells, key=row.slug)
                continue
            for column, cell in zip(COLUMNS, cells, strict=True):
                table.update_cell(row.slug, column, cell)
        state = "connected" if self.board.connected else "BROKER LOST — reconnecting…"
        style = "green" if self.board.connected else "bold red"
        header = Text.assemble((self.venue_title, "bold"), " · broker ", (state, style))
        if self.sub_title:
            header.append(f" · {self.sub_title}")
        self.query_one("#broker", Static).update(header)

    def selected(self) -> str | None:
        table = self.query_one("#rooms", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return str(key.value)

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
        self.query_one("#rooms", DataTable).focus()

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
