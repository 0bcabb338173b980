"""A one-line progress bar that repaints only when a cell changes.

Textual's ProgressBar carries percentage and ETA machinery the dashboard does
not need; this one renders `━━━━──────` and ignores progress too small to move
a cell, so a slot's bar costs nothing between its steps.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

FULL, EMPTY = "━", "─"


class Bar(Widget):
    """Progress from 0 to 1 across the widget's width."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"bar--done", "bar--todo"}

    progress: reactive[float] = reactive(0.0, repaint=False)

    def _cells(self, progress: float) -> int:
        width = self.size.width
        return round(max(0.0, min(1.0, progress)) * width)

    def watch_progress(self, old: float, new: float) -> None:
        if self._cells(old) != self._cells(new):
            self.refresh()

    def render(self) -> Text:
        width = self.size.width
        done = self._cells(self.progress)
        text = Text(no_wrap=True, end="")
        text.append(FULL * done, self.get_component_rich_style("bar--done"))
        text.append(EMPTY * (width - done), self.get_component_rich_style("bar--todo"))
        return text
