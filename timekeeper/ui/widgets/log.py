"""What happened, newest first: the operator looks at the top line, not the bottom."""

from __future__ import annotations

import bisect
from datetime import datetime

from rich.text import Text
from textual.widget import Widget

KEEP = 200  # lines kept in memory; the as-run log keeps everything

Entry = tuple[datetime, str]  # (instant, the line as shown)


class EventLog(Widget):
    """Lines ordered by their instant, not by arrival.

    A run's first tick catches up on everything since the plan's start, after
    the services have already reported; ordering by instant keeps the log true.
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._entries: list[Entry] = []  # oldest first
        self._keyed: dict[str, Entry] = {}  # the line of each repeated alarm

    @property
    def lines(self) -> list[str]:
        """Newest first, as shown."""
        return [text for _, text in reversed(self._entries)]

    def add(self, entries: list[Entry], key: str | None = None) -> None:
        """Add lines; with `key`, they replace the line last added with that key (a repeated
        alarm is one line, updated: "OBS unreachable since 15:29:10, 12 attempts")."""
        if not entries:
            return
        old = self._keyed.pop(key, None) if key is not None else None
        if old is not None and old in self._entries:
            self._entries.remove(old)
        for entry in entries:
            bisect.insort_right(self._entries, entry, key=lambda e: e[0])
        if key is not None:
            self._keyed[key] = entries[-1]
        del self._entries[:-KEEP]
        self.refresh()

    def render(self) -> Text:
        height = max(1, self.size.height)
        shown = self.lines[:height] or ["(nothing has happened yet)"]
        return Text("\n".join(shown), no_wrap=True, overflow="ellipsis", end="")
