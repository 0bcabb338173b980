"""One line: what comes next, when it is expected, whether its start is hard, over/under."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Label

from timekeeper.ui.views import NextView
from timekeeper.ui.widgets.caption import Caption

KINDS = ("ontime", "late", "early", "none")


class NextPanel(Horizontal):
    view: reactive[NextView | None] = reactive(None, repaint=False)

    def compose(self) -> ComposeResult:
        yield Label(" NEXT ", classes="heading")
        yield Caption(id="next-title")
        yield Caption(id="next-when")
        yield Caption(id="next-planned")
        yield Label(" HARD ", id="next-hard")
        yield Caption(id="next-delta")

    def watch_view(self, old: NextView | None, new: NextView | None) -> None:
        if new is None or old == new:
            return
        self.query_one("#next-title", Caption).update(new.title)
        self.query_one("#next-when", Caption).update(new.when)
        self.query_one("#next-planned", Caption).update(new.planned)
        self.query_one("#next-hard", Label).display = new.hard
        delta = self.query_one("#next-delta", Caption)
        delta.update(new.delta)
        for kind in KINDS:
            delta.set_class(kind == new.kind, f"-{kind}")
