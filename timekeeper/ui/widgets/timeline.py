"""Every slot in a table: planned, expected and actual start, length, over/under, state.

A line-API widget (one line per slot under a fixed header) rather than a
DataTable: when one cell changes (usually once a second: the live slot's running
length) only that slot's line is rendered again, where a DataTable renders every
cell of every row on any change. The live row (else the next one) carries the
highlight and is kept in view. It cannot take focus: the operator's keys always
reach the screen's bindings.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from timekeeper.ui.views import TIMELINE_COLUMNS, TimelineRow

WIDTHS = {"Plan": 5, "Expected": 8, "Actual": 8, "Dur": 5, "Ran": 7, "±": 8, "Status": 7}
PADDING = 1  # blank cells either side of every column
MIN_TITLE = 12
STYLE = {"done": "dim", "cut": "dim", "skipped": "dim strike", "live": "bold", "next": ""}
ALERT = "bold yellow"  # a coming slot whose scene OBS does not have
HEADER = "timeline--header"
CURSOR = "timeline--cursor"
WAITING = "timeline--waiting"  # the highlight on the next row, while no slot is live


class Timeline(ScrollView):
    """The programme as a table; the live (or next) row carries the highlight."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {HEADER, CURSOR, WAITING}
    DEFAULT_CSS = """
    Timeline { height: auto; overflow-x: hidden; }
    Timeline > .timeline--header { text-style: bold; background: $panel; color: $foreground; }
    Timeline > .timeline--cursor { background: $accent 45%; text-style: bold; }
    Timeline > .timeline--waiting { background: $primary 15%; }
    """

    can_focus = False
    rows_view: reactive[tuple[TimelineRow, ...]] = reactive((), repaint=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: tuple[TimelineRow, ...] = ()
        self._cursor: int | None = None  # index of the highlighted row
        self._waiting = False  # the highlight is on the next row (nothing live)
        self._strips: dict[int, tuple[object, Strip]] = {}  # row index -> (what, its line)

    @property
    def cursor_row(self) -> int | None:
        """The highlighted row: the live slot, else the next one; None once the show is over."""
        return self._cursor

    def _widths(self) -> list[int]:
        fixed = sum(WIDTHS.values()) + 2 * PADDING * len(TIMELINE_COLUMNS)
        title = max(MIN_TITLE, self.size.width - fixed - 1)
        return [WIDTHS.get(name, title) for name in TIMELINE_COLUMNS]

    def on_resize(self) -> None:
        self._strips.clear()
        self._sync_size()
        self.refresh()

    def _sync_size(self) -> None:
        self.virtual_size = Size(self.size.width, len(self._rows) + 1)

    def watch_rows_view(self, rows: tuple[TimelineRow, ...]) -> None:
        old, old_cursor, old_waiting = self._rows, self._cursor, self._waiting
        self._rows = rows
        self._place_cursor(rows)
        if len(rows) != len(old):
            self._strips.clear()
            self._sync_size()
            self.refresh()
        else:
            highlight_moved = (old_cursor, old_waiting) != (self._cursor, self._waiting)
            for i, (before, after) in enumerate(zip(old, rows, strict=True)):
                moved = highlight_moved and i in (old_cursor, self._cursor)
                if before != after or moved:
                    self.refresh_lines(i + 1)
        self._keep_in_view()

    def _place_cursor(self, rows: tuple[TimelineRow, ...]) -> None:
        live = next((i for i, r in enumerate(rows) if r.state == "live"), None)
        self._waiting = live is None
        if live is None:
            live = next((i for i, r in enumerate(rows) if r.state == "next"), None)
        self._cursor = live

    def _keep_in_view(self) -> None:
        """Scroll so that the highlighted row is visible (a long conference day)."""
        if self._cursor is None or not self.size.height:
            return
        visible = max(1, self.size.height - 1)  # rows under the header
        top = int(self.scroll_y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False)
        elif self._cursor >= top + visible:
            self.scroll_to(y=self._cursor - visible + 1, animate=False)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            return self._line(list(TIMELINE_COLUMNS), self.get_component_rich_style(HEADER), width)
        index = y - 1 + int(self.scroll_y)
        if not 0 <= index < len(self._rows):
            return Strip.blank(width, self.rich_style)
        row = self._rows[index]
        highlight = None
        if index == self._cursor:
            highlight = WAITING if self._waiting else CURSOR
        what = (row, width, highlight)
        cached = self._strips.get(index)
        if cached is not None and cached[0] == what:
            return cached[1]
        state_style = ALERT if row.alert else STYLE.get(row.state, "")
        style = self.rich_style + Style.parse(state_style or "none")
        if highlight is not None:
            style += self.get_component_rich_style(highlight)
        strip = self._line(list(row.cells), style, width)
        self._strips[index] = (what, strip)
        return strip

    def _line(self, cells: list[str], style: Style, width: int) -> Strip:
        text = Text(no_wrap=True, end="")
        for cell, cell_width in zip(cells, self._widths(), strict=True):
            part = Text(cell, no_wrap=True, overflow="ellipsis", end="")
            part.truncate(cell_width, overflow="ellipsis", pad=True)
            text.append(" " * PADDING)
            text.append_text(part)
            text.append(" " * PADDING)
        text.truncate(width, overflow="ellipsis", pad=True)
        segments = [
            Segment(seg.text, style + seg.style if seg.style else style)
            for seg in text.render(self.app.console)
        ]
        return Strip(segments, width).crop(0, width)
