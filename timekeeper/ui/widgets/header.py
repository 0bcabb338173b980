"""The top lines: event title, show clock, on-time status, and the REHEARSAL banner.

The clock is the *show's* time of day (the pretend time when rehearsing), taken
from the Status, never from the wall: Textual's own Header would read
`datetime.now()` and lie during a rehearsal.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Static

from timekeeper.ui.views import BannerView, HeaderView
from timekeeper.ui.widgets.caption import Caption

KINDS = ("ontime", "late", "early")


class StatusBar(Horizontal):
    """Title left, show clock and status right; HOLD in its own badge."""

    view: reactive[HeaderView | None] = reactive(None, repaint=False)

    def compose(self) -> ComposeResult:
        yield Caption(id="title")
        yield Caption(id="hold")
        yield Caption(id="cut")
        yield Caption(id="clock")
        yield Caption(id="show-status")

    def watch_view(self, old: HeaderView | None, new: HeaderView | None) -> None:
        if new is None:
            return
        if old is None or old.title != new.title:
            self.query_one("#title", Caption).update(new.title)
        if old is None or old.cut != new.cut:
            cut = self.query_one("#cut", Caption)
            cut.update(f" {new.cut} " if new.cut else "")
            cut.display = bool(new.cut)
        if old is None or old.clock != new.clock:
            self.query_one("#clock", Caption).update(new.clock)
        if old is None or old.held != new.held:
            hold = self.query_one("#hold", Caption)
            hold.update(" HOLD " if new.held else "")
            hold.display = new.held
        if old is None or (old.status, old.kind) != (new.status, new.kind):
            status = self.query_one("#show-status", Caption)
            status.update(f" {new.status} ")
            for kind in KINDS:
                status.set_class(kind == new.kind, f"-{kind}")


class Banner(Static):
    """The unmistakable REHEARSAL line; absent only for the live show on the real clock."""

    view: reactive[BannerView] = reactive(BannerView(""))

    def watch_view(self, view: BannerView) -> None:
        self.update(view.text)
        self.display = bool(view.text)


class HoldBanner(Static):
    """HOLD across the screen: while held, nothing moves on by itself, which must not be missed."""

    held: reactive[bool] = reactive(False)

    def watch_held(self, held: bool) -> None:
        self.update("HOLD — nothing moves on by itself · h releases" if held else "")
        self.display = held


class LockBanner(Static):
    """KEYBOARD LOCKED across the screen: a burst was discarded; the show goes on untouched."""

    view: reactive[tuple[bool, int]] = reactive((False, 0))

    def watch_view(self, view: tuple[bool, int]) -> None:
        locked, dropped = view
        self.update(
            f"KEYBOARD LOCKED — a burst of {dropped} keys was ignored; the show is untouched"
            " · ctrl+u unlocks"
            if locked
            else ""
        )
        self.display = locked


class RemoteLine(Static):
    """Who else is steering: the last action a remote surface took (absent until there is one)."""

    text: reactive[str] = reactive("")

    def watch_text(self, text: str) -> None:
        self.update(text)
        self.display = bool(text)
