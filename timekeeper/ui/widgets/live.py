"""The live slot and the live speaker turn: big countdowns coloured by phase.

Each panel holds one frozen view; when a new one arrives it updates only the
children whose text changed, and sets a `-<phase>` class that the stylesheet
turns into the warning / danger / overtime colours.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Digits

from timekeeper.ui.views import IDLE, LiveView, TurnsView
from timekeeper.ui.widgets.bar import Bar
from timekeeper.ui.widgets.caption import Caption

PHASES = ("normal", "warning", "danger", "overtime", IDLE)
BLANK = LiveView("", "", "", "", IDLE, ("", "", ""), None, "", False)


def _set_phase(widget: Vertical, phase: str) -> None:
    for name in PHASES:
        widget.set_class(name == phase, f"-{name}")


def _label(parent: Vertical, selector: str, text: str) -> None:
    parent.query_one(selector, Caption).update(text)


class LivePanel(Vertical):
    """Title, speakers, the slot's big countdown, progress, planned vs actual start."""

    view: reactive[LiveView | None] = reactive(None, repaint=False)

    def compose(self) -> ComposeResult:
        with Horizontal(classes="heading-row"):
            yield Caption(classes="heading", id="live-heading")
            yield Caption(classes="title", id="live-title")
        yield Caption(classes="speakers", id="live-speakers")
        with Horizontal(classes="count-row"):
            yield Digits(id="live-digits")
            with Vertical(classes="captions"):
                yield Caption(id="live-cap0")
                yield Caption(id="live-cap1")
                yield Caption(id="live-cap2")
        yield Bar(id="live-bar")
        yield Caption(classes="detail", id="live-detail")

    def watch_view(self, old: LiveView | None, new: LiveView | None) -> None:
        if new is None:
            return
        prev = old or BLANK
        first = old is None
        if first or prev.heading != new.heading:
            _label(self, "#live-heading", f" {new.heading} ")
        if first or prev.title != new.title:
            _label(self, "#live-title", new.title)
        if first or prev.speakers != new.speakers:
            _label(self, "#live-speakers", new.speakers)
        if first or prev.digits != new.digits:
            digits = self.query_one("#live-digits", Digits)
            digits.update(new.digits)
            digits.display = bool(new.digits)
        for i, text in enumerate(new.caption):
            if first or prev.caption[i] != text:
                _label(self, f"#live-cap{i}", text)
        bar = self.query_one(Bar)
        bar.display = new.progress is not None
        bar.progress = new.progress or 0.0
        if first or prev.detail != new.detail:
            _label(self, "#live-detail", new.detail)
        _set_phase(self, new.phase)
        self.set_class(new.held, "-held")


class TurnPanel(Vertical):
    """The live speaker turn with its own countdown, and who follows in the turns."""

    view: reactive[TurnsView] = reactive(TurnsView(visible=False), repaint=False)

    def compose(self) -> ComposeResult:
        with Horizontal(classes="heading-row"):
            yield Caption(classes="heading", id="turn-heading")
            yield Caption(classes="title", id="turn-speaker")
        with Horizontal(classes="count-row"):
            yield Digits(id="turn-digits")
            yield Caption(classes="captions", id="turn-caption")
        yield Caption(classes="detail", id="turn-line0")
        yield Caption(classes="detail", id="turn-line1")

    def watch_view(self, old: TurnsView, new: TurnsView) -> None:
        self.display = new.visible
        if not new.visible:
            return
        if old.heading != new.heading:
            _label(self, "#turn-heading", f" {new.heading} ")
        if old.speaker != new.speaker:
            _label(self, "#turn-speaker", new.speaker)
        if old.digits != new.digits:
            self.query_one("#turn-digits", Digits).update(new.digits)
        if old.caption != new.caption:
            _label(self, "#turn-caption", new.caption)
        for i, text in enumerate(new.lines):
            if old.lines[i] != text:
                _label(self, f"#turn-line{i}", text)
        _set_phase(self, new.phase)
