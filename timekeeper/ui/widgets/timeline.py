"""Every slot in a table: planned, expected and actual start, length, over/under, state.

The table is rebuilt only when the programme's rows change shape; otherwise the
cells whose text changed are updated in place (usually one per second: the live
slot's running length), so the table never flickers. It cannot take focus:
the operator's keys always reach the screen's bindings.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import DataTable

from timekeeper.ui.views import TIMELINE_COLUMNS, TimelineRow

WIDTHS = {"Plan": 5, "Expected": 8, "Actual": 8, "Dur": 5, "Ran": 7, "±": 8, "Status": 7}
MIN_TITLE = 12
STYLE = {"done": "dim", "cut": "dim", "skipped": "dim strike", "live": "bold", "next": ""}
ALERT = "bold yellow"  # a coming slot whose scene OBS does not have


def _cell(text: str, state: str, alert: bool = False) -> Text:
    style = ALERT if alert else STYLE.get(state, "")
    return Text(text, style=style, no_wrap=True, overflow="ellipsis")


class Timeline(DataTable[Text]):
    """The programme as a table; the live (or next) row carries the cursor highlight."""

    can_focus = False
    rows_view: reactive[tuple[TimelineRow, ...]] = reactive((), repaint=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, show_cursor=True)
        self._shown: dict[str, TimelineRow] = {}
        self._title_width = 0

    def on_resize(self) -> None:
        """Give the slot titles whatever width the fixed columns leave."""
        fixed = sum(WIDTHS.values()) + 2 * self.cell_padding * len(TIMELINE_COLUMNS) + 1
        width = max(MIN_TITLE, self.size.width - fixed)
        if width != self._title_width:
            self._title_width = width
            self._rebuild(self.rows_view)
            self._place_cursor(self.rows_view)

    def _rebuild(self, rows: tuple[TimelineRow, ...]) -> None:
        self.clear(columns=True)
        for name in TIMELINE_COLUMNS:
            self.add_column(name, key=name, width=WIDTHS.get(name, self._title_width))
        self._shown = {}
        for row in rows:
            self.add_row(*(_cell(c, row.state, row.alert) for c in row.cells), key=row.key)
            self._shown[row.key] = row

    def watch_rows_view(self, rows: tuple[TimelineRow, ...]) -> None:
        if not self._title_width:
            return  # the first resize builds the table
        if [r.key for r in rows] != list(self._shown):
            self._rebuild(rows)
        else:
            for row in rows:
                self._update_row(row)
        self._place_cursor(rows)

    def _update_row(self, row: TimelineRow) -> None:
        shown = self._shown[row.key]
        if shown == row:
            return
        for name, old, new in zip(TIMELINE_COLUMNS, shown.cells, row.cells, strict=True):
            if old != new or shown.state != row.state or shown.alert != row.alert:
                self.update_cell(row.key, name, _cell(new, row.state, row.alert))
        self._shown[row.key] = row

    def _place_cursor(self, rows: tuple[TimelineRow, ...]) -> None:
        """Highlight the live row, else the next one; none once the show is over."""
        target = next((i for i, r in enumerate(rows) if r.state == "live"), None)
        waiting = target is None
        if waiting:
            target = next((i for i, r in enumerate(rows) if r.state == "next"), None)
        self.show_cursor = target is not None
        self.set_class(waiting, "-waiting")
        if target is not None and target != self.cursor_row:
            self.move_cursor(row=target, animate=False)
