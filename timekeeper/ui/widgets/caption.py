"""One line of text that re-lays out the screen only when its length changes.

A Label's `update()` always asks for a new layout of the whole screen; a clock
or a countdown caption changes every second with the same length, so this
widget (like Textual's Digits) repaints itself alone unless its width changed.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget


class Caption(Widget):
    DEFAULT_CSS = "Caption { width: auto; height: 1; }"

    def __init__(self, text: str = "", *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self._text = text

    @property
    def text(self) -> str:
        return self._text

    def update(self, text: str) -> None:
        if text == self._text:
            return
        layout = cell_len(text) != cell_len(self._text)
        self._text = text
        self.refresh(layout=layout)

    def render(self) -> Text:
        return Text(self._text, no_wrap=True, overflow="ellipsis", end="")

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return cell_len(self._text)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 1
