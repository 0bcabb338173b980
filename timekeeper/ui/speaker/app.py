"""The terminal speaker screen: `timekeeper speaker`, full-screen on a confidence monitor.

Data flows one way: a frame timer asks the source for the `Display` at the
injected clock's now (computed from timestamps, never by counting ticks) and
sets it on `SpeakerView`; widgets only render it. The source is the operator's
speaker server (`Follower`, over HTTP) or a room on the venue's broker
(`rooms.follower.RoomFollower`, `--mqtt`): anything with `display()` and `run()`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Protocol

from rich.align import Align
from rich.text import Text
from textual.app import App, ComposeResult, RenderResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.renderables.digits import Digits as DigitsRenderable
from textual.widget import Widget
from textual.widgets import Static

from timekeeper.core.clock import Clock, SystemClock
from timekeeper.core.countdown import Phase
from timekeeper.core.text import inert
from timekeeper.speaker.chimes import GAP, ChimePlanner
from timekeeper.speaker.follower import PING_EVERY, Backoff, Follower
from timekeeper.speaker.i18n import Strings, english
from timekeeper.speaker.protocol import Display
from timekeeper.ui.speaker.bigdigits import render_big, scale_for, supported

FPS = 10  # frames per second: enough for a smooth second and a visible blink
COMPACT_ROWS, COMPACT_COLUMNS = 16, 50  # below either, no frame: every row goes to the digits


class BigTime(Widget):
    """The countdown, as large as the widget allows: block font, else `Digits`, else text."""

    DEFAULT_CSS = """
    BigTime { height: 1fr; width: 1fr; }
    """

    value: reactive[str] = reactive("--:--")

    def render(self) -> RenderResult:
        width, height = self.size
        value = self.value
        scale = scale_for(value, width, height) if supported(value) else None
        if scale is not None:
            lines = render_big(value, *scale)
            pad = " " * max(0, (width - len(lines[0])) // 2)
            top = max(0, (height - len(lines)) // 2)
            return Text("\n" * top + "\n".join(pad + line for line in lines), no_wrap=True)
        if DigitsRenderable.get_width(value) <= width and height >= 3:
            return Align.center(DigitsRenderable(value, self.rich_style), vertical="middle")
        return Align.center(Text(value, style="bold"), vertical="middle")


class SpeakerView(Vertical):
    """Everything on the speaker screen; set `state` and it re-renders."""

    # Phases are told apart by words and shapes as well as colour: a thin round frame in
    # normal time, a heavy one and "WRAP UP" in warning, a double one and "FINISH NOW" in
    # danger, the digits inverted and "OVER" in overtime. The colours (sky blue, yellow,
    # vermilion) stay apart under deuteranopia, protanopia and tritanopia, each at least
    # 7:1 against black (docs/speaker-screens.md).
    DEFAULT_CSS = """
    SpeakerView { background: black; color: white; border: round #4fc3f7; }
    SpeakerView.phase-warning { border: heavy #ffd23f; }
    SpeakerView.phase-danger { border: double #ff6a3d; }
    SpeakerView.phase-overtime { border: heavy #ff6a3d; }
    SpeakerView.compact { border: none; }
    SpeakerView #top { height: 1; color: $text-muted; }
    SpeakerView #event { width: 1fr; }
    SpeakerView #rehearsal { width: auto; color: black; background: orange; text-style: bold; }
    SpeakerView #clock { width: auto; padding-left: 2; text-style: bold; color: white; }
    SpeakerView #title { height: auto; text-align: center; text-style: bold; color: white; }
    SpeakerView #speaker {
        height: auto; border: round $accent; border-title-align: center;
        text-align: center; text-style: bold; color: white; margin: 0 4;
    }
    SpeakerView #label { height: 1; text-align: center; color: $text-muted; }
    SpeakerView #phase { height: 1; text-align: center; text-style: bold; display: none; }
    SpeakerView.phase-warning #phase { display: block; color: black; background: #ffd23f; }
    SpeakerView.phase-danger #phase { display: block; color: black; background: #ff6a3d; }
    SpeakerView.phase-overtime #phase { display: block; color: #ff6a3d; background: black; }
    SpeakerView BigTime { color: #4fc3f7; }
    SpeakerView.phase-warning BigTime { color: #ffd23f; }
    SpeakerView.phase-danger BigTime { color: #ff6a3d; }
    SpeakerView.phase-overtime BigTime { color: black; background: #ff6a3d; }
    SpeakerView.phase-overtime.blink-off BigTime { color: #ff6a3d; background: black; }
    SpeakerView.phase-warning #label { color: #ffd23f; }
    SpeakerView.phase-danger #label, SpeakerView.phase-overtime #label { color: #ff6a3d; }
    SpeakerView.cut #label { text-style: bold; }
    SpeakerView #slotline { height: auto; text-align: center; color: $text-muted; }
    SpeakerView #next { height: auto; text-align: center; color: white; }
    SpeakerView #message {
        height: auto; text-align: center; text-style: bold; padding: 0 1;
        background: #1f4e8c; color: white; display: none;
    }
    SpeakerView.has-message #message { display: block; }
    SpeakerView.flash.blink-off #message { background: white; color: #1f4e8c; }
    SpeakerView #status {
        height: auto; text-align: center; text-style: bold; background: #b00020; color: white;
        display: none;
    }
    SpeakerView.disconnected #status { display: block; }
    """

    state: reactive[Display | None] = reactive(None)

    def __init__(self, words: Strings | None = None) -> None:
        super().__init__()
        self._shown: dict[str, str] = {}
        self.words = words or english()

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield Static(id="event")
            yield Static(id="rehearsal")
            yield Static(id="clock")
        yield Static(id="status")
        yield Static(id="title")
        speaker = Static(id="speaker")
        speaker.border_title = self.words.t("speaking")
        yield speaker
        yield Static(id="label")
        yield Static(id="phase")
        yield BigTime(id="digits")
        yield Static(id="slotline")
        yield Static(id="next")
        yield Static(id="message")

    def on_resize(self) -> None:
        """A small terminal gives the frame's rows to the digits (the phase word stays)."""
        width, height = self.app.size
        self.set_class(height < COMPACT_ROWS or width < COMPACT_COLUMNS, "compact")

    def watch_state(self, state: Display | None) -> None:
        if state is None:
            return
        for phase in Phase:  # the core's phases, as the Display names them
            self.set_class(state.phase == phase.value, f"phase-{phase.value}")
        self.set_class(not state.blink_on, "blink-off")
        self.set_class(bool(state.message), "has-message")
        self.set_class(state.flash, "flash")
        self.set_class(state.disconnected, "disconnected")
        self.set_class(bool(state.cut), "cut")  # the digits count to a hard start
        self._text("#event", state.event)
        self._text("#rehearsal", f" {state.rehearsal} " if state.rehearsal else "")
        self._text("#clock", state.clock)
        self._text("#status", state.status)
        self._text("#title", state.title)
        self._text("#speaker", state.name or "—")
        self._text("#label", state.label)
        self._text("#phase", f" {state.phase_word} " if state.phase_word else "")
        self._text("#slotline", state.slot_line)
        self._text("#next", state.next)
        self._text("#message", state.message)
        self.query_one("#rehearsal").display = bool(state.rehearsal)
        self.query_one("#speaker").display = bool(state.name)
        self.query_one("#digits", BigTime).value = state.digits

    def _text(self, selector: str, text: str) -> None:
        """Update a line only when its words change (most frames change only the digits)."""
        if self._shown.get(selector) != text:
            self._shown[selector] = text
            self.query_one(selector, Static).update(Text(inert(text, lines=True)))


class Source(Protocol):
    """Where the screen's state comes from: says what to show now, and follows forever."""

    on_change: Callable[[], None] | None

    def display(self) -> Display: ...

    async def run(self) -> None: ...


class SpeakerApp(App[None]):
    """Follows a running show and shows the speaker its time."""

    TITLE = "timekeeper speaker"
    BINDINGS: ClassVar[list[BindingType]] = [("q", "quit", "Quit")]
    CSS = "Screen { background: black; }"

    def __init__(
        self,
        url: str,
        clock: Clock | None = None,
        *,
        backoff: Backoff | None = None,
        ping_every: float = PING_EVERY,
        source: Source | None = None,
        words: Strings | None = None,
        sound: bool = False,
    ) -> None:
        """Follow the speaker server at `url`, or `source` when given (then `url` is unused).

        `words`: the screen's language; `sound`: ring the terminal's bell at warning (once),
        danger (twice) and zero (three times), and for a flashed message (speaker/chimes.py).
        """
        super().__init__()
        self.words = words or english()
        self.sound = sound
        self.chimes = ChimePlanner()
        self.rung = 0  # bells rung so far (for tests and the curious)
        self.source: Source
        if source is None:
            clock = clock or SystemClock()
            self.source = Follower(
                url, clock, backoff=backoff, ping_every=ping_every, words=self.words
            )
        else:
            self.source = source
        self.source.on_change = self.refresh_display

    @property
    def follower(self) -> Follower:
        """The speaker server's follower (when following one over HTTP)."""
        assert isinstance(self.source, Follower)
        return self.source

    def compose(self) -> ComposeResult:
        yield SpeakerView(self.words)

    def on_mount(self) -> None:
        self.run_worker(self.source.run(), name="follow", exclusive=True, exit_on_error=False)
        self.set_interval(1 / FPS, self.refresh_display)
        self.refresh_display()

    @property
    def shown(self) -> Display | None:
        """What the screen shows now (for tests and anyone curious)."""
        return self.query_one(SpeakerView).state

    def refresh_display(self) -> None:
        """Recompute the screen from the clock and the last state (cheap; equal states skip)."""
        if not self.is_running:
            return
        shown = self.source.display()
        self.query_one(SpeakerView).state = shown
        chimes = self.chimes.cue(shown)
        if chimes and self.sound:
            for n in range(chimes):
                self.set_timer(n * GAP + 0.001, self._ring)

    def _ring(self) -> None:
        self.rung += 1
        self.bell()
