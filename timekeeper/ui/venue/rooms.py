"""RoomsView: the overview's table of rooms, laid out afresh for its width at every render.

Attributes down: the app sets `rows` (frozen `RoomRow`s; an equal tuple renders
nothing new); the view lays them out with `layout.layout` for its current size, so a
resized terminal re-lays out at once, and keeps the selected room (`cursor`) in view
when there are more rooms than lines.
"""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual.binding import BindingType
from textual.reactive import reactive
from textual.widget import Widget

from timekeeper.rooms.board import RoomRow
from timekeeper.ui.venue.layout import detail, header, layout, room_lines


class RoomsView(Widget, can_focus=True):
    DEFAULT_CSS = "RoomsView { height: 1fr; }"
    BINDINGS: ClassVar[list[BindingType]] = [
        ("up,k", "move(-1)", "Up"),
        ("down,j", "move(1)", "Down"),
    ]

    rows: reactive[tuple[RoomRow, ...]] = reactive(())
    cursor: reactive[int] = reactive(0)

    @property
    def selected(self) -> RoomRow | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def action_move(self, step: int) -> None:
        if self.rows:
            self.cursor = max(0, min(len(self.rows) - 1, self.cursor + step))

    def render(self) -> RenderableType:
        width, height = self.size.width, self.size.height
        rows = list(self.rows)
        lay = layout(width, rows)
        lines: list[Text] = [header(lay)]
        fits = max(1, (height - 2) // lay.lines_per_room)  # header and detail line
        first = min(max(0, self.cursor - fits + 1), max(0, len(rows) - fits))
        for index in range(first, min(len(rows), first + fits)):
            room = room_lines(rows[index], lay)
            if index == self.cursor:
                for line in room:
                    line.stylize("reverse" if self.has_focus else "underline")
            elif index % 2:
                for line in room:
                    line.stylize("on grey11")
            lines += room
        lines += [Text("")] * max(0, height - 1 - len(lines))
        lines.append(detail(self.selected, width))
        return Group(*lines)
